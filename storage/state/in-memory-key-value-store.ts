/**
 * The in-memory key-value bytes store: a SortedKeyMap (O(1) reads, O(log n) inserts, ordered
 * scans). Its contents live only as long as the process: with logging on, a restart rebuilds
 * them from the changelog.
 */
import { Lifecycle, latin1, type RangeDeletableBytesStore } from './bytes-store.js';
import type { Cursor, KeyRange } from './cursor.js';
import { SortedKeyMap } from './sorted-keys.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from './state-store.js';

export class InMemoryKeyValueBytesStore implements RangeDeletableBytesStore {
  readonly persistent = false;
  private readonly map = new SortedKeyMap<Buffer>();
  private readonly lifecycle: Lifecycle;

  constructor(readonly name: string) {
    this.lifecycle = new Lifecycle(name);
  }

  init(_context: StateStoreContext, _root: StateStore): void {
    this.lifecycle.beginInit();
    this.lifecycle.state = 'open';
  }

  isOpen(): boolean {
    return this.lifecycle.isOpen;
  }

  get(key: string): Buffer | null {
    this.lifecycle.check();
    return this.map.get(key) ?? null;
  }

  put(key: string, value: Buffer | null, _timestamp: number): void {
    this.lifecycle.check();
    if (value === null) this.map.delete(key);
    else this.map.set(key, value);
  }

  deleteRange(from: string | undefined, to: string | undefined): void {
    this.lifecycle.check();
    this.map.deleteRange(from, to);
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    this.lifecycle.check();
    return this.map.cursor(range);
  }

  approximateNumEntries(): number {
    this.lifecycle.check();
    return this.map.size;
  }

  restore(records: readonly ChangelogRecord[]): void {
    this.lifecycle.check();
    for (const r of records) this.put(latin1(r.key), r.value, r.timestamp);
  }

  flush(): void {}

  close(): void {
    if (this.lifecycle.state === 'closed') return;
    this.lifecycle.state = 'closed';
    this.map.clear();
  }
}
