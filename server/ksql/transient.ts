/**
 * The pieces transient queries run on without a streams app of their own:
 *
 * - StatelessRunner: a stateless topology (one sub-topology, no stores, no internal topics),
 *   run in process on records handed to it: one engine task per input partition, the same
 *   operators a persistent query uses.
 * - TopicTail: one consumer reading every partition of a topic from a start position onwards,
 *   handing each fetched batch to its listeners. Push queries reading from `latest` share one
 *   tail per topic, so 200 of them cost one consumer and one decode of the key and value per
 *   record each.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamTask } from '../../engine/runtime/stream-task.js';
import type { RawRecord } from '../../engine/runtime/record-queue.js';
import type { Topology } from '../../engine/topology/topology.js';
import { EmbeddedClient } from '../../storage/client/embedded/client.js';
import type { Admin, Consumer, StorageClient } from '../../storage/client/types.js';
import type { Broker } from '../../storage/broker/broker.js';
import type { Logger } from '../../storage/logger.js';
import { LATEST_TIMESTAMP } from '../../storage/types.js';

/** Whether a topology can run in process, record by record, without state or internal topics. */
export function isStateless(topology: Topology): boolean {
  const subs = topology.subTopologies();
  return subs.length === 1 && topology.stores.size === 0 && subs[0]!.sinkTopics.length === 0 && subs[0]!.sourcePatterns.length === 0;
}

export class StatelessRunner {
  private readonly tasks = new Map<number, StreamTask>();
  private readonly topics: ReadonlySet<string>;
  errors = 0;

  constructor(
    private readonly topology: Topology,
    private readonly logger: Logger,
  ) {
    if (!isStateless(topology)) throw new Error('StatelessRunner runs stateless topologies only.');
    this.topics = new Set(topology.subTopologies()[0]!.sourceTopics);
  }

  get sourceTopics(): readonly string[] {
    return [...this.topics];
  }

  /** Runs the records (of one partition, in offset order) through the topology. */
  process(topic: string, partition: number, records: readonly RawRecord[]): void {
    if (records.length === 0 || !this.topics.has(topic)) return;
    const task = this.task(partition);
    task.addRecords(topic, partition, records);
    while (task.process()) {
      // each call runs one record to completion
    }
  }

  private task(partition: number): StreamTask {
    let task = this.tasks.get(partition);
    if (task) return task;
    const sub = this.topology.subTopologies()[0]!;
    task = new StreamTask({
      applicationId: 'transient',
      subTopology: sub,
      topology: this.topology,
      partition,
      stateDir: join(tmpdir(), 'freshet-transient'),
      collector: {
        send: () => {
          throw new Error('A transient query writes no topic.');
        },
        partitionsFor: () => 1,
      },
      logger: this.logger,
      cacheMaxBytes: 0,
      appConfigs: {},
      now: () => Date.now(),
      changelogTopic: () => null,
      topicName: (t) => t,
      onDeserializationError: () => {
        this.errors++;
        return 'continue';
      },
      onProcessingError: () => {
        this.errors++;
        return 'continue';
      },
    });
    task.initializeProcessors();
    this.tasks.set(partition, task);
    return task;
  }

  async close(): Promise<void> {
    for (const task of this.tasks.values()) await task.close();
    this.tasks.clear();
  }
}

export type TailListener = (partition: number, records: readonly RawRecord[]) => void;

/** A partition's end offset (read_committed: its last stable offset). */
interface PartitionEnd {
  readonly partition: number;
  readonly offset: number;
}

/**
 * Reads all partitions of a topic from `from` (earliest or latest) until closed, in the
 * background; partitions added to the topic later are picked up.
 *
 * catchUp() is what makes a pull query see every row written before it was asked: it waits until
 * the tail has handed on the records up to the topic's end offsets as of the call. With the broker
 * in this process the end offsets are read in place (caughtUpNow), so a tail that is caught up
 * answers without waiting; with a remote cluster, callers that come while one read of the end
 * offsets is under way share the next read, so a burst of queries costs one round trip or two,
 * not one each.
 */
export class TopicTail {
  private readonly listeners = new Set<TailListener>();
  private readonly consumer: Consumer;
  private closed = false;
  private loop: Promise<void> | null = null;
  private partitions = 0;
  /** Per partition, the position up to which listeners have been handed the records. */
  private readonly delivered = new Map<number, number>();
  private progressWaiters: (() => void)[] = [];
  /** Resolves once the tail holds its start positions (records after that are seen). */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private isReady = false;
  /** The broker when it runs in this process: end offsets without a round trip. */
  private readonly local: Broker | undefined;
  /** For end offsets, kept while the tail runs. */
  private admin: Admin | null = null;
  /** The read of end offsets under way, and the one queued behind it for callers that came during it. */
  private endsRead: Promise<PartitionEnd[]> | null = null;
  private endsQueued: Promise<PartitionEnd[]> | null = null;

  constructor(
    private readonly client: StorageClient,
    readonly topic: string,
    private readonly from: 'earliest' | 'latest',
    private readonly logger: Logger,
  ) {
    this.consumer = client.consumer({ autoOffsetReset: from, enableAutoCommit: false, isolationLevel: 'read_committed' });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.local = client instanceof EmbeddedClient ? client.broker : undefined;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: TailListener): () => void {
    this.listeners.add(listener);
    if (!this.loop) this.loop = this.run();
    return () => this.listeners.delete(listener);
  }

