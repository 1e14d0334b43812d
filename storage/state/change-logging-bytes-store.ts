/**
 * The change-logging layer: every write below the cache also goes to the store's changelog
 * topic through `context.logChange` (in the task's transaction under exactly-once). Keys are
 * logged as the store holds them: plain keys for key-value stores, Kafka's composite window and
 * session keys for the others, so restore rebuilds any store kind by replaying records into the
 * inner store, which this layer registers for at init (below itself: restore must not log).
 */
import { toBytes, type KeyValueBytesStore } from './bytes-store.js';
import type { Cursor, KeyRange } from './cursor.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from './state-store.js';

export class ChangeLoggingBytesStore implements KeyValueBytesStore {
  private context: StateStoreContext | null = null;
  /** Changes sent to the changelog by this instance. */
  logged = 0;
  /** Changelog records applied by restore. */
  restored = 0;

  constructor(private readonly inner: KeyValueBytesStore) {}

  get name(): string {
    return this.inner.name;
  }

  get persistent(): boolean {
    return this.inner.persistent;
  }

  async init(context: StateStoreContext, root: StateStore): Promise<void> {
    await this.inner.init(context, root);
    this.context = context;
    if (context.changelogTopic(this.inner.name) !== null) {
      context.register(root, (records) => this.restore(records));
    }
  }

  isOpen(): boolean {
    return this.inner.isOpen();
  }

  get(key: string): Buffer | null {
    return this.inner.get(key);
  }

  put(key: string, value: Buffer | null, timestamp: number): void {
    this.inner.put(key, value, timestamp);
    this.context!.logChange(this.inner.name, toBytes(key), value, timestamp);
    this.logged++;
  }

  cursor(range: KeyRange): Cursor<Buffer> {
    return this.inner.cursor(range);
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
  }

  restore(records: readonly ChangelogRecord[]): void | Promise<void> {
    this.restored += records.length;
    return this.inner.restore(records);
  }

  flush(): void | Promise<void> {
    return this.inner.flush();
  }

  close(): void | Promise<void> {
    return this.inner.close();
  }
}
