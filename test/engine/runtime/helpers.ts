/**
 * Shared pieces of the runtime tests: an embedded broker on a temp directory, topic helpers that
 * go through the storage client interface (so they work on the remote client too), topologies,
 * and a small custom store (what a user's own StateStore looks like to the runtime).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../../../storage/broker/broker.js';
import type { ConsumerRecord, StorageClient } from '../../../storage/client/types.js';
import { silentLogger } from '../../../storage/logger.js';
import type { ChangelogRecord, StateStore, StateStoreContext } from '../../../storage/state/state-store.js';
import type { StoreBuilder } from '../../../storage/state/store-builder.js';
import type { KeyValue, KeyValueIterator, KeyValueStore, ReadOnlyKeyValueStore } from '../../../storage/state/stores.js';
import { Stores } from '../../../storage/state/index.js';
import type { IsolationLevel } from '../../../storage/types.js';
import type { Processor, ProcessorContext } from '../../../engine/processor/processor.js';
import type { Record } from '../../../engine/processor/record.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { Topology } from '../../../engine/topology/topology.js';
import { tempDir } from '../../helpers/tmp.js';

export async function openBroker(dataDir?: string): Promise<{ broker: Broker; dir: string; cleanup(): Promise<void> }> {
  const tmp = dataDir ? null : tempDir('freshet-rt-broker-');
  const dir = dataDir ?? tmp!.dir;
  const broker = await Broker.open({ dataDir: dir, logger: silentLogger, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 1000, offsetsTopicPartitions: 4, transactionStateTopicPartitions: 4 });
  return {
    broker,
    dir,
    async cleanup() {
      await broker.close();
      tmp?.cleanup();
    },
  };
}

export async function createTopic(client: StorageClient, name: string, partitions: number): Promise<void> {
  const admin = client.admin();
  try {
    await admin.createTopics([{ name, partitions }]);
  } finally {
    await admin.close();
  }
}

export async function produce(client: StorageClient, topic: string, records: { key: string | null; value: string | Buffer | null; partition?: number; timestamp?: number }[]): Promise<void> {
  const producer = client.producer({ lingerMs: 0 });
  try {
    await producer.sendBatch(records.map((r) => ({ topic, key: r.key, value: r.value, partition: r.partition, timestamp: r.timestamp })));
  } finally {
    await producer.close();
  }
}

/** Every record of a topic, partition by partition in offset order. */
export async function readAll(client: StorageClient, topic: string, isolationLevel: IsolationLevel = 'read_uncommitted'): Promise<ConsumerRecord[]> {
  const admin = client.admin();
  const [info] = await admin.describeTopics([topic]);
  await admin.close();
  const tps = info!.partitions.map((p) => ({ topic, partition: p.partition }));
  const consumer = client.consumer({ isolationLevel, enableAutoCommit: false, autoOffsetReset: 'earliest' });
  try {
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    const ends = await consumer.endOffsets(tps);
    const out: ConsumerRecord[] = [];
    const deadline = Date.now() + 10_000;
    for (;;) {
      let done = true;
      for (let i = 0; i < tps.length; i++) if ((await consumer.position(tps[i]!)) < ends[i]!) done = false;
      if (done || Date.now() > deadline) break;
      out.push(...(await consumer.poll(100)));
    }
    return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await consumer.close();
  }
}

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const str = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

// ---------------------------------------------------------------- a test-local store

/**
 * A custom key-value store of strings: a Map, written to `<task dir>/<name>.json` on flush and
 * close (persistent, like a RocksDB store), each write sent to the changelog. It does not know
 * how its keys order as bytes, unlike the stores `Stores` builds.
 */
export class LoggedMapStore implements StateStore, ReadOnlyKeyValueStore<string, string> {
  readonly persistent: boolean;
  private readonly map = new Map<string, string>();
  private context: StateStoreContext | null = null;
  private open = false;
  /** Records applied by restore, for assertions. */
  restoredRecords = 0;

  constructor(
    readonly name: string,
    persistent: boolean,
  ) {
    this.persistent = persistent;
  }

  private get file(): string {
    return join(this.context!.stateDir, `${this.name}.json`);
  }

  init(context: StateStoreContext, root: StateStore): void {
    this.context = context;
    if (this.persistent && existsSync(this.file)) {
      for (const [k, v] of Object.entries(JSON.parse(readFileSync(this.file, 'utf8')) as globalThis.Record<string, string>)) this.map.set(k, v);
    }
    context.register(root, (records: readonly ChangelogRecord[]) => {
      for (const r of records) {
        const key = r.key.toString('utf8');
        if (r.value === null) this.map.delete(key);
        else this.map.set(key, r.value.toString('utf8'));
      }
      this.restoredRecords += records.length;
    });
    this.open = true;
  }

