/**
 * Restores task stores from their changelogs with a consumer of its own in assign() mode (no
 * group: the changelog partitions a task needs are known), read_committed under exactly-once so
 * aborted writes never reach a store. Each step polls one bounded batch and hands each
 * partition's records to its store's restore callback, so restoring interleaves with processing
 * the tasks that are ready and with the main consumer's polls (which keep the group membership
 * alive). A changelog is restored when the consumer's position reaches the end offset taken
 * when the task was assigned: the task is the only writer of its changelog partition from then on.
 */
import type { Consumer, ConsumerRecord, TopicPartition } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import type { ChangelogRecord, RestoreCallback } from '../../storage/state/state-store.js';
import { tpKey } from '../../storage/types.js';

export interface RestoreTarget {
  store: string;
  topic: string;
  partition: number;
  restore: RestoreCallback;
  /** First offset to restore (the checkpoint, or the log start). */
  startOffset: number;
  /** Offset to restore up to (exclusive): the end when the task was assigned. */
  endOffset: number;
}

export interface RestoreProgress {
  taskId: string;
  store: string;
  topic: string;
  partition: number;
  startOffset: number;
  endOffset: number;
  /** Records handed to the store. */
  restored: number;
  done: boolean;
}

interface Entry extends RestoreProgress {
  restore: RestoreCallback;
  key: string;
}

export class ChangelogRestorer {
  private readonly byTask = new Map<string, Entry[]>();
  private readonly byPartition = new Map<string, Entry>();
  /** Progress of finished restorations, kept for metrics until the task closes. */
  private readonly finished = new Map<string, RestoreProgress[]>();
  totalRestored = 0;

  constructor(
    private readonly consumer: Consumer,
    private readonly logger: Logger,
  ) {}

  get active(): boolean {
    return this.byTask.size > 0;
  }

  isRestoring(taskId: string): boolean {
    return this.byTask.has(taskId);
  }

  /** Start offsets (log start) and end offsets of changelog partitions. */
  async offsets(partitions: TopicPartition[]): Promise<{ begin: number[]; end: number[] }> {
    if (partitions.length === 0) return { begin: [], end: [] };
    const [begin, end] = await Promise.all([this.consumer.beginningOffsets(partitions), this.consumer.endOffsets(partitions)]);
    return { begin, end };
  }

  /** Starts restoring a task's stores; returns false when there is nothing to read. */
  register(taskId: string, targets: readonly RestoreTarget[]): boolean {
    const entries: Entry[] = targets.map((t) => ({
      taskId,
      store: t.store,
      topic: t.topic,
      partition: t.partition,
      startOffset: t.startOffset,
      endOffset: t.endOffset,
      restored: 0,
      done: t.startOffset >= t.endOffset,
      restore: t.restore,
      key: tpKey(t.topic, t.partition),
    }));
    const pending = entries.filter((e) => !e.done);
    if (pending.length === 0) {
      this.finished.set(taskId, entries.map(progressOf));
      return false;
    }
    this.byTask.set(taskId, entries);
    for (const e of pending) this.byPartition.set(e.key, e);
    this.reassign();
    for (const e of pending) this.consumer.seek({ topic: e.topic, partition: e.partition }, e.startOffset);
    this.logger.info(`Restoring task ${taskId}`, { changelogs: pending.map((e) => `${e.topic}-${e.partition} [${e.startOffset}, ${e.endOffset})`) });
    return true;
  }

  private reassign(): void {
    this.consumer.assign([...this.byPartition.values()].map((e) => ({ topic: e.topic, partition: e.partition })));
  }

  /** Stops restoring a task (it closed or lost its partitions). */
  remove(taskId: string): void {
    this.finished.delete(taskId);
    const entries = this.byTask.get(taskId);
    if (!entries) return;
    this.byTask.delete(taskId);
    for (const e of entries) this.byPartition.delete(e.key);
    this.reassign();
  }

  /** Restores one batch; returns the tasks whose stores are now complete. */
  async step(timeoutMs: number): Promise<{ restored: number; completed: string[] }> {
    if (this.byPartition.size === 0) return { restored: 0, completed: [] };
    const records = await this.consumer.poll(timeoutMs);
    const groups = new Map<string, ConsumerRecord[]>();
    for (const r of records) {
      const k = tpKey(r.topic, r.partition);
      let list = groups.get(k);
      if (!list) groups.set(k, (list = []));
      list.push(r);
    }
    let restored = 0;
    for (const [k, list] of groups) {
      const entry = this.byPartition.get(k);
      if (!entry) continue;
      // Records past the end belong to this task's own writes after restoring: never here, but be exact.
      const batch: ChangelogRecord[] = [];
      for (const r of list) {
        if (r.offset >= entry.endOffset || r.key === null) continue;
        batch.push({ key: r.key, value: r.value, timestamp: r.timestamp, offset: r.offset });
      }
      if (batch.length > 0) await entry.restore(batch);
      entry.restored += batch.length;
      restored += batch.length;
    }
    this.totalRestored += restored;
    const completed: string[] = [];
    for (const [taskId, entries] of this.byTask) {
      for (const e of entries) {
        if (e.done) continue;
        const position = await this.consumer.position({ topic: e.topic, partition: e.partition });
        if (position >= e.endOffset) {
          e.done = true;
          this.byPartition.delete(e.key);
        }
      }
      if (entries.every((e) => e.done)) completed.push(taskId);
    }
    for (const taskId of completed) {
      const entries = this.byTask.get(taskId)!;
      this.byTask.delete(taskId);
      this.finished.set(taskId, entries.map(progressOf));
      this.logger.info(`Restored task ${taskId}`, { records: entries.reduce((n, e) => n + e.restored, 0) });
    }
    if (completed.length > 0) this.reassign();
    return { restored, completed };
  }

  /** Where a task's changelogs were restored up to (the end offsets once done). */
  restoredOffsets(taskId: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.finished.get(taskId) ?? []) out.set(tpKey(e.topic, e.partition), e.done ? e.endOffset : e.startOffset);
    return out;
  }

  progress(): RestoreProgress[] {
    const out: RestoreProgress[] = [];
    for (const list of this.finished.values()) out.push(...list);
    for (const list of this.byTask.values()) out.push(...list.map(progressOf));
    return out;
  }
}

function progressOf(e: RestoreProgress): RestoreProgress {
  return { taskId: e.taskId, store: e.store, topic: e.topic, partition: e.partition, startOffset: e.startOffset, endOffset: e.endOffset, restored: e.restored, done: e.done };
}
