/**
 * Cursors: the ordered scans every bytes-level store layer offers the one above it.
 *
 * Keys inside the stores are latin1 strings of the serialized key bytes: one char per byte, so
 * JavaScript's string order (`<`) is exactly unsigned lexicographic byte order, comparisons run
 * without a native call, and a `Map` gives O(1) point lookups. Buffers appear only at the edges
 * (serdes, RocksDB/LevelDB, the changelog).
 *
 * A cursor is positioned by the last key it handed out, not by an index: `peek()` returns the
 * first key after that one which is in range *now*. Scans therefore stay correct when the store
 * changes between two steps (a processor deleting what it iterates over, a cache evicting, a
 * flush moving pending writes to disk), which is how Kafka Streams' iterators behave too.
 */
import { StateStoreError } from './state-errors.js';

export interface KeyRange {
  /** Inclusive lower bound (latin1 key); undefined: from the first key. */
  from?: string | undefined;
  /** Upper bound; undefined: to the last key. */
  to?: string | undefined;
  /** Whether `to` itself is excluded (prefix scans use the prefix's successor). */
  toExclusive?: boolean | undefined;
  /** Descending order. */
  reverse?: boolean | undefined;
  /** Segmented stores only: the scan needs times in [timeFrom, timeTo] (lets them skip segments). */
  timeFrom?: number | undefined;
  timeTo?: number | undefined;
}

export interface Cursor<V> {
  /** The next key in range after the last one skipped, or undefined at the end. */
  peek(): string | undefined;
  /** The value of the key peek() returned last. */
  value(): V;
  /** Moves past `key` (the one peek() returned). */
  skip(key: string): void;
  close(): void;
}

export function inRange(key: string, range: KeyRange): boolean {
  if (range.from !== undefined && key < range.from) return false;
  if (range.to !== undefined && (range.toExclusive ? key >= range.to : key > range.to)) return false;
  return true;
}

/** The smallest key greater than every key starting with `prefix` (undefined: none, all 0xFF). */
export function prefixEnd(prefix: string): string | undefined {
  let i = prefix.length - 1;
  while (i >= 0 && prefix.charCodeAt(i) === 0xff) i--;
  if (i < 0) return undefined;
  return prefix.slice(0, i) + String.fromCharCode(prefix.charCodeAt(i) + 1);
}

export function prefixRange(prefix: string, reverse = false): KeyRange {
  const end = prefixEnd(prefix);
  return { from: prefix, to: end, toExclusive: end !== undefined, reverse };
}

/** A cursor over nothing. */
export const EMPTY_CURSOR: Cursor<never> = {
  peek: () => undefined,
  value: () => {
    throw new Error('empty cursor has no value');
  },
  skip: () => {},
  close: () => {},
};

/**
 * Lays `overlay` (newer writes: a cache or a pending-write buffer, where a null value is a
 * delete) over `under` (the store below). Equal keys resolve to the overlay's value.
 */
export class OverlayCursor<T> implements Cursor<Buffer> {
  private headFromOverlay = false;
  private headValue: Buffer | null = null;

  constructor(
    private readonly overlay: Cursor<T>,
    private readonly resolve: (entry: T) => Buffer | null,
    private readonly under: Cursor<Buffer>,
    private readonly reverse: boolean,
  ) {}

  peek(): string | undefined {
    for (;;) {
      const o = this.overlay.peek();
      const u = this.under.peek();
      if (o === undefined && u === undefined) return undefined;
      if (o === undefined || (u !== undefined && (this.reverse ? u > o : u < o))) {
        this.headFromOverlay = false;
        return u;
      }
      const value = this.resolve(this.overlay.value());
      if (value === null) {
        // A delete in the overlay hides the key below it.
        this.overlay.skip(o);
        if (u === o) this.under.skip(u);
        continue;
      }
      this.headFromOverlay = true;
      this.headValue = value;
      return o;
    }
  }

  value(): Buffer {
    return this.headFromOverlay ? this.headValue! : this.under.value();
  }

  skip(key: string): void {
    this.overlay.skip(key);
    this.under.skip(key);
  }

  close(): void {
    this.overlay.close();
    this.under.close();
  }
}

/** Merges cursors over disjoint key sets (segments of a window store) into one ordered scan. */
export class MergeCursor<V> implements Cursor<V> {
  private head: Cursor<V> | null = null;

  constructor(
    private readonly cursors: readonly Cursor<V>[],
    private readonly reverse: boolean,
  ) {}

  peek(): string | undefined {
    let best: string | undefined;
    this.head = null;
    for (const c of this.cursors) {
      const k = c.peek();
      if (k === undefined) continue;
      if (best === undefined || (this.reverse ? k > best : k < best)) {
        best = k;
        this.head = c;
      }
    }
    return best;
  }

  value(): V {
    return this.head!.value();
  }

  skip(key: string): void {
    for (const c of this.cursors) c.skip(key);
  }

  close(): void {
    for (const c of this.cursors) c.close();
  }
}

/** A cursor whose keys are the inner cursor's without a fixed-length prefix (segment ids). */
export class StripPrefixCursor<V> implements Cursor<V> {
  constructor(
    private readonly inner: Cursor<V>,
    private readonly prefix: string,
  ) {}

  peek(): string | undefined {
    const k = this.inner.peek();
    return k === undefined ? undefined : k.slice(this.prefix.length);
  }

  value(): V {
    return this.inner.value();
  }

  skip(key: string): void {
    this.inner.skip(this.prefix + key);
  }

  close(): void {
    this.inner.close();
  }
}

/** Keeps only the entries `keep` accepts (window/session scans filtering composite keys). */
export class FilterCursor<V> implements Cursor<V> {
  constructor(
    private readonly inner: Cursor<V>,
    private readonly keep: (key: string) => boolean,
  ) {}

  peek(): string | undefined {
    for (;;) {
      const k = this.inner.peek();
      if (k === undefined || this.keep(k)) return k;
      this.inner.skip(k);
    }
  }

  value(): V {
    return this.inner.value();
  }

  skip(key: string): void {
    this.inner.skip(key);
  }

  close(): void {
    this.inner.close();
  }
}

export interface IteratorHooks<T> {
  /** Runs before every step (the store's open check). */
  check?: () => void;
  /** Runs once when the iterator releases its cursor. */
  onClose?: (it: CursorIterator<T>) => void;
}

/**
 * Turns a cursor into the iterator processors use: decodes each entry, closes the cursor when
 * exhausted, on close() and when a for…of loop breaks (return()).
 */
export class CursorIterator<T> implements IterableIterator<T> {
  private closed = false;
  private done = false;
  private released = false;

  constructor(
    private readonly cursor: Cursor<Buffer>,
    private readonly decode: (key: string, value: Buffer) => T,
    private readonly hooks: IteratorHooks<T> = {},
  ) {}

  next(): IteratorResult<T> {
    // The store's state first: an iterator closed along with its store reports the store.
    this.hooks.check?.();
    if (this.closed) throw new StateStoreError('STATE_STORE_ITERATOR_CLOSED', 'This store iterator was closed; open a new one (range(), all(), fetch…) to read again.');
    if (this.done) return { done: true, value: undefined };
    const key = this.cursor.peek();
    if (key === undefined) {
      this.done = true;
      this.release();
      return { done: true, value: undefined };
    }
    const value = this.cursor.value();
    this.cursor.skip(key);
    return { done: false, value: this.decode(key, value) };
  }

  return(): IteratorResult<T> {
    this.close();
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.cursor.close();
    this.hooks.onClose?.(this);
  }
}