  put(key: string, value: string | null, timestamp = this.context!.streamTime()): void {
    if (value === null) this.map.delete(key);
    else this.map.set(key, value);
    this.context!.logChange(this.name, Buffer.from(key), value === null ? null : Buffer.from(value), timestamp);
  }

  get(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  private iterate(entries: [string, string][]): KeyValueIterator<string, string> {
    const it = entries.map(([key, value]): KeyValue<string, string> => ({ key, value }))[Symbol.iterator]();
    return Object.assign(it, { close() {} }) as KeyValueIterator<string, string>;
  }

  private sorted(): [string, string][] {
    return [...this.map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  range(from: string | null, to: string | null): KeyValueIterator<string, string> {
    return this.iterate(this.sorted().filter(([k]) => (from === null || k >= from) && (to === null || k <= to)));
  }

  reverseRange(from: string | null, to: string | null): KeyValueIterator<string, string> {
    return this.iterate(this.sorted().filter(([k]) => (from === null || k >= from) && (to === null || k <= to)).reverse());
  }

  all(): KeyValueIterator<string, string> {
    return this.iterate(this.sorted());
  }

  reverseAll(): KeyValueIterator<string, string> {
    return this.iterate(this.sorted().reverse());
  }

  prefixScan<P>(prefix: P, serialize: (p: P) => Buffer): KeyValueIterator<string, string> {
    const p = serialize(prefix).toString('utf8');
    return this.iterate(this.sorted().filter(([k]) => k.startsWith(p)));
  }

  approximateNumEntries(): number {
    return this.map.size;
  }

  flush(): void {
    if (!this.persistent || !this.context) return;
    mkdirSync(this.context.stateDir, { recursive: true });
    writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.map)));
  }

  close(): void {
    this.flush();
    this.open = false;
  }

  isOpen(): boolean {
    return this.open;
  }
}

export function loggedMapStore(name: string, opts: { persistent?: boolean; logging?: boolean } = {}): StoreBuilder<LoggedMapStore> {
  let logging = opts.logging ?? true;
  const builder: StoreBuilder<LoggedMapStore> = {
    name,
    kind: 'keyValue',
    get loggingEnabled() {
      return logging;
    },
    logConfig: {},
    cachingEnabled: false,
    withLoggingEnabled() {
      logging = true;
      return this;
    },
    withLoggingDisabled() {
      logging = false;
      return this;
    },
    withCachingEnabled() {
      return this;
    },
    withCachingDisabled() {
      return this;
    },
    build: () => new LoggedMapStore(name, opts.persistent ?? true),
  };
  return builder;
}

const S = Serdes.String();

/**
 * input -> count per key in store `counts` -> output (`key` -> count as text). The store is a
 * RocksDB key-value store from `Stores` (default), an in-memory one, or the custom LoggedMapStore.
 */
export function countTopology(opts: { input?: string; output?: string; store?: string; kind?: 'rocksdb' | 'memory' | 'custom' } = {}): Topology {
  const store = opts.store ?? 'counts';
  const kind = opts.kind ?? 'rocksdb';
  const builder = kind === 'custom' ? loggedMapStore(store) : Stores.keyValueStoreBuilder(kind === 'memory' ? Stores.inMemoryKeyValueStore(store) : Stores.persistentKeyValueStore(store), S, S);
  return new Topology()
    .addSource('source', [opts.input ?? 'input'], { keySerde: S, valueSerde: S })
    .addProcessor(
      'count',
      () => {
        let ctx: ProcessorContext<string, string>;
        let counts: KeyValueStore<string, string>;
        return {
          init(c) {
            ctx = c;
            counts = c.getStateStore<KeyValueStore<string, string> & StateStore>(store);
          },
          process(r: Record<string, string>) {
            const next = String(Number(counts.get(r.key) ?? '0') + 1);
            counts.put(r.key, next);
            ctx.forward(r.withValue(next));
          },
        } satisfies Processor<string, string, string, string>;
      },
      'source',
    )
    .addStateStore(builder, 'count')
    .addSink('sink', opts.output ?? 'output', { keySerde: S, valueSerde: S }, 'count');
}

/** A processor that forwards each record with its value upper-cased. */
export function upperProcessor(): Processor<string, string, string, string> {
  let ctx: ProcessorContext<string, string>;
  return {
    init: (c) => void (ctx = c),
    process: (r: Record<string, string>) => ctx.forward(r.withValue(r.value.toUpperCase())),
  };
}

/** input -> upper-cased value -> output. */
export function upperTopology(input = 'input', output = 'output'): Topology {
  return new Topology()
    .addSource('source', [input], { keySerde: S, valueSerde: S })
    .addProcessor('upper', upperProcessor, 'source')
    .addSink('sink', output, { keySerde: S, valueSerde: S }, 'upper');
}
