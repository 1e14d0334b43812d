/**
 * Read-only views over every instance of a store (one per task, i.e. per partition), for
 * interactive queries and the test driver. A point read asks each instance until one has the
 * key; scans merge the instances' iterators so the view keeps the stores' order (serialized
 * key bytes, then window start or session end), as if it were one store. Ordering needs the
 * serialized keys: stores built here know their serde; others need a `keySerializer`.
 */
import { latin1 } from './bytes-store.js';
import { encodeTime } from './key-encoding.js';
import { StateStoreError } from './state-errors.js';
import type { KeyValue, KeyValueIterator, ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore, Windowed, WindowStoreIterator } from './stores.js';

/** The instances, or a function giving the current ones (tasks come and go on rebalances). */
export type StoreInstances<S> = readonly S[] | (() => readonly S[]);

interface KeySerializing<K> {
  serializeKey(key: K): Buffer;
}

function list<S>(instances: StoreInstances<S>): readonly S[] {
  return typeof instances === 'function' ? instances() : instances;
}

/** The order key of a typed key: its serialized bytes as latin1. */
function keyOrder<K>(stores: readonly unknown[], keySerializer: ((key: K) => Buffer) | undefined): (key: K) => string {
  if (keySerializer !== undefined) return (key) => latin1(keySerializer(key));
  const own = stores.find((s): s is KeySerializing<K> => typeof (s as Partial<KeySerializing<K>>).serializeKey === 'function');
  if (own !== undefined) return (key) => latin1(own.serializeKey(key));
  if (stores.length <= 1) return () => '';
  throw new StateStoreError('STATE_STORE_INVALID_CONFIG', 'A composite store view over stores not built by Stores needs a keySerializer to merge them in key order.');
}

/** Merges sorted iterators by an order key (a handful of instances: a linear pick per step). */
export class MergedIterator<T> implements KeyValueIterator<T extends KeyValue<infer K, unknown> ? K : never, T extends KeyValue<unknown, infer V> ? V : never> {
  private readonly heads: (IteratorResult<T> | undefined)[];
  private closed = false;

  constructor(
    private readonly iterators: readonly (IterableIterator<T> & { close(): void })[],
    private readonly orderOf: (item: T) => string,
    private readonly reverse: boolean,
  ) {
    this.heads = iterators.map(() => undefined);
  }

  next(): IteratorResult<KeyValue<never, never>> {
    if (this.closed) return { done: true, value: undefined };
    let best = -1;
    let bestOrder = '';
    for (let i = 0; i < this.iterators.length; i++) {
      let head = this.heads[i];
      if (head === undefined) head = this.heads[i] = this.iterators[i]!.next();
      if (head.done) continue;
      const order = this.orderOf(head.value);
      if (best < 0 || (this.reverse ? order > bestOrder : order < bestOrder)) {
        best = i;
        bestOrder = order;
      }
    }
    if (best < 0) {
      this.close();
      return { done: true, value: undefined };
    }
    const value = (this.heads[best] as IteratorYieldResult<T>).value;
    this.heads[best] = undefined;
    return { done: false, value: value as unknown as KeyValue<never, never> };
  }

  return(): IteratorResult<KeyValue<never, never>> {
    this.close();
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): this {
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const it of this.iterators) it.close();
  }
}

function merged<K, V>(iterators: KeyValueIterator<K, V>[], orderOf: (item: KeyValue<K, V>) => string, reverse: boolean): KeyValueIterator<K, V> {
  return new MergedIterator<KeyValue<K, V>>(iterators, orderOf, reverse) as unknown as KeyValueIterator<K, V>;
}

function firstHit<S, R>(stores: readonly S[], read: (s: S) => R | null): R | null {
  for (const s of stores) {
    const r = read(s);
    if (r !== null) return r;
  }
  return null;
}

