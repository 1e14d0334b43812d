/**
 * A task's checkpoint: for each changelog partition of its persistent stores, the offset the
 * store's on-disk state reflects, i.e. where restoring resumes. Kafka's OffsetCheckpoint text
 * format, so the file reads the same to anyone who knows Kafka Streams' state directories:
 *
 *   0\n                                 version
 *   2\n                                 number of entries
 *   app-counts-changelog 3 1042\n       <topic> <partition> <next offset to restore>
 *   app-totals-changelog 3 77\n
 *
 * Topic names cannot contain spaces or newlines, so the separators are unambiguous. The file is
 * written to `.checkpoint.tmp`, fsynced and renamed over `.checkpoint`, so a crash leaves either
 * the old or the new checkpoint, never half of one.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicPartition } from '../../storage/client/types.js';
import { tpKey } from '../../storage/types.js';

export const CHECKPOINT_FILE = '.checkpoint';
const VERSION = 0;

export interface CheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

export function encodeCheckpoint(entries: readonly CheckpointEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const lines = [String(VERSION), String(sorted.length), ...sorted.map((e) => `${e.topic} ${e.partition} ${e.offset}`)];
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

export class CheckpointFormatError extends Error {}

export function decodeCheckpoint(bytes: Buffer): CheckpointEntry[] {
  const lines = bytes.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== String(VERSION)) throw new CheckpointFormatError(`unknown checkpoint version '${lines[0]}'`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) throw new CheckpointFormatError(`expected ${lines[1]} entries, found ${lines.length - 2}`);
  return lines.slice(2).map((line) => {
    const parts = line.split(' ');
    const partition = Number(parts[1]);
    const offset = Number(parts[2]);
    if (parts.length !== 3 || parts[0] === '' || !Number.isInteger(partition) || partition < 0 || !Number.isInteger(offset) || offset < 0) {
      throw new CheckpointFormatError(`bad entry '${line}'`);
    }
    return { topic: parts[0]!, partition, offset };
  });
}

/** The checkpoint file of one task directory. */
export class TaskCheckpoint {
  readonly path: string;
  /** The entries this object last wrote, as text: an unchanged checkpoint is not written again. */
  private written = '';

  constructor(readonly taskDir: string) {
    this.path = join(taskDir, CHECKPOINT_FILE);
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  /** The offsets by topic-partition key; null when there is no checkpoint. Throws CheckpointFormatError for a damaged one. */
  read(): Map<string, number> | null {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return new Map(decodeCheckpoint(bytes).map((e) => [tpKey(e.topic, e.partition), e.offset]));
  }

  write(entries: readonly CheckpointEntry[]): void {
    const tmp = `${this.path}.tmp`;
    mkdirSync(this.taskDir, { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, encodeCheckpoint(entries));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  /** Writes the entries unless they are what this object last wrote and the file is still there. */
  writeIfChanged(entries: readonly CheckpointEntry[]): void {
    const text = entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`).join('\n');
    if (text === this.written && this.exists()) return;
    this.write(entries);
    this.written = text;
  }

  delete(): void {
    rmSync(this.path, { force: true });
  }
}

/**
 * The offsets a task's local state resumes from, for active and standby tasks alike; null when
 * the state must be rebuilt from the changelogs' start (the caller wipes the task directory):
 * no checkpoint, a damaged one, or one beyond a changelog's end (`ends`, in `changelogs`'
 * order), which means the changelog was recreated and the local state is foreign.
 */
export function usableCheckpoint(checkpoint: TaskCheckpoint, changelogs: readonly TopicPartition[], ends: readonly number[], warn: (problem: string) => void): Map<string, number> | null {
  let offsets: Map<string, number> | null;
  try {
    offsets = checkpoint.read();
  } catch (err) {
    if (!(err instanceof CheckpointFormatError)) throw err;
    warn(`its checkpoint is damaged (${err.message})`);
    return null;
  }
  if (offsets !== null && changelogs.some((tp, i) => (offsets.get(tpKey(tp.topic, tp.partition)) ?? 0) > ends[i]!)) {
    warn('its checkpoint is ahead of its changelog');
    return null;
  }
  return offsets;
}
