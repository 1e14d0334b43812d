/**
 * The ordered key structure of the in-memory stores, the caches, the pending-write buffers and
 * the LevelDB key index: latin1 keys (see cursor.ts) in a list of sorted chunks, each at most
 * 2 × LOAD long, with the chunks' last keys in a second sorted array (the design of Python's
 * sortedcontainers). A lookup is two binary searches; an insert or delete moves at most a chunk
 * of pointers (a memmove of ≤ 8 KB), so 100k–10M keys stay O(log n) per write, and an ordered
 * scan walks the chunks positionally. `SortedKeyMap` adds a `Map` for O(1) point reads, which
 * is also why value updates of an existing key never touch the chunks.
 */
import type { Cursor, KeyRange } from './cursor.js';

const LOAD = 512;

/** A position in the chunk list: chunk index and index inside the chunk. */
interface Position {
  c: number;
  i: number;
}

export class SortedKeys {
  private chunks: string[][] = [];
  private maxes: string[] = [];
  private count = 0;
  /** Bumped by every insert and removal: cursors re-seek by key when it changed. */
  version = 0;

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    const c = this.chunkFor(key);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, key);
    return chunk[i] === key;
  }

  /** Adds a key; false when it was there already. */
  add(key: string): boolean {
    this.version++;
    const n = this.chunks.length;
    if (n === 0) {
      this.chunks.push([key]);
      this.maxes.push(key);
      this.count = 1;
      return true;
    }
    let c = this.chunkFor(key);
    if (c === n) {
      // Past the last key: append (the common case when keys arrive in order).
      c = n - 1;
      this.chunks[c]!.push(key);
      this.maxes[c] = key;
    } else {
      const chunk = this.chunks[c]!;
      const i = lowerBound(chunk, key);
      if (chunk[i] === key) return false;
      chunk.splice(i, 0, key);
    }
    this.count++;
    const chunk = this.chunks[c]!;
    if (chunk.length > 2 * LOAD) {
      const tail = chunk.splice(LOAD);
      this.chunks.splice(c + 1, 0, tail);
      this.maxes.splice(c, 1, chunk[chunk.length - 1]!, tail[tail.length - 1]!);
    }
    return true;
  }

  /** Removes a key; false when it was not there. */
  remove(key: string): boolean {
    const c = this.chunkFor(key);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return false;
    this.version++;
    chunk.splice(i, 1);
    this.count--;
    this.repair(c);
    return true;
  }

  /** Removes the keys in [from, to) and returns them (a window segment being dropped). */
  removeRange(from: string | undefined, to: string | undefined): string[] {
    const start = from === undefined ? this.first() : this.seekForward(from, true);
    if (start === null) return [];
    const removed: string[] = [];
    let { c } = start;
    let i = start.i;
    while (c < this.chunks.length) {
      const chunk = this.chunks[c]!;
      const end = to === undefined ? chunk.length : lowerBound(chunk, to);
      for (let j = i; j < end; j++) removed.push(chunk[j]!);
      if (end < chunk.length) {
        chunk.splice(i, end - i);
        break;
      }
      chunk.length = i;
      c++;
      i = 0;
    }
    if (removed.length === 0) return removed;
    this.version++;
    this.count -= removed.length;
    // Drop emptied chunks and refresh the maxes of the (at most two) partial ones.
    const chunks: string[][] = [];
    for (const chunk of this.chunks) if (chunk.length > 0) chunks.push(chunk);
    this.chunks = chunks;
    this.maxes = chunks.map((chunk) => chunk[chunk.length - 1]!);
    return removed;
  }

  clear(): void {
    this.version++;
    this.chunks = [];
    this.maxes = [];
    this.count = 0;
  }

  /** Index of the first chunk whose last key is ≥ key (chunks.length when none). */
  private chunkFor(key: string): number {
    return lowerBound(this.maxes, key);
  }

  /** After a removal from chunk c: drop it when empty, refresh its max, merge it when tiny. */
  private repair(c: number): void {
    const chunk = this.chunks[c]!;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.maxes.splice(c, 1);
      return;
    }
    this.maxes[c] = chunk[chunk.length - 1]!;
    if (chunk.length < LOAD / 4 && this.chunks.length > 1) {
      const left = c > 0 ? c - 1 : c;
      const merged = this.chunks[left]!.concat(this.chunks[left + 1]!);
      this.chunks.splice(left, 2, merged);
      this.maxes.splice(left, 2, merged[merged.length - 1]!);
      if (merged.length > 2 * LOAD) {
        const tail = merged.splice(LOAD);
        this.chunks.splice(left + 1, 0, tail);
        this.maxes.splice(left, 1, merged[merged.length - 1]!, tail[tail.length - 1]!);
      }
    }
  }

  // ---------------------------------------------------------------- positions

  keyAt(p: Position): string {
    return this.chunks[p.c]![p.i]!;
  }

  first(): Position | null {
    return this.count === 0 ? null : { c: 0, i: 0 };
  }

  last(): Position | null {
    if (this.count === 0) return null;
    const c = this.chunks.length - 1;
    return { c, i: this.chunks[c]!.length - 1 };
  }

  /** The first key ≥ key (inclusive) or > key, or null. */
  seekForward(key: string, inclusive: boolean): Position | null {
    const c = inclusive ? lowerBound(this.maxes, key) : upperBound(this.maxes, key);
    if (c === this.chunks.length) return null;
    const chunk = this.chunks[c]!;
    return { c, i: inclusive ? lowerBound(chunk, key) : upperBound(chunk, key) };
  }

  /** The last key ≤ key (inclusive) or < key, or null. */
  seekBackward(key: string, inclusive: boolean): Position | null {
    const after = this.seekForward(key, !inclusive);
    if (after === null) return this.last();
    return this.prev(after);
  }

  next(p: Position): Position | null {
    if (p.i + 1 < this.chunks[p.c]!.length) return { c: p.c, i: p.i + 1 };
    return p.c + 1 < this.chunks.length ? { c: p.c + 1, i: 0 } : null;
  }

  prev(p: Position): Position | null {
    if (p.i > 0) return { c: p.c, i: p.i - 1 };
    return p.c > 0 ? { c: p.c - 1, i: this.chunks[p.c - 1]!.length - 1 } : null;
  }

  /** Keys in order. */
  *keys(): IterableIterator<string> {
    for (const chunk of this.chunks) yield* chunk;
  }

  /** All keys in order, as one array (faster than the generator for whole-buffer flushes). */
  toArray(): string[] {
    const out = new Array<string>(this.count);
    let n = 0;
    for (const chunk of this.chunks) for (let i = 0; i < chunk.length; i++) out[n++] = chunk[i]!;
    return out;
  }
}