export function compositeKeyValueStore<K, V>(instances: StoreInstances<ReadOnlyKeyValueStore<K, V>>, keySerializer?: (key: K) => Buffer): ReadOnlyKeyValueStore<K, V> {
  const scan = (open: (s: ReadOnlyKeyValueStore<K, V>) => KeyValueIterator<K, V>, reverse: boolean): KeyValueIterator<K, V> => {
    const stores = list(instances);
    const order = keyOrder<K>(stores, keySerializer);
    return merged(stores.map(open), (kv) => order(kv.key), reverse);
  };
  return {
    get: (key) => firstHit(list(instances), (s) => s.get(key)),
    range: (from, to) => scan((s) => s.range(from, to), false),
    reverseRange: (from, to) => scan((s) => s.reverseRange(from, to), true),
    all: () => scan((s) => s.all(), false),
    reverseAll: () => scan((s) => s.reverseAll(), true),
    prefixScan: (prefix, serializer) => scan((s) => s.prefixScan(prefix, serializer), false),
    approximateNumEntries: () => Math.min(Number.MAX_SAFE_INTEGER, list(instances).reduce((n, s) => n + s.approximateNumEntries(), 0)),
  };
}

export function compositeWindowStore<K, V>(instances: StoreInstances<ReadOnlyWindowStore<K, V>>, keySerializer?: (key: K) => Buffer): ReadOnlyWindowStore<K, V> {
  const byStart = (kv: KeyValue<number, V>): string => encodeTime(kv.key);
  const windows = (open: (s: ReadOnlyWindowStore<K, V>) => KeyValueIterator<Windowed<K>, V>): KeyValueIterator<Windowed<K>, V> => {
    const stores = list(instances);
    const order = keyOrder<K>(stores, keySerializer);
    return merged(stores.map(open), (kv) => order(kv.key.key) + encodeTime(kv.key.window.start), false);
  };
  return {
    fetch: (key, windowStart) => firstHit(list(instances), (s) => s.fetch(key, windowStart)),
    fetchRange: (key, from, to) => merged(list(instances).map((s) => s.fetchRange(key, from, to)), byStart, false) as WindowStoreIterator<V>,
    backwardFetchRange: (key, from, to) => merged(list(instances).map((s) => s.backwardFetchRange(key, from, to)), byStart, true) as WindowStoreIterator<V>,
    fetchKeyRange: (keyFrom, keyTo, from, to) => windows((s) => s.fetchKeyRange(keyFrom, keyTo, from, to)),
    fetchAll: (from, to) => windows((s) => s.fetchAll(from, to)),
    all: () => windows((s) => s.all()),
  };
}

export function compositeSessionStore<K, AGG>(instances: StoreInstances<ReadOnlySessionStore<K, AGG>>, keySerializer?: (key: K) => Buffer): ReadOnlySessionStore<K, AGG> {
  const bySession = (kv: KeyValue<Windowed<K>, AGG>): string => encodeTime(kv.key.window.end) + encodeTime(kv.key.window.start);
  const oneKey = (open: (s: ReadOnlySessionStore<K, AGG>) => KeyValueIterator<Windowed<K>, AGG>, reverse: boolean) => merged(list(instances).map(open), bySession, reverse);
  return {
    fetch: (key) => oneKey((s) => s.fetch(key), false),
    findSessions: (key, earliestEnd, latestStart) => oneKey((s) => s.findSessions(key, earliestEnd, latestStart), false),
    backwardFindSessions: (key, earliestEnd, latestStart) => oneKey((s) => s.backwardFindSessions(key, earliestEnd, latestStart), true),
    fetchSession: (key, start, end) => firstHit(list(instances), (s) => s.fetchSession(key, start, end)),
    fetchKeyRange: (keyFrom, keyTo) => {
      const stores = list(instances);
      const order = keyOrder<K>(stores, keySerializer);
      return merged(
        stores.map((s) => s.fetchKeyRange(keyFrom, keyTo)),
        (kv) => order(kv.key.key) + bySession(kv),
        false,
      );
    },
  };
}