  private async assign(): Promise<void> {
    const admin = this.client.admin();
    try {
      const [info] = await admin.describeTopics([this.topic]);
      const n = info?.partitions.length ?? 0;
      if (n === this.partitions) return;
      const all = Array.from({ length: n }, (_, partition) => ({ topic: this.topic, partition }));
      const added = all.slice(this.partitions);
      this.consumer.assign(all);
      if (this.from === 'earliest' || this.partitions > 0) this.consumer.seekToBeginning(added);
      else this.consumer.seekToEnd(added);
      // Fix the positions now, so records produced after `ready` are not skipped by a later seek.
      for (const tp of added) await this.consumer.position(tp);
      this.partitions = n;
    } finally {
      await admin.close();
    }
  }

  private async run(): Promise<void> {
    let lastAssign = 0;
    try {
      await this.assign();
    } catch (err) {
      this.logger.error(`Reading topic ${this.topic} failed: ${String(err)}`);
    }
    this.isReady = true;
    this.markReady();
    while (!this.closed) {
      try {
        if (Date.now() - lastAssign > 5000) {
          lastAssign = Date.now();
          await this.assign();
        }
        const records = await this.consumer.poll(200);
        if (this.closed) break;
        if (records.length === 0) {
          await this.noteProgress();
          continue;
        }
        const byPartition = new Map<number, RawRecord[]>();
        for (const r of records) {
          let list = byPartition.get(r.partition);
          if (!list) byPartition.set(r.partition, (list = []));
          list.push(r);
        }
        for (const [partition, list] of byPartition) {
          for (const listener of this.listeners) listener(partition, list);
        }
        await this.noteProgress();
      } catch (err) {
        if (this.closed) break;
        this.logger.error(`Reading topic ${this.topic} failed: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async noteProgress(): Promise<void> {
    for (let partition = 0; partition < this.partitions; partition++) {
      this.delivered.set(partition, await this.consumer.position({ topic: this.topic, partition }));
    }
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Whether every partition's records up to the topic's current end offsets went to the
   * listeners, when that can be told without a round trip (the broker runs in this process);
   * false means: ask catchUp().
   */
  caughtUpNow(): boolean {
    if (!this.local || !this.isReady || this.closed) return false;
    try {
      const n = this.local.partitionsFor(this.topic, false);
      for (let partition = 0; partition < n; partition++) {
        if ((this.delivered.get(partition) ?? -1) < this.local.listOffset(this.topic, partition, LATEST_TIMESTAMP, 'read_committed').offset) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves once every partition's records up to the topic's end offsets as of the call went to the listeners. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    await this.ready;
    if (this.caughtUpNow()) return;
    const ends = await this.endsAfterNow();
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && ends.some((e) => (this.delivered.get(e.partition) ?? -1) < e.offset)) {
      if (Date.now() > deadline) throw new Error(`Reading topic ${this.topic} did not catch up within ${timeoutMs} ms.`);
      await new Promise<void>((resolve) => {
        this.progressWaiters.push(resolve);
        setTimeout(resolve, 250);
      });
    }
  }

  /**
   * End offsets read after this call began. A read under way may have read before it, so a caller
   * that comes during one waits for the next; every caller that came during the same read shares it.
   */
  private endsAfterNow(): Promise<PartitionEnd[]> {
    if (this.endsRead === null) return this.readEnds();
    const next = () => this.readEnds();
    return (this.endsQueued ??= this.endsRead.then(next, next));
  }

  private readEnds(): Promise<PartitionEnd[]> {
    this.endsQueued = null;
    const read: Promise<PartitionEnd[]> = this.fetchEnds().finally(() => {
      if (this.endsRead === read) this.endsRead = null;
    });
    this.endsRead = read;
    return read;
  }

  private async fetchEnds(): Promise<PartitionEnd[]> {
    if (this.closed) return [];
    const admin = (this.admin ??= this.client.admin());
    const [info] = await admin.describeTopics([this.topic]);
    const partitions = (info?.partitions ?? []).map((p) => p.partition);
    return admin.listOffsets(partitions.map((partition) => ({ topic: this.topic, partition, spec: 'latest' as const })), { isolationLevel: 'read_committed' });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.markReady();
    for (const w of this.progressWaiters) w();
    await this.loop?.catch(() => undefined);
    await this.consumer.close();
    await this.endsRead?.catch(() => undefined);
    await this.admin?.close();
    this.admin = null;
  }
}

/**
 * Reads a topic from the beginning up to its end offsets as of the call: the bounded scan of a
 * pull query on a stream.
 */
export async function scanTopic(client: StorageClient, topic: string, onBatch: TailListener): Promise<void> {
  const consumer = client.consumer({ autoOffsetReset: 'earliest', enableAutoCommit: false, isolationLevel: 'read_committed' });
  const admin = client.admin();
  try {
    const [info] = await admin.describeTopics([topic]);
    const tps = (info?.partitions ?? []).map((p) => ({ topic, partition: p.partition }));
    if (tps.length === 0) return;
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    const ends = await consumer.endOffsets(tps);
    const remaining = new Map<number, number>();
    for (let i = 0; i < tps.length; i++) {
      const start = await consumer.position(tps[i]!);
      if (start < ends[i]!) remaining.set(tps[i]!.partition, ends[i]!);
      else consumer.pause([tps[i]!]);
    }
    while (remaining.size > 0) {
      const records = await consumer.poll(500);
      const byPartition = new Map<number, RawRecord[]>();
      for (const r of records) {
        const end = remaining.get(r.partition);
        if (end === undefined || r.offset >= end) continue;
        let list = byPartition.get(r.partition);
        if (!list) byPartition.set(r.partition, (list = []));
        list.push(r);
      }
      for (const [partition, list] of byPartition) onBatch(partition, list);
      for (const [partition, end] of [...remaining]) {
        if ((await consumer.position({ topic, partition })) >= end) {
          remaining.delete(partition);
          consumer.pause([{ topic, partition }]);
        }
      }
    }
  } finally {
    await admin.close();
    await consumer.close();
  }
}