/**
 * Ordered map of latin1 keys: a Map for values, SortedKeys for order. The order is built at the
 * first operation that needs it (a scan, a range delete, an ordered listing) and kept from then
 * on, so a map nobody scans (a key-value store's pending writes, a count's in-memory store)
 * pays no ordered insert per new key.
 */
export class SortedKeyMap<V> {
  private index: SortedKeys | null = null;
  private readonly values = new Map<string, V>();

  get size(): number {
    return this.values.size;
  }

  /** The keys in order (built now if no scan needed them yet). */
  get keys(): SortedKeys {
    if (this.index === null) {
      const index = new SortedKeys();
      const sorted = [...this.values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const k of sorted) index.add(k);
      this.index = index;
    }
    return this.index;
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  set(key: string, value: V): void {
    if (this.index !== null && !this.values.has(key)) this.index.add(key);
    this.values.set(key, value);
  }

  delete(key: string): boolean {
    if (!this.values.delete(key)) return false;
    this.index?.remove(key);
    return true;
  }

  deleteRange(from: string | undefined, to: string | undefined): number {
    const removed = this.keys.removeRange(from, to);
    for (const k of removed) this.values.delete(k);
    return removed.length;
  }

  clear(): void {
    this.index?.clear();
    this.values.clear();
  }

  /** Entries in key order. */
  *entries(): IterableIterator<[string, V]> {
    for (const k of this.keys.keys()) yield [k, this.values.get(k)!];
  }

  /** Visits the entries in no particular order (insertion order): for whole-map writes that need none. */
  forEachUnordered(visit: (value: V, key: string) => void): void {
    this.values.forEach(visit);
  }

  /** Keys in order, as an array. */
  keyArray(): string[] {
    return this.keys.toArray();
  }

  cursor(range: KeyRange): Cursor<V> {
    return new KeysCursor(this.keys, range, (k) => this.values.get(k)!);
  }
}

/**
 * A cursor over SortedKeys. It walks positions while the key set is unchanged and re-seeks from
 * the last key it handed out when the version moved (see cursor.ts).
 */
export class KeysCursor<V> implements Cursor<V> {
  private last: string | undefined;
  private pos: Position | null = null;
  private version = -1;
  private head: string | undefined;
  private closed = false;

  constructor(
    private readonly keys: SortedKeys,
    private readonly range: KeyRange,
    private readonly valueOf: (key: string) => V,
  ) {}

  peek(): string | undefined {
    if (this.closed) return undefined;
    if (this.version !== this.keys.version) this.reposition();
    if (this.pos === null) return (this.head = undefined);
    const key = this.keys.keyAt(this.pos);
    const r = this.range;
    if (r.reverse) {
      if (r.from !== undefined && key < r.from) return (this.head = undefined);
    } else if (r.to !== undefined && (r.toExclusive ? key >= r.to : key > r.to)) {
      return (this.head = undefined);
    }
    return (this.head = key);
  }

  value(): V {
    return this.valueOf(this.head!);
  }

  skip(key: string): void {
    this.last = key;
    // A changed key set makes peek() re-seek from `last` anyway; at the end there is nothing to move.
    if (this.version !== this.keys.version || this.pos === null) return;
    const at = this.keys.keyAt(this.pos);
    if (at === key) {
      this.pos = this.range.reverse ? this.keys.prev(this.pos) : this.keys.next(this.pos);
    } else if (this.range.reverse ? at > key : at < key) {
      // Behind the key (a merge partner handed it out): find our place again.
      this.version = -1;
    }
    // Otherwise we are already past the key: nothing to do.
  }

  close(): void {
    this.closed = true;
  }

  private reposition(): void {
    this.version = this.keys.version;
    const r = this.range;
    if (!r.reverse) {
      if (this.last !== undefined) this.pos = this.keys.seekForward(this.last, false);
      else this.pos = r.from === undefined ? this.keys.first() : this.keys.seekForward(r.from, true);
    } else if (this.last !== undefined) {
      this.pos = this.keys.seekBackward(this.last, false);
    } else {
      this.pos = r.to === undefined ? this.keys.last() : this.keys.seekBackward(r.to, !r.toExclusive);
    }
  }
}

/** First index with a[i] ≥ key. */
function lowerBound(a: readonly string[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] > key. */
function upperBound(a: readonly string[], key: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
