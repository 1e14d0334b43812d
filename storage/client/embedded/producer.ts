/**
 * The in-process producer: Kafka's producer on the embedded broker. Records accumulate per
 * partition into RecordBatch v2 batches (linger.ms, batch.size), are encoded once and appended
 * through the same path as wire producers' batches; acknowledgements resolve when the broker has
 * written them. Idempotent by default (producer id, epoch, per-partition sequences) and
 * transactional with a transactional.id.
 */
import { KafkaError } from '../../errors.js';
import type { Broker } from '../../broker/broker.js';
import { partitionForKey, StickyPartitioner } from '../../broker/partitioner.js';
import { Codec, codecOf } from '../../log/compression.js';
import { BATCH_HEADER_SIZE, RecordBatchBuilder } from '../../log/record-batch.js';
import type { RecordHeader } from '../../types.js';
import { tpKey } from '../../types.js';
import type { GroupMetadata, OffsetAndMetadata, Producer, ProducerConfig, ProducerRecord, RecordMetadata } from '../types.js';
import { toBuffer, toHeaders } from '../convert.js';

/** One send() or sendBatch() call: resolved when all its records are acknowledged. */
interface Waiter {
  results: RecordMetadata[];
  remaining: number;
  single: boolean;
  failed: boolean;
  resolve(value: RecordMetadata | RecordMetadata[]): void;
  reject(err: Error): void;
}

/**
 * Kafka's producer callback (`send(record, callback)`): told once, when the record is
 * acknowledged or has failed. Cheaper than send()'s promise for callers sending record by record.
 */
export interface SendCallback {
  onCompletion(error: Error | null, metadata: RecordMetadata | null): void;
}

/**
 * Consecutive records of a batch from one call, at consecutive slots of its results; or one
 * record sent with a callback.
 */
interface Run {
  waiter: Waiter | null;
  callback: SendCallback | null;
  firstSlot: number;
  count: number;
}

interface PendingBatch {
  topic: string;
  partition: number;
  builder: RecordBatchBuilder;
  runs: Run[];
  timestamps: number[];
  createdAt: number;
}

class Metadata implements RecordMetadata {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
  ) {}
}



type TxnState = 'none' | 'uninitialized' | 'ready' | 'in-transaction' | 'completing' | 'fatal';

const FATAL_CODES = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_ID_MAPPING']);

export class EmbeddedProducer implements Producer {
  private readonly batches = new Map<string, (PendingBatch | undefined)[]>();
  private readonly sticky = new StickyPartitioner();
  private readonly sequences = new Map<string, number>();
  private readonly partitionCounts = new Map<string, number>();
  private partitionCountsVersion = -1;
  /** Per-partition chains for appends that must wait (the partition joining a transaction). */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly codec: Codec;
  private readonly acks: number;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxRequestSize: number;
  private readonly idempotent: boolean;
  private producerId = -1;
  private producerEpoch = -1;
  private lingerTimer: NodeJS.Timeout | null = null;
  private txnState: TxnState;
  private txnPartitions = new Set<string>();
  private txnError: Error | null = null;
  private fatal: Error | null = null;
  private closed = false;

  constructor(
    private readonly broker: Broker,
    private readonly config: ProducerConfig = {},
  ) {
    this.codec = config.compression ? codecOf(config.compression) : Codec.None;
    const acks = config.acks ?? 'all';
    this.acks = acks === 'all' ? -1 : acks;
    this.lingerMs = config.lingerMs ?? 5;
    this.batchSize = Math.max(config.batchSize ?? 16384, BATCH_HEADER_SIZE + 1);
    this.maxRequestSize = config.maxRequestSize ?? 1_048_576;
    this.idempotent = config.transactionalId !== undefined || (config.idempotent ?? true);
    if (this.idempotent && this.acks !== -1) {
      throw new KafkaError('INVALID_CONFIG', 'An idempotent producer needs acks=all: set acks to all, or idempotent to false.');
    }
    this.txnState = config.transactionalId !== undefined ? 'uninitialized' : 'none';
    if (this.idempotent && config.transactionalId === undefined) {
      this.producerId = broker.producerIds.allocate();
      this.producerEpoch = 0;
    }
  }

  private check(): void {
    if (this.closed) throw new KafkaError('INVALID_REQUEST', 'The producer is closed.');
    if (this.fatal) throw this.fatal;
  }

  async partitionsFor(topic: string): Promise<number> {
    return this.broker.partitionsFor(topic);
  }

