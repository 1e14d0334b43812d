/**
 * A segment's `.index`: a sparse map from offset to file position, one entry about every
 * `index.interval.bytes` of log, 8 bytes an entry:
 *
 *   relativeOffset int32 (offset - segment base offset) | position int32 (byte in the .log)
 *
 * Entries grow strictly in both fields. The index lives in memory; the active segment's is
 * rebuilt from the log at open, a sealed segment's is written once when the segment rolls.
 */
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { writeFileAtomic } from './files.js';

const ENTRY = 8;

export class OffsetIndex {
  private rel: Int32Array;
  private positions: Int32Array;
  private count = 0;

  constructor(
    readonly path: string,
    readonly baseOffset: number,
    readonly maxEntries: number,
  ) {
    const initial = Math.min(maxEntries, 1024);
    this.rel = new Int32Array(initial);
    this.positions = new Int32Array(initial);
  }

  get entries(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get lastOffset(): number {
    return this.count === 0 ? this.baseOffset : this.baseOffset + this.rel[this.count - 1]!;
  }

  get lastPosition(): number {
    return this.count === 0 ? 0 : this.positions[this.count - 1]!;
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (this.count > 0 && (rel <= this.rel[this.count - 1]! || position <= this.positions[this.count - 1]!)) return;
    if (this.count === this.rel.length) {
      const size = Math.min(this.maxEntries, this.rel.length * 2);
      const rels = new Int32Array(size);
      rels.set(this.rel);
      const positions = new Int32Array(size);
      positions.set(this.positions);
      this.rel = rels;
      this.positions = positions;
    }
    this.rel[this.count] = rel;
    this.positions[this.count] = position;
    this.count++;
  }

  /** The last entry at or before `offset`: where a scan for it starts. */
  lookup(offset: number): { offset: number; position: number } {
    return this.entry(floorIndex(this.rel, this.count, offset - this.baseOffset));
  }

  /** The last entry at or before file position `position`. */
  lookupPosition(position: number): { offset: number; position: number } {
    return this.entry(floorIndex(this.positions, this.count, position));
  }

  private entry(i: number): { offset: number; position: number } {
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.rel[i]!, position: this.positions[i]! };
  }

  clear(): void {
    this.count = 0;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.count * ENTRY);
    for (let i = 0; i < this.count; i++) {
      buf.writeInt32BE(this.rel[i]!, i * ENTRY);
      buf.writeInt32BE(this.positions[i]!, i * ENTRY + 4);
    }
    return buf;
  }

  write(): void {
    writeFileAtomic(this.path, this.toBuffer());
  }

  /**
   * Loads the index file if it is sane for a segment of `segmentSize` bytes whose offsets end
   * before `nextOffset`; returns false (leaving the index empty) if it is missing or corrupt, so
   * the caller rebuilds it from the log.
   */
  load(segmentSize: number, nextOffset: number): boolean {
    this.count = 0;
    if (!existsSync(this.path)) return false;
    const buf = readFileSync(this.path);
    if (buf.length % ENTRY !== 0 || buf.length / ENTRY > this.maxEntries) return false;
    const n = buf.length / ENTRY;
    this.rel = new Int32Array(Math.max(n, 16));
    this.positions = new Int32Array(Math.max(n, 16));
    let lastRel = -1;
    let lastPos = -1;
    for (let i = 0; i < n; i++) {
      const rel = buf.readInt32BE(i * ENTRY);
      const pos = buf.readInt32BE(i * ENTRY + 4);
      if (rel <= lastRel || pos <= lastPos || pos >= segmentSize || this.baseOffset + rel >= nextOffset) {
        this.count = 0;
        return false;
      }
      this.rel[i] = rel;
      this.positions[i] = pos;
      lastRel = rel;
      lastPos = pos;
    }
    this.count = n;
    return true;
  }

  deleteFile(): void {
    rmSync(this.path, { force: true });
  }
}

/** The index of the last of the first `count` (ascending) entries that is <= `target`, or -1. */
export function floorIndex(sorted: ArrayLike<number>, count: number, target: number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= target) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
