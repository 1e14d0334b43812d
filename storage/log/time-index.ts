/**
 * A segment's `.timeindex`: the largest timestamp seen so far and the offset of the batch that
 * holds it, appended beside offset-index entries whenever it grew, 12 bytes an entry:
 *
 *   timestamp int64 | relativeOffset int32
 *
 * A lookup for timestamp T takes the last entry with timestamp <= T: every record before that
 * entry's batch is older than T, so a scan for the first record at or after T starts there.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { readInt64, writeInt64 } from './record-batch.js';
import { writeFileAtomic } from './files.js';
import { floorIndex } from './offset-index.js';

const ENTRY = 12;

export class TimeIndex {
  private timestamps: Float64Array;
  private rel: Int32Array;
  private count = 0;

  constructor(
    readonly path: string,
    readonly baseOffset: number,
    readonly maxEntries: number,
  ) {
    const initial = Math.min(maxEntries, 1024);
    this.timestamps = new Float64Array(initial);
    this.rel = new Int32Array(initial);
  }

  get entries(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get lastTimestamp(): number {
    return this.count === 0 ? -1 : this.timestamps[this.count - 1]!;
  }

  maybeAppend(timestamp: number, offset: number): void {
    if (this.count > 0 && timestamp <= this.timestamps[this.count - 1]!) return;
    const rel = offset - this.baseOffset;
    if (this.count > 0 && rel < this.rel[this.count - 1]!) return;
    if (this.count === this.rel.length) {
      const size = Math.min(this.maxEntries, this.rel.length * 2);
      const ts = new Float64Array(size);
      ts.set(this.timestamps);
      const rels = new Int32Array(size);
      rels.set(this.rel);
      this.timestamps = ts;
      this.rel = rels;
    }
    this.timestamps[this.count] = timestamp;
    this.rel[this.count] = rel;
    this.count++;
  }

  /** The offset to start scanning from for the first record with timestamp >= `timestamp`. */
  lookup(timestamp: number): number {
    const found = floorIndex(this.timestamps, this.count, timestamp);
    return found < 0 ? this.baseOffset : this.baseOffset + this.rel[found]!;
  }

  clear(): void {
    this.count = 0;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * ENTRY);
    for (let i = 0; i < this.count; i++) {
      writeInt64(buf, i * ENTRY, this.timestamps[i]!);
      buf.writeInt32BE(this.rel[i]!, i * ENTRY + 8);
    }
    return buf;
  }

  write(): void {
    writeFileAtomic(this.path, this.toBuffer());
  }

  /** Loads the file if sane for offsets below `nextOffset`; false means rebuild from the log. */
  load(nextOffset: number): boolean {
    this.count = 0;
    if (!existsSync(this.path)) return false;
    const buf = readFileSync(this.path);
    if (buf.length % ENTRY !== 0 || buf.length / ENTRY > this.maxEntries) return false;
    const n = buf.length / ENTRY;
    this.timestamps = new Float64Array(Math.max(n, 16));
    this.rel = new Int32Array(Math.max(n, 16));
    let lastTs = -Infinity;
    let lastRel = -1;
    for (let i = 0; i < n; i++) {
      const ts = readInt64(buf, i * ENTRY);
      const rel = buf.readInt32BE(i * ENTRY + 8);
      if (ts <= lastTs || rel < lastRel || this.baseOffset + rel >= nextOffset) {
        this.count = 0;
        return false;
      }
      this.timestamps[i] = ts;
      this.rel[i] = rel;
      lastTs = ts;
      lastRel = rel;
    }
    this.count = n;
    return true;
  }

  deleteFile(): void {
    rmSync(this.path, { force: true });
  }
}
