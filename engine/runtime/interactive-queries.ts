/**
 * Interactive queries: read-only views over the local instances of a store (one per task this
 * instance runs), and which partition, hence which task and instance, holds a key. Stores built
 * by `Stores` get storage/state's composite views, which merge the instances' scans in key
 * order as if they were one store; custom stores (which cannot say how their keys order) get a
 * union that chains the instances (ordered within each). A key lives in exactly one instance,
 * so point lookups take the first hit either way. The instance list is read at every call, so
 * a view stays valid across rebalances.
 */
import { compositeKeyValueStore, compositeSessionStore, compositeWindowStore } from '../../storage/state/index.js';
import type { StateStore } from '../../storage/state/state-store.js';
import type { KeyValue, KeyValueIterator, ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore, WindowStoreIterator, Windowed } from '../../storage/state/stores.js';
import type { HostInfo } from './host-info.js';

/** Where a key's state lives (Kafka Streams' KeyQueryMetadata, with the task and locality). */
export interface KeyQueryMetadata {
  /**
   * The `applicationServer` of the instance running the key's task. null where Kafka answers
   * HostInfo.unavailable(): no rebalance described yet, the app is not running, or that instance
   * set no applicationServer. A global store's is this instance's own.
   */
  activeHost: HostInfo | null;
  /**
   * The `applicationServer`s of the instances keeping a standby of the key's task
   * (num.standby.replicas), as of the last described rebalance; they can answer with data that
   * may lag the active host's (`store(name, { enableStaleStores: true })`).
   */
  standbyHosts: HostInfo[];
  /** The partition of the key (murmur2 of its serialized bytes over the store's partitions); -1 for a global store. */
  partition: number;
  /** The task holding it: `<sub-topology>_<partition>`; null for a global store, which no task holds. */
  taskId: string | null;
  /** Whether this instance holds the key's state: runs (and has restored) that task, or the store is global. */
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

/** Chained views, for custom stores. */
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

/** Whether storage/state's ordered views can merge these instances (they know their key bytes). */
function orderable(stores: readonly StateStore[]): boolean {
  return stores.length <= 1 || stores.every((s) => typeof (s as { serializeKey?: unknown }).serializeKey === 'function');
}

/** An object whose every property is looked up on `choose()` at the time of the call. */
function delegating<T extends object>(choose: () => T): T {
  return new Proxy({} as T, {
    get: (_target, prop) => {
      const target = choose();
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The view for a store kind (as its builder declares it). */
export function compositeView(kind: string, instances: () => StateStore[]): unknown {
  const pick = <T extends object>(merged: T, chained: T): T => delegating(() => (orderable(instances()) ? merged : chained));
  switch (kind) {
    case 'window':
    case 'timestampedWindow': {
      const typed = instances as unknown as () => ReadOnlyWindowStore<unknown, unknown>[];
      return pick(compositeWindowStore(typed), new CompositeWindowView(typed));
    }
    case 'session': {
      const typed = instances as unknown as () => ReadOnlySessionStore<unknown, unknown>[];
      return pick(compositeSessionStore(typed), new CompositeSessionView(typed));
    }
    default: {
      const typed = instances as unknown as () => ReadOnlyKeyValueStore<unknown, unknown>[];
      return pick(compositeKeyValueStore(typed), new CompositeKeyValueView(typed));
    }
  }
}
