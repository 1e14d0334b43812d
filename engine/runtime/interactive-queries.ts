/**
 * Interactive queries: read-only views over the local instances of a store (one per task this
 * instance runs), and which partition, hence which task and instance, holds a key. A key lives
 * in exactly one instance, so point lookups take the first hit and scans chain the instances
 * (ordered within each instance, not across them). The instance list is read at every call, so
 * a view stays valid across rebalances.
 */
import type { StateStore } from '../../storage/state/state-store.js';
import type { KeyValue, KeyValueIterator, ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore, WindowStoreIterator, Windowed } from '../../storage/state/stores.js';

/** Where a key's state lives. */
export interface KeyQueryMetadata {
  /** The partition of the key (murmur2 of its serialized bytes over the store's partitions). */
  partition: number;
  /** The task holding it: `<sub-topology>_<partition>`. */
  taskId: string;
  /** Whether this instance runs that task (and has restored it). */
  isLocal: boolean;
}

class ChainedIterator<K, V> implements KeyValueIterator<K, V> {
  private current: KeyValueIterator<K, V> | null = null;
  private index = 0;

  constructor(private readonly open: (() => KeyValueIterator<K, V>)[]) {}

  next(): IteratorResult<KeyValue<K, V>> {
    for (;;) {
      if (this.current === null) {
        if (this.index >= this.open.length) return { done: true, value: undefined };
        this.current = this.open[this.index++]!();
      }
      const r = this.current.next();
      if (!r.done) return r;
      this.current.close();
      this.current = null;
    }
  }

  close(): void {
    this.current?.close();
    this.current = null;
    this.index = this.open.length;
  }

  [Symbol.iterator](): this {
    return this;
  }
}

function firstHit<S, R>(stores: readonly S[], get: (s: S) => R | null): R | null {
  for (const s of stores) {
    const v = get(s);
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

export class CompositeKeyValueView<K, V> implements ReadOnlyKeyValueStore<K, V> {
  constructor(private readonly instances: () => ReadOnlyKeyValueStore<K, V>[]) {}

  get(key: K): V | null {
    return firstHit(this.instances(), (s) => s.get(key));
  }

  range(from: K | null, to: K | null): KeyValueIterator<K, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.range(from, to)));
  }

  reverseRange(from: K | null, to: K | null): KeyValueIterator<K, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.reverseRange(from, to)));
  }

  all(): KeyValueIterator<K, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.all()));
  }

  reverseAll(): KeyValueIterator<K, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.reverseAll()));
  }

  prefixScan<P>(prefix: P, prefixSerializer: (prefix: P) => Buffer): KeyValueIterator<K, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.prefixScan(prefix, prefixSerializer)));
  }

  approximateNumEntries(): number {
    return this.instances().reduce((n, s) => n + s.approximateNumEntries(), 0);
  }
}

export class CompositeWindowView<K, V> implements ReadOnlyWindowStore<K, V> {
  constructor(private readonly instances: () => ReadOnlyWindowStore<K, V>[]) {}

  fetch(key: K, windowStart: number): V | null {
    return firstHit(this.instances(), (s) => s.fetch(key, windowStart));
  }

  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V> {
    return new ChainedIterator(this.instances().map((s) => () => s.fetchRange(key, timeFrom, timeTo)));
  }

  backwardFetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V> {
    return new ChainedIterator(this.instances().map((s) => () => s.backwardFetchRange(key, timeFrom, timeTo)));
  }

  fetchKeyRange(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.fetchKeyRange(keyFrom, keyTo, timeFrom, timeTo)));
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.fetchAll(timeFrom, timeTo)));
  }

  all(): KeyValueIterator<Windowed<K>, V> {
    return new ChainedIterator(this.instances().map((s) => () => s.all()));
  }
}

export class CompositeSessionView<K, AGG> implements ReadOnlySessionStore<K, AGG> {
  constructor(private readonly instances: () => ReadOnlySessionStore<K, AGG>[]) {}

  fetch(key: K): KeyValueIterator<Windowed<K>, AGG> {
    return new ChainedIterator(this.instances().map((s) => () => s.fetch(key)));
  }

  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValueIterator<Windowed<K>, AGG> {
    return new ChainedIterator(this.instances().map((s) => () => s.findSessions(key, earliestSessionEnd, latestSessionStart)));
  }

  backwardFindSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValueIterator<Windowed<K>, AGG> {
    return new ChainedIterator(this.instances().map((s) => () => s.backwardFindSessions(key, earliestSessionEnd, latestSessionStart)));
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): AGG | null {
    return firstHit(this.instances(), (s) => s.fetchSession(key, sessionStart, sessionEnd));
  }

  fetchKeyRange(keyFrom: K | null, keyTo: K | null): KeyValueIterator<Windowed<K>, AGG> {
    return new ChainedIterator(this.instances().map((s) => () => s.fetchKeyRange(keyFrom, keyTo)));
  }
}

/** The view for a store kind (as its builder declares it). */
export function compositeView(kind: string, instances: () => StateStore[]): unknown {
  switch (kind) {
    case 'window':
    case 'timestampedWindow':
      return new CompositeWindowView(instances as unknown as () => ReadOnlyWindowStore<unknown, unknown>[]);
    case 'session':
      return new CompositeSessionView(instances as unknown as () => ReadOnlySessionStore<unknown, unknown>[]);
    default:
      return new CompositeKeyValueView(instances as unknown as () => ReadOnlyKeyValueStore<unknown, unknown>[]);
  }
}
