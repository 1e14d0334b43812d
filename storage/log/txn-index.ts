/**
 * The aborted-transaction index: read_committed fetches return, with the data, the aborted
 * transactions that overlap it, and the consumer drops their records. One `.txnindex` per
 * segment (the segment holding the abort marker), 34 bytes an entry:
 *
 *   version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
 *
 * lastOffset is the abort marker's offset; lastStableOffset is the LSO just after the abort,
 * which lets a search stop early: once an entry's LSO passes the fetch's upper bound, no later
 * abort can cover a record below that bound.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AbortedTxn } from './producer-state.js';
import { offsetFileName, writeFileAtomic } from './files.js';
import { readInt64, writeInt64 } from './record-batch.js';

const ENTRY = 34;

function encodeEntry(e: AbortedTxn): Buffer {
  const buf = Buffer.alloc(ENTRY);
  buf.writeInt16BE(0, 0);
  writeInt64(buf, 2, e.producerId);
  writeInt64(buf, 10, e.firstOffset);
  writeInt64(buf, 18, e.lastOffset);
  writeInt64(buf, 26, e.lastStableOffset);
  return buf;
}

export class AbortedTxnIndex {
  /** Sorted by lastOffset (markers are appended in offset order). */
  private entries: AbortedTxn[] = [];

  constructor(private readonly dir: string) {}

  private path(segmentBase: number): string {
    return join(this.dir, offsetFileName(segmentBase, '.txnindex'));
  }

  /** Adds an abort and appends it to its segment's file. */
  add(entry: AbortedTxn, segmentBase: number, persist = true): void {
    this.entries.push(entry);
    if (persist) {
      const fd = openSync(this.path(segmentBase), 'a');
      try {
        writeSync(fd, encodeEntry(entry));
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Loads a segment's entries; entries outside [base, nextOffset) mean corruption and are dropped. */
  loadSegment(segmentBase: number, nextOffset: number): void {
    const path = this.path(segmentBase);
    if (!existsSync(path)) return;
    const buf = readFileSync(path);
    for (let p = 0; p + ENTRY <= buf.length; p += ENTRY) {
      const e: AbortedTxn = {
        producerId: readInt64(buf, p + 2),
        firstOffset: readInt64(buf, p + 10),
        lastOffset: readInt64(buf, p + 18),
        lastStableOffset: readInt64(buf, p + 26),
      };
      if (e.lastOffset >= segmentBase && e.lastOffset < nextOffset) this.entries.push(e);
    }
    this.entries.sort((a, b) => a.lastOffset - b.lastOffset);
  }

  /** Rewrites a segment's file from memory (after recovery rebuilt its entries). */
  writeSegment(segmentBase: number, nextOffset: number): void {
    const mine = this.entries.filter((e) => e.lastOffset >= segmentBase && e.lastOffset < nextOffset);
    writeFileAtomic(this.path(segmentBase), Buffer.concat(mine.map(encodeEntry)));
  }

  /** Forgets entries whose marker is at or after `offset` (recovery replays them). */
  dropFrom(offset: number): void {
    this.entries = this.entries.filter((e) => e.lastOffset < offset);
  }

  /** Forgets entries wholly before the log start. */
  dropBefore(offset: number): void {
    let i = 0;
    while (i < this.entries.length && this.entries[i]!.lastOffset < offset) i++;
    if (i > 0) this.entries = this.entries.slice(i);
  }

  /** Aborted transactions overlapping [start, upperBound). */
  collect(start: number, upperBound: number): { producerId: number; firstOffset: number }[] {
    const out: { producerId: number; firstOffset: number }[] = [];
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.lastOffset < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.firstOffset < upperBound) out.push({ producerId: e.producerId, firstOffset: e.firstOffset });
      if (e.lastStableOffset >= upperBound) break;
    }
    return out;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }
}
