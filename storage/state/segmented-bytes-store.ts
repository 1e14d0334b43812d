/**
 * The inner store of window and session stores: composite keys (window-key-schema.ts,
 * session-key-schema.ts) grouped into time segments, so retention drops whole segments at
 * once (Kafka's segmented stores). Segments live in one underlying key-value store, in-memory
 * or persistent (one RocksDB per store rather than one per segment: opening a database is
 * asynchronous, while a put that starts a segment is not), each key prefixed by its segment:
 *
 *   segment id int64 BE (8) | composite key
 *
 * segment id = floor(time / segmentInterval), time = window start or session end. A segment is
 * dropped (one range delete) when all of it is older than stream time - retention; puts older
 * than that are dropped, and reads skip them even while their segment is still there, so what
 * a query returns does not depend on segment boundaries. Stream time is the larger of the
 * largest time put into the store (as Kafka, and what restore advances) and the task's.
 *
 * Scans run one cursor per overlapping segment and merge them, so every scan is in composite
 * key order, in memory and on disk alike.
 */
import { latin1, type KeyValueBytesStore, type RangeDeletableBytesStore } from './bytes-store.js';
import { EMPTY_CURSOR, FilterCursor, MergeCursor, StripPrefixCursor, type Cursor, type KeyRange } from './cursor.js';
import { decodeTime, encodeTime, MAX_TIME } from './key-encoding.js';
import { SESSION_SUFFIX, sessionEndOf } from './session-key-schema.js';
import { StateStoreError } from './state-errors.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from './state-store.js';
import { WINDOW_SUFFIX, windowStartOf } from './window-key-schema.js';

/**
 * What a window store measures retention from: the task's stream time and the newest window it
 * was given, whichever is later ('task', the default: retention and queries then mean the same
 * with or without a cache), or only the newest record the store was given ('store', as Kafka's
 * segmented stores: a stream-stream join side keeps its records while they are recent for that
 * side, even when the other side runs ahead).
 */
export type RetentionClock = 'task' | 'store';

export interface SegmentedSchema {
  readonly kind: 'window' | 'session';
  /** Shortest valid composite key (the fixed suffix). */
  readonly minLength: number;
  /** The time that decides the segment and expiry. */
  timeOf(composite: string): number;
}

export const WINDOW_SCHEMA: SegmentedSchema = { kind: 'window', minLength: WINDOW_SUFFIX, timeOf: windowStartOf };
export const SESSION_SCHEMA: SegmentedSchema = { kind: 'session', minLength: SESSION_SUFFIX, timeOf: sessionEndOf };

/** Kafka's default: two segments per retention period, none shorter than a minute. */
export function defaultSegmentInterval(retentionMs: number): number {
  return Math.max(Math.floor(retentionMs / 2), 60_000);
}

export class SegmentedBytesStore implements KeyValueBytesStore {
  private context: StateStoreContext | null = null;
  /** Ids of the segments that may hold data, ascending. */
  private segments: number[] = [];
  private observed = -1;
  /** Puts dropped because their time was already past retention. */
  expiredRecordsDropped = 0;
  segmentsDropped = 0;

  constructor(
    readonly name: string,
    private readonly underlying: RangeDeletableBytesStore,
    private readonly schema: SegmentedSchema,
    readonly retentionMs: number,
    readonly segmentIntervalMs: number,
    private readonly clock: RetentionClock = 'task',
  ) {}

  get persistent(): boolean {
    return this.underlying.persistent;
  }

  async init(context: StateStoreContext, root: StateStore): Promise<void> {
    await this.underlying.init(context, root);
    this.context = context;
    this.discoverSegments();
  }

  isOpen(): boolean {
    return this.underlying.isOpen();
  }

  /** The store's stream time: what retention is measured from. */
  streamTime(): number {
    const task = this.context === null || this.clock === 'store' ? -1 : this.context.streamTime();
    return task > this.observed ? task : this.observed;
  }

