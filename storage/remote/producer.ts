/**
 * The remote producer: Kafka's producer over the wire on the library's Producer, which encodes
 * batches, keeps idempotent sequence numbers and runs transactions (AddPartitionsToTxn, EndTxn).
 * What the library leaves out is done here:
 *  - partitioning as Kafka's Java client does it (murmur2 for keys, sticky batches for null
 *    keys), so keyed records land where the embedded broker and Java clients put them;
 *  - linger.ms/batch.size accumulation, with one request in flight at a time, which keeps
 *    idempotent sequences in order and turns many send() calls into few requests;
 *  - sendOffsetsToTransaction with the consumer's generation and member id (KIP-447 fencing),
 *    which the library's helper only takes from its own consumer class.
 */
import zlib from 'node:zlib';
import { Producer as LibraryProducer } from '@platformatic/kafka';
import type { addOffsetsToTxnV4, MessageToProduce, ProduceResult, txnOffsetCommitV4 } from '@platformatic/kafka';
import { KafkaError, kafkaErrorName } from '../errors.js';
import { partitionForKey, StickyPartitioner } from '../broker/partitioner.js';
import type { RecordHeader } from '../types.js';
import type { GroupMetadata, OffsetAndMetadata, Producer, ProducerConfig, ProducerRecord, RecordMetadata } from '../client/types.js';
import { toBuffer, toHeaders } from '../client/convert.js';
import type { ResolvedRemoteConfig } from './config.js';
import { libraryOptions } from './config.js';
import { toKafkaError } from './errors.js';
import { RemoteTransaction } from './transaction.js';
import { Wire } from './wire.js';

type TxnOffsetCommitResponse = txnOffsetCommitV4.TxnOffsetCommitResponse;
type AddOffsetsToTxnResponse = addOffsetsToTxnV4.AddOffsetsToTxnResponse;

/** One send() or sendBatch() call: resolved when all its records are acknowledged. */
interface Waiter {
  results: RecordMetadata[];
  remaining: number;
  single: boolean;
  failed: boolean;
  resolve(value: RecordMetadata | RecordMetadata[]): void;
  reject(err: Error): void;
}

interface Pending {
  record: ProducerRecord;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
  /** When send() was called, for linger.ms (the record's timestamp may be anything). */
  enqueuedAt: number;
  size: number;
  waiter: Waiter;
  slot: number;
}

const FATAL_CODES = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

// Rough per-record overhead in a batch (varints, attributes, header framing), for batch.size.
const RECORD_OVERHEAD = 24;

export class RemoteProducer implements Producer {
  private readonly lib: LibraryProducer;
  private readonly wire: Wire;
  private readonly sticky = new StickyPartitioner();
  private readonly acks: 0 | 1 | -1;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxRequestSize: number;
  private readonly idempotent: boolean;
  private readonly txn: RemoteTransaction | null;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private flushing = 0;
  private fatal: KafkaError | null = null;
  private closed = false;

  constructor(
    remote: ResolvedRemoteConfig,
    private readonly config: ProducerConfig = {},
  ) {
    const acks = config.acks ?? 'all';
    this.acks = acks === 'all' ? -1 : acks;
    this.lingerMs = config.lingerMs ?? 5;
    this.batchSize = Math.max(config.batchSize ?? 16384, 1);
    this.maxRequestSize = config.maxRequestSize ?? 1_048_576;
    this.idempotent = config.transactionalId !== undefined || (config.idempotent ?? true);
    if (this.idempotent && this.acks !== -1) {
      throw new KafkaError('INVALID_CONFIG', 'An idempotent producer needs acks=all: set acks to all, or idempotent to false.');
    }
    const compression = config.compression ?? 'none';
    if (compression === 'zstd' && !zstdAvailable()) {
      throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', 'The Kafka library compresses zstd with node:zlib, which this Node.js version lacks (it needs Node 22.15 or newer): use lz4, snappy or gzip.');
    }
    this.lib = new LibraryProducer({
      ...libraryOptions(remote, config.clientId ?? remote.clientId),
      idempotent: this.idempotent,
      compression,
      // The library sends this as the transaction timeout of InitProducerId (and as the produce timeout).
      timeout: config.transactionTimeoutMs ?? 60_000,
      // -1/-1 asks InitProducerId for a new producer id; the library's default (0/0) claims to be
      // producer 0, which a Kafka broker fences for a transactional.id that already has another.
      producerId: -1n,
      producerEpoch: -1,
      ...(config.transactionalId !== undefined ? { transactionalId: config.transactionalId } : {}),
    });
    this.wire = new Wire(this.lib);
    this.txn = config.transactionalId !== undefined ? new RemoteTransaction(this.lib, config.transactionalId) : null;
  }