  private checkSendable(): void {
    this.check();
    if (this.txnState === 'uninitialized') throw new KafkaError('INVALID_TXN_STATE', 'A transactional producer must call initTransactions() before sending.');
    if (this.txnState === 'ready' || this.txnState === 'completing') {
      throw new KafkaError('INVALID_TXN_STATE', 'A transactional producer sends inside a transaction: call beginTransaction() first.');
    }
  }

  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise<RecordMetadata | RecordMetadata[]>((resolve, reject) => {
      this.checkSendable();
      this.enqueue(record, { results: [], remaining: 1, single: true, failed: false, resolve, reject }, null, 0, Date.now());
    }) as Promise<RecordMetadata>;
  }

  /**
   * Sends a record and tells `callback` of its acknowledgement or failure (always
   * asynchronously, as send()'s promise would settle), without a promise per record.
   */
  sendWithCallback(record: ProducerRecord, callback: SendCallback): void {
    try {
      this.checkSendable();
      this.enqueue(record, null, callback, 0, Date.now());
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      queueMicrotask(() => this.complete(callback, error, null));
    }
  }

  /** Sends records under one acknowledgement: cheaper than a send() per record. */
  sendBatch(records: ProducerRecord[]): Promise<RecordMetadata[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise<RecordMetadata | RecordMetadata[]>((resolve, reject) => {
      this.checkSendable();
      const waiter: Waiter = { results: new Array<RecordMetadata>(records.length), remaining: records.length, single: false, failed: false, resolve, reject };
      const now = Date.now();
      for (let i = 0; i < records.length; i++) {
        try {
          this.enqueue(records[i]!, waiter, null, i, now);
        } catch (err) {
          // Records already queued still go out; the call fails.
          waiter.failed = true;
          reject(err as Error);
          return;
        }
      }
    }) as Promise<RecordMetadata[]>;
  }

  private partitionCount(topic: string): number {
    const version = this.broker.topics.version;
    if (version !== this.partitionCountsVersion) {
      this.partitionCounts.clear();
      this.partitionCountsVersion = version;
    }
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      count = this.broker.partitionsFor(topic);
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  private choosePartition(record: ProducerRecord, key: Buffer | null, partitions: number): number {
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= partitions) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${record.partition} of topic '${record.topic}' does not exist (it has ${partitions}).`);
      }
      return record.partition;
    }
    if (this.config.partitioner) return this.config.partitioner(record, partitions);
    if (key !== null) return partitionForKey(key, partitions);
    return this.sticky.partition(record.topic, partitions);
  }

  private enqueue(record: ProducerRecord, waiter: Waiter | null, callback: SendCallback | null, slot: number, now: number): void {
    const partitions = this.partitionCount(record.topic);
    const key = record.key === undefined ? null : toBuffer(record.key);
    const value = toBuffer(record.value);
    const headers: RecordHeader[] | undefined = record.headers === undefined ? undefined : toHeaders(record.headers);
    const timestamp = record.timestamp ?? now;
    const partition = this.choosePartition(record, key, partitions);
    const size = (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
    if (size > this.maxRequestSize) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `A ${size}-byte record is larger than max.request.size=${this.maxRequestSize}: send smaller records or raise maxRequestSize (and the topic's max.message.bytes).`);
    }
    let list = this.batches.get(record.topic);
    if (list === undefined) {
      list = [];
      this.batches.set(record.topic, list);
    }
    let batch = list[partition];
    if (batch !== undefined && !batch.builder.tryAppendParts(key, value, headers, timestamp)) {
      this.drain(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = {
        topic: record.topic,
        partition,
        builder: new RecordBatchBuilder({ sizeLimit: this.batchSize }, this.batchSize + 512),
        runs: [],
        timestamps: [],
        createdAt: now,
      };
      list[partition] = batch;
      batch.builder.tryAppendParts(key, value, headers, timestamp);
      this.scheduleLinger();
    }
    const last = batch.runs[batch.runs.length - 1];
    if (waiter !== null && last !== undefined && last.waiter === waiter && last.firstSlot + last.count === slot) last.count++;
    else batch.runs.push({ waiter, callback, firstSlot: slot, count: 1 });
    batch.timestamps.push(timestamp);
    if (batch.builder.sizeInBytes >= this.batchSize) this.drain(batch);
  }

  private scheduleLinger(): void {
    if (this.lingerTimer !== null) return;
    const fire = (): void => {
      this.lingerTimer = null;
      const now = Date.now();
      let oldest = Infinity;
      for (const list of this.batches.values()) {
        for (const batch of list) {
          if (batch === undefined) continue;
          if (now - batch.createdAt >= this.lingerMs) this.drain(batch);
          else oldest = Math.min(oldest, batch.createdAt);
        }
      }
      if (oldest !== Infinity) {
        this.lingerTimer = setTimeout(fire, Math.max(0, oldest + this.lingerMs - now));
      }
    };
    this.lingerTimer = this.lingerMs <= 0 ? (setImmediate(fire) as unknown as NodeJS.Timeout) : setTimeout(fire, this.lingerMs);
  }

  /** Closes the batch and hands it to the broker. */
  private drain(batch: PendingBatch): void {
    const list = this.batches.get(batch.topic);
    if (list && list[batch.partition] === batch) list[batch.partition] = undefined;
    this.sticky.onBatchComplete(batch.topic, batch.partition, this.broker.topics.has(batch.topic) ? this.broker.topics.partitionCount(batch.topic) : 1);
    const key = tpKey(batch.topic, batch.partition);
    const transactional = this.txnState === 'in-transaction';
    const needsAdd = transactional && !this.txnPartitions.has(key);
    const chain = this.chains.get(key);
    if (needsAdd || chain !== undefined) {
      if (needsAdd) this.txnPartitions.add(key);
      const before = chain ?? Promise.resolve();
      const next = before
        .then(() => (needsAdd ? this.broker.transactions.addPartitions(this.config.transactionalId!, this.producerId, this.producerEpoch, [{ topic: batch.topic, partition: batch.partition }]) : undefined))
        .then(
          () => this.append(batch, key, transactional),
          (err: unknown) => this.fail(batch, err),
        );
      this.chains.set(key, next);
      void next.then(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
      return;
    }
    this.append(batch, key, transactional);
  }

  /** Appends synchronously (so order and sequence numbers hold), then waits for the write. */
  private append(batch: PendingBatch, key: string, transactional: boolean): Promise<void> {
    const count = batch.builder.recordCount;
    const seq = this.idempotent ? (this.sequences.get(key) ?? 0) : -1;
    const opts = this.idempotent ? { producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence: seq, transactional } : {};
    let result;
    try {
      const bytes = batch.builder.build({ compression: this.codec, ...opts });
      result = this.broker.appendNow(batch.topic, batch.partition, bytes, { acks: this.acks });
    } catch (err) {
      this.fail(batch, err);
      return Promise.resolve();
    }
    if (this.idempotent) this.sequences.set(key, (seq + count) % 0x80000000);
    const written = this.acks === 0 ? Promise.resolve() : this.broker.whenWritten();
    const done = written.then(() => {
      const base = this.acks === 0 ? -1 : result.baseOffset;
      const appendTime = result.logAppendTime;
      const { topic, partition, runs, timestamps } = batch;
      let i = 0;
      for (const { waiter: w, callback, firstSlot, count } of runs) {
        if (w === null) {
          this.complete(callback!, null, new Metadata(topic, partition, base < 0 ? -1 : base + i, appendTime >= 0 ? appendTime : timestamps[i]!));
          i++;
          continue;
        }
        const results = w.results;
        for (let k = 0; k < count; k++, i++) {
          results[firstSlot + k] = new Metadata(topic, partition, base < 0 ? -1 : base + i, appendTime >= 0 ? appendTime : timestamps[i]!);
        }
        w.remaining -= count;
        if (w.remaining === 0 && !w.failed) w.resolve(w.single ? results[0]! : results);
      }
    });
    this.track(done);
    return done;
  }

  private fail(batch: PendingBatch, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (error instanceof KafkaError && FATAL_CODES.has(error.code)) this.fatal = error;
    if (this.txnState === 'in-transaction') this.txnError ??= error;
    this.rejectBatch(batch, error);
  }

  private rejectBatch(batch: PendingBatch, error: Error): void {
    for (const { waiter: w, callback } of batch.runs) {
      if (w === null) {
        // As a rejected promise would: the callback hears of it after the current job.
        queueMicrotask(() => this.complete(callback!, error, null));
        continue;
      }
      if (w.failed) continue;
      w.failed = true;
      w.reject(error);
    }
  }

  /** Calls a send callback; what it throws is logged, so the other records still hear of theirs. */
  private complete(callback: SendCallback, error: Error | null, metadata: RecordMetadata | null): void {
    try {
      callback.onCompletion(error, metadata);
    } catch (err) {
      this.broker.logger.warn('A send callback threw', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private drainAll(): void {
    if (this.lingerTimer !== null) {
      clearTimeout(this.lingerTimer);
      clearImmediate(this.lingerTimer as unknown as NodeJS.Immediate);
      this.lingerTimer = null;
    }
    for (const list of this.batches.values()) for (const batch of list) if (batch !== undefined) this.drain(batch);
  }

  async flush(): Promise<void> {
    this.drainAll();
    await Promise.all([...this.chains.values()]);
    await Promise.allSettled([...this.inflight]);
  }

  // ------------------------------------------------------------ transactions

  private requireTransactional(): string {
    const id = this.config.transactionalId;
    if (id === undefined) throw new KafkaError('INVALID_TXN_STATE', 'This producer has no transactionalId: transactions need one.');
    return id;
  }

  async initTransactions(): Promise<void> {
    this.check();
    const id = this.requireTransactional();
    const { producerId, producerEpoch } = await this.broker.transactions.initProducerId(id, this.config.transactionTimeoutMs ?? 60_000);
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.sequences.clear();
    this.txnState = 'ready';
  }

  beginTransaction(): void {
    this.check();
    this.requireTransactional();
    if (this.txnState !== 'ready') {
      throw new KafkaError('INVALID_TXN_STATE', this.txnState === 'uninitialized' ? 'Call initTransactions() before beginTransaction().' : 'A transaction is already open: commit or abort it first.');
    }
    this.txnState = 'in-transaction';
    this.txnPartitions = new Set();
    this.txnError = null;
  }

  private wrapFatal(err: unknown): never {
    if (err instanceof KafkaError && FATAL_CODES.has(err.code)) {
      this.fatal = err;
      this.txnState = 'fatal';
    }
    throw err;
  }

  async sendOffsetsToTransaction(offsets: OffsetAndMetadata[], group: GroupMetadata | string): Promise<void> {
    this.check();
    if (this.txnState !== 'in-transaction') throw new KafkaError('INVALID_TXN_STATE', 'sendOffsetsToTransaction needs an open transaction: call beginTransaction() first.');
    const meta: GroupMetadata = typeof group === 'string' ? { groupId: group, generationId: -1, memberId: '', groupInstanceId: null } : group;
    const id = this.requireTransactional();
    try {
      await this.broker.transactions.addOffsets(id, this.producerId, this.producerEpoch, meta.groupId);
      this.txnPartitions.add('__offsets__');
      const res = await this.broker.groups.offsets.txnCommit({
        transactionalId: id,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        groupId: meta.groupId,
        generationId: meta.generationId,
        memberId: meta.memberId,
        groupInstanceId: meta.groupInstanceId,
        offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', leaderEpoch: o.leaderEpoch ?? -1 })),
      });
      const error = res.error ?? res.partitions.find((p) => p !== null) ?? null;
      if (error) throw new KafkaError(error, `Committing offsets in the transaction failed: ${error}.`);
    } catch (err) {
      this.txnError ??= err as Error;
      this.wrapFatal(err);
    }
  }

  async commitTransaction(): Promise<void> {
    this.check();
    const id = this.requireTransactional();
    if (this.txnState !== 'in-transaction') throw new KafkaError('INVALID_TXN_STATE', 'No transaction is open to commit.');
    this.txnState = 'completing';
    try {
      await this.flush();
      if (this.txnError) {
        throw new KafkaError('INVALID_TXN_STATE', `Cannot commit: a send in this transaction failed (${this.txnError.message}). Abort the transaction.`, { cause: this.txnError });
      }
      if (this.txnPartitions.size > 0) await this.broker.transactions.endTxn(id, this.producerId, this.producerEpoch, true);
      this.txnState = 'ready';
    } catch (err) {
      if (this.txnState === 'completing') this.txnState = 'in-transaction';
      this.wrapFatal(err);
    }
  }

  async abortTransaction(): Promise<void> {
    this.check();
    const id = this.requireTransactional();
    if (this.txnState !== 'in-transaction' && this.txnState !== 'completing') throw new KafkaError('INVALID_TXN_STATE', 'No transaction is open to abort.');
    this.txnState = 'completing';
    // Unsent records die with the transaction.
    const aborted = new KafkaError('INVALID_TXN_STATE', 'The transaction was aborted before this record was sent.');
    for (const list of this.batches.values()) {
      for (const batch of list) if (batch !== undefined) this.rejectBatch(batch, aborted);
    }
    this.batches.clear();
    await Promise.all([...this.chains.values()]).catch(() => undefined);
    await Promise.allSettled([...this.inflight]);
    try {
      if (this.txnPartitions.size > 0) await this.broker.transactions.endTxn(id, this.producerId, this.producerEpoch, false);
      this.txnState = 'ready';
    } catch (err) {
      this.wrapFatal(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }
}
