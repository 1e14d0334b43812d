/**
 * The contract between the store layers below the metered one: caching, change-logging and the
 * inner stores all speak it, so a builder can stack any of them. Keys are latin1 strings of the
 * serialized key bytes (see cursor.ts); values are the serialized value bytes. Window and
 * session stores speak it too, over their composite keys (window-key-schema.ts,
 * session-key-schema.ts), so one caching and one change-logging class serve every store kind.
 */
import type { Cursor, KeyRange } from './cursor.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from './state-store.js';
import { StateStoreError } from './state-errors.js';

export interface KeyValueBytesStore extends StateStore {
  get(key: string): Buffer | null;
  /** A null value deletes. `timestamp` is the record's, for the changelog and cache listeners. */
  put(key: string, value: Buffer | null, timestamp: number): void;
  cursor(range: KeyRange): Cursor<Buffer>;
  approximateNumEntries(): number;
  /** Applies changelog records below the change-logging layer (restore), durably. */
  restore(records: readonly ChangelogRecord[]): void | Promise<void>;
}

/** Inner stores that can drop a key range at once (a window segment). */
export interface RangeDeletableBytesStore extends KeyValueBytesStore {
  /** Deletes keys in [from, to). */
  deleteRange(from: string | undefined, to: string | undefined): void;
}

/** The bytes-level flush listener of the caching layer (the metered layer adds the serdes). */
export type BytesFlushListener = (key: string, newValue: Buffer | null, oldValue: Buffer | null, timestamp: number) => void;

export interface CachingLayer {
  setFlushListener(listener: BytesFlushListener, sendOldValues: boolean): boolean;
}

export function isCachingLayer(store: unknown): store is CachingLayer {
  return typeof (store as Partial<CachingLayer>).setFlushListener === 'function';
}

export type LifecycleState = 'created' | 'open' | 'closed';

/** Open/closed bookkeeping every store shares, with the errors for misuse. */
export class Lifecycle {
  state: LifecycleState = 'created';

  constructor(private readonly storeName: string) {}

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Throws unless the store is open. Cheap: called on every read and write. */
  check(): void {
    if (this.state !== 'open') throw this.misuse();
  }

  beginInit(): void {
    if (this.state === 'open') {
      throw new StateStoreError('STATE_STORE_INVALID_OPERATION', `State store '${this.storeName}' is already open: build a new instance per task with StoreBuilder.build().`);
    }
    if (this.state === 'closed') {
      throw new StateStoreError('STATE_STORE_CLOSED', `State store '${this.storeName}' was closed and cannot be reopened: build a new instance with StoreBuilder.build().`);
    }
  }

  misuse(): StateStoreError {
    if (this.state === 'closed') {
      return new StateStoreError('STATE_STORE_CLOSED', `State store '${this.storeName}' is closed (its task was closed or migrated): get the store again from the running task or query.`);
    }
    return new StateStoreError(
      'STATE_STORE_NOT_INITIALIZED',
      `State store '${this.storeName}' is not initialized yet: await store.init(context, store) first (processors get their stores in init(), after the task opened them).`,
    );
  }
}

/** The timestamp to log a change with: the record's when the context knows it, else stream time. */
export function changeTimestamp(context: StateStoreContext | null): number {
  if (context === null) return Date.now();
  const record = context.recordTimestamp?.() ?? -1;
  if (record >= 0) return record;
  // Outside processing (a punctuation) stream time; before the first record, the clock.
  const stream = context.streamTime();
  return stream >= 0 ? stream : Date.now();
}

export function latin1(bytes: Buffer): string {
  return bytes.toString('latin1');
}

export function toBytes(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}