  private check(): void {
    if (this.closed) throw new KafkaError('INVALID_REQUEST', 'The producer is closed.');
    if (this.fatal) throw this.fatal;
  }

  async partitionsFor(topic: string): Promise<number> {
    return this.wire.partitionCount(topic);
  }

  // ------------------------------------------------------------ accumulating

  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise<RecordMetadata | RecordMetadata[]>((resolve, reject) => {
      this.check();
      this.txn?.checkSendable();
      this.enqueue(record, { results: [], remaining: 1, single: true, failed: false, resolve, reject }, 0, Date.now());
    }) as Promise<RecordMetadata>;
  }

  sendBatch(records: ProducerRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise<RecordMetadata | RecordMetadata[]>((resolve, reject) => {
      this.check();
      this.txn?.checkSendable();
      const waiter: Waiter = { results: new Array<RecordMetadata>(records.length), remaining: records.length, single: false, failed: false, resolve, reject };
      const now = Date.now();
      for (let i = 0; i < records.length; i++) {
        try {
          this.enqueue(records[i]!, waiter, i, now);
        } catch (err) {
          // Records already queued still go out; the call fails.
          waiter.failed = true;
          reject(err as Error);
          return;
        }
      }
    }) as Promise<RecordMetadata[]>;
  }

  private enqueue(record: ProducerRecord, waiter: Waiter, slot: number, now: number): void {
    const key = record.key === undefined ? null : toBuffer(record.key);
    const value = toBuffer(record.value);
    const headers = record.headers === undefined ? [] : toHeaders(record.headers);
    let size = (key?.length ?? 0) + (value?.length ?? 0);
    if (size > this.maxRequestSize) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `A ${size}-byte record is larger than max.request.size=${this.maxRequestSize}: send smaller records or raise maxRequestSize (and the topic's max.message.bytes).`);
    }
    for (const h of headers) size += h.key.length + (h.value?.length ?? 0);
    size += RECORD_OVERHEAD;
    this.pending.push({ record, key, value, headers, timestamp: record.timestamp ?? now, enqueuedAt: now, size, waiter, slot });
    this.pendingBytes += size;
    this.txn?.recordSent();
    if (this.pendingBytes >= this.batchSize) this.kick();
    else this.scheduleLinger();
  }

  private scheduleLinger(): void {
    if (this.lingerTimer !== null || this.sending !== null || this.pending.length === 0) return;
    const due = this.pending[0]!.enqueuedAt + this.lingerMs - Date.now();
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      this.kick();
    }, Math.max(0, due));
  }

  /** Sends what is pending unless a request is in flight; its completion sends the rest. */
  private kick(): void {
    if (this.lingerTimer !== null) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
    }
    if (this.sending !== null || this.pending.length === 0) return;
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length && (n === 0 || bytes + this.pending[n]!.size <= this.maxRequestSize)) bytes += this.pending[n++]!.size;
    const batch = this.pending.splice(0, n);
    this.pendingBytes -= bytes;
    this.sending = this.transmit(batch).finally(() => {
      this.sending = null;
      if (this.pending.length === 0) return;
      // Records that queued up behind the request go now if they are due, else after linger.ms.
      if (this.flushing > 0 || this.pendingBytes >= this.batchSize || Date.now() - this.pending[0]!.enqueuedAt >= this.lingerMs) this.kick();
      else this.scheduleLinger();
    });
  }

  private async choosePartitions(batch: Pending[]): Promise<{ chosen: (number | KafkaError)[]; counts: Map<string, number | KafkaError> }> {
    const counts = new Map<string, number | KafkaError>();
    for (const p of batch) {
      if (counts.has(p.record.topic)) continue;
      try {
        counts.set(p.record.topic, await this.wire.partitionCount(p.record.topic));
      } catch (err) {
        counts.set(p.record.topic, toKafkaError(err, `Producing to '${p.record.topic}'`));
      }
    }
    // Null-key records stick to one partition per topic until a batch.size worth went there.
    const stickyBytes = new Map<string, number>();
    const chosen = batch.map((p) => {
      const { record } = p;
      const partitions = counts.get(record.topic)!;
      if (partitions instanceof KafkaError) return partitions;
      if (record.partition !== undefined) {
        if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= partitions) {
          return new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${record.partition} of topic '${record.topic}' does not exist (it has ${partitions}).`);
        }
        return record.partition;
      }
      if (this.config.partitioner) return this.config.partitioner(record, partitions);
      if (p.key !== null) return partitionForKey(p.key, partitions);
      const chosen = this.sticky.partition(record.topic, partitions);
      const filled = (stickyBytes.get(record.topic) ?? 0) + p.size;
      if (filled >= this.batchSize) {
        this.sticky.onBatchComplete(record.topic, chosen, partitions);
        stickyBytes.set(record.topic, 0);
      } else {
        stickyBytes.set(record.topic, filled);
      }
      return chosen;
    });
    return { chosen, counts };
  }

  private async transmit(batch: Pending[]): Promise<void> {
    const { chosen, counts } = await this.choosePartitions(batch);
    const ready: { p: Pending; partition: number }[] = [];
    batch.forEach((p, i) => {
      const c = chosen[i]!;
      if (c instanceof KafkaError) this.reject(p.waiter, c);
      else ready.push({ p, partition: c });
    });
    // The request completes a batch on each sticky partition it used: the next records move on.
    for (const [topic, count] of counts) {
      if (typeof count === 'number' && ready.some((r) => r.p.key === null && r.p.record.partition === undefined && r.p.record.topic === topic)) {
        this.sticky.onBatchComplete(topic, this.sticky.partition(topic, count), count);
      }
    }
    if (ready.length === 0) return;
    const messages: MessageToProduce[] = ready.map(({ p, partition }) => ({
      topic: p.record.topic,
      partition,
      key: p.key ?? undefined,
      value: p.value ?? undefined,
      // Buffer keys keep repeated header names apart; the library writes a null value as null.
      headers: new Map<Buffer, Buffer>(p.headers.map((h) => [Buffer.from(h.key), h.value as Buffer])),
      timestamp: BigInt(p.timestamp),
    }));
    let offsets: { topic: string; partition: number; offset: bigint }[] | undefined;
    try {
      let result: ProduceResult;
      if (this.txn !== null) result = await this.txn.send(messages);
      else result = await this.lib.send({ messages, ...(this.idempotent ? {} : { acks: this.acks }) });
      offsets = result.offsets;
    } catch (err) {
      const error = toKafkaError(err, `Producing ${messages.length} record(s)`);
      if (FATAL_CODES.has(error.code)) this.fatal = error;
      this.txn?.sendFailed(error);
      for (const { p } of ready) this.reject(p.waiter, error);
      return;
    }
    const base = new Map<string, number>();
    for (const o of offsets ?? []) base.set(`${o.topic}\u0000${o.partition}`, Number(o.offset));
    const next = new Map<string, number>();
    for (const { p, partition } of ready) {
      const k = `${p.record.topic}\u0000${partition}`;
      const b = base.get(k);
      const i = next.get(k) ?? 0;
      next.set(k, i + 1);
      this.settle(p, { topic: p.record.topic, partition, offset: b === undefined || b < 0 ? -1 : b + i, timestamp: p.timestamp });
    }
  }

  private settle(p: Pending, meta: RecordMetadata): void {
    const w = p.waiter;
    w.results[p.slot] = meta;
    w.remaining--;
    if (w.remaining === 0 && !w.failed) w.resolve(w.single ? w.results[0]! : w.results);
  }

  private reject(w: Waiter, err: Error): void {
    if (w.failed) return;
    w.failed = true;
    w.reject(err);
  }

  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (this.pending.length > 0 || this.sending !== null) {
        if (this.sending === null) this.kick();
        await this.sending;
      }
    } finally {
      this.flushing--;
    }
  }

  // ------------------------------------------------------------ transactions

  private requireTxn(): RemoteTransaction {
    if (this.txn === null) throw new KafkaError('INVALID_TXN_STATE', 'This producer has no transactionalId: transactions need one.');
    return this.txn;
  }

  private failFatal(err: unknown): never {
    const error = toKafkaError(err, 'The transaction');
    if (FATAL_CODES.has(error.code)) {
      this.fatal = error;
      this.txn?.setFatal();
    }
    throw error;
  }

  async initTransactions(): Promise<void> {
    this.check();
    await this.requireTxn().init();
  }

  beginTransaction(): void {
    this.check();
    this.requireTxn().begin();
  }

  async sendOffsetsToTransaction(offsets: OffsetAndMetadata[], group: GroupMetadata | string): Promise<void> {
    this.check();
    const txn = this.requireTxn();
    txn.checkOpen('sendOffsetsToTransaction');
    const meta: GroupMetadata = typeof group === 'string' ? { groupId: group, generationId: -1, memberId: '', groupInstanceId: null } : group;
    const id = this.config.transactionalId!;
    try {
      await txn.ready();
      const producerId = this.lib.producerId!;
      const producerEpoch = this.lib.producerEpoch!;
      const addOffsets = await this.wire.api<AddOffsetsToTxnResponse>('AddOffsetsToTxn');
      await this.retryConcurrent(
        () => this.wire.withCoordinator('transaction', id, `Adding group '${meta.groupId}' to transaction '${id}'`, (c) => this.wire.request(addOffsets, c, [id, producerId, producerEpoch, meta.groupId], 'AddOffsetsToTxn'), (r) => r.errorCode),
        (r) => r.errorCode,
      );
      txn.offsetsAdded();
      const commit = await this.wire.api<TxnOffsetCommitResponse>('TxnOffsetCommit');
      const topics = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string }[]>();
      for (const o of offsets) {
        let list = topics.get(o.topic);
        if (!list) topics.set(o.topic, (list = []));
        list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' });
      }
      const args = [id, meta.groupId, producerId, producerEpoch, meta.generationId, meta.memberId, meta.groupInstanceId, [...topics].map(([name, partitions]) => ({ name, partitions }))];
      const firstError = (r: TxnOffsetCommitResponse): number => r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode ?? 0;
      await this.retryConcurrent(
        () => this.wire.withCoordinator('group', meta.groupId, `Committing offsets of group '${meta.groupId}' in transaction '${id}'`, (c) => this.wire.request(commit, c, args, 'TxnOffsetCommit'), firstError),
        firstError,
      );
    } catch (err) {
      txn.sendFailed(toKafkaError(err, 'sendOffsetsToTransaction'));
      this.failFatal(err);
    }
  }

  /**
   * Runs `call` again while the coordinator is still finishing the previous transaction
   * (CONCURRENT_TRANSACTIONS); any other error code in the answer is thrown.
   */
  private async retryConcurrent<T>(call: () => Promise<T>, codeOf: (result: T) => number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const res = await call();
      const code = codeOf(res);
      if (code === 0) return res;
      const name = kafkaErrorName(code);
      if (name !== 'CONCURRENT_TRANSACTIONS' || attempt >= 20) throw new KafkaError(name, `The transaction answered ${name} (${code}).`);
      await new Promise((r) => setTimeout(r, 20 * Math.min(10, attempt + 1)));
    }
  }

  async commitTransaction(): Promise<void> {
    this.check();
    const txn = this.requireTxn();
    txn.startCompleting('commit');
    try {
      await this.flush();
      await txn.commit();
    } catch (err) {
      txn.completionFailed();
      this.failFatal(err);
    }
  }

  async abortTransaction(): Promise<void> {
    this.check();
    const txn = this.requireTxn();
    txn.startCompleting('abort');
    // Unsent records die with the transaction.
    const aborted = new KafkaError('INVALID_TXN_STATE', 'The transaction was aborted before this record was sent.');
    for (const p of this.pending.splice(0)) this.reject(p.waiter, aborted);
    this.pendingBytes = 0;
    await this.sending;
    try {
      await txn.abort();
    } catch (err) {
      this.failFatal(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.fatal === null) await this.flush();
    } finally {
      this.closed = true;
      await this.wire.close();
    }
  }
}

function zstdAvailable(): boolean {
  return typeof (zlib as unknown as Record<string, unknown>).zstdCompressSync === 'function';
}