  get(key: string): Buffer | null {
    if (key.length < this.schema.minLength) return null;
    const t = this.schema.timeOf(key);
    if (this.expired(t, this.streamTime())) return null;
    return this.underlying.get(encodeTime(this.segmentId(t)) + key);
  }

  put(key: string, value: Buffer | null, timestamp: number): void {
    if (key.length < this.schema.minLength) {
      throw new StateStoreError('STATE_STORE_INVALID_OPERATION', `State store '${this.name}': a ${this.schema.kind} key needs at least ${this.schema.minLength} bytes, got ${key.length} (a damaged changelog record?).`);
    }
    const t = this.schema.timeOf(key);
    if (t > this.observed) this.observed = t;
    const now = this.streamTime();
    if (this.expired(t, now)) {
      this.expiredRecordsDropped++;
      return;
    }
    const segment = this.segmentId(t);
    this.addSegment(segment);
    this.underlying.put(encodeTime(segment) + key, value, timestamp);
    this.dropExpiredSegments(now);
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    const now = this.streamTime();
    const from = Math.max(range.timeFrom ?? 0, now - this.retentionMs + 1, 0);
    const to = Math.min(range.timeTo ?? MAX_TIME, MAX_TIME);
    if (from > to) return EMPTY_CURSOR;
    const first = this.segmentId(from);
    const last = this.segmentId(to);
    const cursors: Cursor<Buffer>[] = [];
    for (const s of this.segments) {
      if (s < first || s > last) continue;
      const prefix = encodeTime(s);
      const sub: KeyRange = {
        from: prefix + (range.from ?? ''),
        to: range.to === undefined ? encodeTime(s + 1) : prefix + range.to,
        toExclusive: range.to === undefined ? true : range.toExclusive,
        reverse: range.reverse,
      };
      cursors.push(new StripPrefixCursor(this.underlying.cursor(sub), prefix));
    }
    if (cursors.length === 0) return EMPTY_CURSOR;
    const merged = cursors.length === 1 ? cursors[0]! : new MergeCursor(cursors, range.reverse === true);
    return new FilterCursor(merged, (k) => !this.expired(this.schema.timeOf(k), this.streamTime()));
  }

  approximateNumEntries(): number {
    return this.underlying.approximateNumEntries();
  }

  async restore(records: readonly ChangelogRecord[]): Promise<void> {
    for (const r of records) this.put(latin1(r.key), r.value, r.timestamp);
    await this.underlying.flush();
  }

  flush(): void | Promise<void> {
    return this.underlying.flush();
  }

  close(): void | Promise<void> {
    return this.underlying.close();
  }

  private expired(t: number, now: number): boolean {
    return t <= now - this.retentionMs;
  }

  private segmentId(t: number): number {
    return Math.floor(t / this.segmentIntervalMs);
  }

  private addSegment(s: number): void {
    const segs = this.segments;
    const n = segs.length;
    if (n > 0 && segs[n - 1] === s) return;
    if (n === 0 || segs[n - 1]! < s) {
      segs.push(s);
      return;
    }
    let i = 0;
    while (segs[i]! < s) i++;
    if (segs[i] !== s) segs.splice(i, 0, s);
  }

  private dropExpiredSegments(now: number): void {
    const minLive = this.segmentId(Math.max(0, now - this.retentionMs + 1));
    while (this.segments.length > 0 && this.segments[0]! < minLive) {
      const s = this.segments.shift()!;
      this.underlying.deleteRange(encodeTime(s), encodeTime(s + 1));
      this.segmentsDropped++;
    }
  }

  /** Finds the segments already in a reopened persistent store (one seek per segment). */
  private discoverSegments(): void {
    let from: string | undefined;
    for (;;) {
      const c = this.underlying.cursor({ from });
      const k = c.peek();
      c.close();
      if (k === undefined) break;
      const s = decodeTime(k, 0);
      this.segments.push(s);
      from = encodeTime(s + 1);
    }
    // A lower bound of the time of its data: never expires anything the old run kept.
    if (this.segments.length > 0) this.observed = Math.max(this.observed, this.segments[this.segments.length - 1]! * this.segmentIntervalMs);
  }
}
