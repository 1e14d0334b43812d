/**
 * The transaction coordinator: Kafka's transaction protocol on one node.
 *
 * A transactional.id maps to a producer id and an epoch; InitProducerId bumps the epoch, which
 * fences any older producer with the same transactional.id (and aborts its open transaction).
 * AddPartitionsToTxn / AddOffsetsToTxn record which partitions the transaction touches; EndTxn
 * moves it to PrepareCommit/PrepareAbort, writes a COMMIT or ABORT marker into each of those
 * partitions (including the group's `__consumer_offsets` partition for offsets sent with the
 * transaction), then to CompleteCommit/CompleteAbort. Every state change is written to the
 * compacted `__transaction_state` topic first, so a restart finishes what was prepared.
 * Transactions open longer than their timeout are aborted (and their producer fenced).
 */
import { KafkaError, type KafkaErrorCode } from '../errors.js';
import { ATTRIBUTES, BASE_OFFSET, LAST_OFFSET_DELTA, PRODUCER_EPOCH, PRODUCER_ID, decodeRecords, forEachBatch, isControl, isTransactional, readInt64 } from '../log/record-batch.js';
import type { Broker } from './broker.js';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue, partitionForId, type TxnState } from './internal-records.js';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from './topic-names.js';
import { tpKey, type TopicPartition } from '../types.js';

interface TxnMetadata {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  partitions: Map<string, TopicPartition>;
  lastUpdateTimestamp: number;
  startTimestamp: number;
  /** Serialises this transactional id's operations. */
  queue: Promise<unknown>;
}

const MAX_EPOCH = 32767;

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

export class TransactionCoordinator {
  private readonly txns = new Map<string, TxnMetadata>();
  private readonly byProducerId = new Map<number, TxnMetadata>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly broker: Broker) {}

  private get now(): number {
    return this.broker.now;
  }

  partitionFor(transactionalId: string): number {
    return partitionForId(transactionalId, this.broker.options.transactionStateTopicPartitions);
  }

  /** Replays `__transaction_state`, then finishes transactions that were prepared but not completed. */
  async load(): Promise<void> {
    if (!this.broker.topics.has(TRANSACTION_STATE_TOPIC)) return;
    for (const log of this.broker.topics.logsOf(TRANSACTION_STATE_TOPIC)) {
      let offset = log.logStartOffset;
      while (offset < log.highWatermark) {
        const { records } = log.read(offset, 4 << 20);
        if (records.length === 0) break;
        forEachBatch(records, (pos) => {
          offset = Math.max(offset, readInt64(records, pos + BASE_OFFSET) + records.readInt32BE(pos + LAST_OFFSET_DELTA) + 1);
          if (isControl(records.readInt16BE(pos + ATTRIBUTES))) return;
          for (const r of decodeRecords(records, pos)) {
            if (!r.key) continue;
            const id = decodeTxnKey(r.key);
            if (r.value === null) {
              this.forget(id);
              continue;
            }
            const v = decodeTxnValue(r.value);
            this.put({
              transactionalId: id,
              producerId: v.producerId,
              producerEpoch: v.producerEpoch,
              timeoutMs: v.timeoutMs,
              state: v.state,
              partitions: new Map(v.partitions.map((tp) => [tpKey(tp.topic, tp.partition), tp])),
              lastUpdateTimestamp: v.lastUpdateTimestamp,
              startTimestamp: v.startTimestamp,
              queue: Promise.resolve(),
            });
          }
        });
      }
    }
    for (const txn of this.txns.values()) {
      if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') {
        this.broker.logger.info(`Completing transaction ${txn.transactionalId} prepared before the restart`, { state: txn.state });
        await this.writeMarkersAndComplete(txn, txn.state === 'PrepareCommit');
      }
    }
  }

  private put(txn: TxnMetadata): void {
    const old = this.txns.get(txn.transactionalId);
    if (old) this.byProducerId.delete(old.producerId);
    this.txns.set(txn.transactionalId, txn);
    this.byProducerId.set(txn.producerId, txn);
  }

  private forget(transactionalId: string): void {
    const old = this.txns.get(transactionalId);
    if (!old) return;
    this.txns.delete(transactionalId);
    this.byProducerId.delete(old.producerId);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.abortTimedOut().catch((err: unknown) => this.broker.logger.error('Aborting timed-out transactions failed', { error: String(err) }));
    }, this.broker.options.transactionAbortCheckIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private serialize<T>(txn: TxnMetadata, op: () => Promise<T>): Promise<T> {
    const next = txn.queue.then(op, op);
    txn.queue = next.catch(() => undefined);
    return next;
  }

  private async persist(txn: TxnMetadata): Promise<void> {
    txn.lastUpdateTimestamp = this.now;
    this.broker.ensureInternalTopic(TRANSACTION_STATE_TOPIC);
    const value = encodeTxnValue({
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      timeoutMs: txn.timeoutMs,
      state: txn.state,
      partitions: [...txn.partitions.values()],
      lastUpdateTimestamp: txn.lastUpdateTimestamp,
      startTimestamp: txn.startTimestamp,
    });
    this.broker.appendInternal(TRANSACTION_STATE_TOPIC, this.partitionFor(txn.transactionalId), [{ key: encodeTxnKey(txn.transactionalId), value, timestamp: this.now }]);
    await this.broker.whenWritten();
  }

  /**
   * InitProducerId. Without a transactional id: a fresh producer id for an idempotent producer.
   * With one: the id's producer id with a bumped epoch, fencing older producers and aborting
   * their open transaction first.
   */
  async initProducerId(transactionalId: string | null, transactionTimeoutMs: number): Promise<ProducerIdAndEpoch> {
    if (transactionalId === null || transactionalId === '') {
      if (transactionalId === '') throw new KafkaError('INVALID_REQUEST', 'transactional.id must not be empty.');
      return { producerId: this.broker.producerIds.allocate(), producerEpoch: 0 };
    }
    if (transactionTimeoutMs <= 0 || transactionTimeoutMs > this.broker.options.transactionMaxTimeoutMs) {
      throw new KafkaError('INVALID_TRANSACTION_TIMEOUT', `transaction.timeout.ms=${transactionTimeoutMs} must be between 1 and the broker's transaction.max.timeout.ms=${this.broker.options.transactionMaxTimeoutMs}.`);
    }
    let txn = this.txns.get(transactionalId);
    if (!txn) {
      txn = {
        transactionalId,
        producerId: this.broker.producerIds.allocate(),
        producerEpoch: -1,
        timeoutMs: transactionTimeoutMs,
        state: 'Empty',
        partitions: new Map(),
        lastUpdateTimestamp: this.now,
        startTimestamp: -1,
        queue: Promise.resolve(),
      };
      this.put(txn);
    }
    const t = txn;
    return this.serialize(t, async () => {
      if (t.state === 'Ongoing') {
        // A new incarnation of the producer: abort the old one's transaction under a new epoch.
        this.bumpEpoch(t);
        await this.completeTransaction(t, false);
      } else if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') {
        await this.writeMarkersAndComplete(t, t.state === 'PrepareCommit');
      }
      this.bumpEpoch(t);
      t.timeoutMs = transactionTimeoutMs;
      t.state = 'Empty';
      t.partitions = new Map();
      t.startTimestamp = -1;
      await this.persist(t);
      return { producerId: t.producerId, producerEpoch: t.producerEpoch };
    });
  }

  private bumpEpoch(txn: TxnMetadata): void {
    if (txn.producerEpoch >= MAX_EPOCH - 1) {
      this.byProducerId.delete(txn.producerId);
      txn.producerId = this.broker.producerIds.allocate();
      txn.producerEpoch = 0;
      this.byProducerId.set(txn.producerId, txn);
    } else {
      txn.producerEpoch++;
    }
  }

  /** The transaction of a producer, checking its id and epoch. */
  private validate(transactionalId: string, producerId: number, producerEpoch: number): TxnMetadata {
    const txn = this.txns.get(transactionalId);
    if (!txn || txn.producerId !== producerId) {
      throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `Producer id ${producerId} does not belong to transactional.id '${transactionalId}': call initTransactions() first.`);
    }
    if (producerEpoch < txn.producerEpoch) {
      throw new KafkaError('PRODUCER_FENCED', `Producer with transactional.id '${transactionalId}' and epoch ${producerEpoch} was fenced by a newer instance (epoch ${txn.producerEpoch}), or its transaction timed out. Close this producer.`);
    }
    if (producerEpoch > txn.producerEpoch) {
      throw new KafkaError('INVALID_PRODUCER_EPOCH', `Epoch ${producerEpoch} of transactional.id '${transactionalId}' is newer than the coordinator's ${txn.producerEpoch}.`);
    }
    return txn;
  }

  private beginIfNeeded(txn: TxnMetadata): void {
    if (txn.state === 'Empty' || txn.state === 'CompleteCommit' || txn.state === 'CompleteAbort') {
      txn.state = 'Ongoing';
      txn.partitions = new Map();
      txn.startTimestamp = this.now;
    } else if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') {
      throw new KafkaError('CONCURRENT_TRANSACTIONS', `Transaction '${txn.transactionalId}' is still completing; retry.`);
    } else if (txn.state !== 'Ongoing') {
      throw new KafkaError('INVALID_TXN_STATE', `Transaction '${txn.transactionalId}' is ${txn.state}.`);
    }
  }

  /** AddPartitionsToTxn. */
  addPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartition[]): Promise<void> {
    const txn = this.validate(transactionalId, producerId, producerEpoch);
    for (const tp of partitions) this.broker.topics.log(tp.topic, tp.partition);
    return this.serialize(txn, async () => {
      this.validate(transactionalId, producerId, producerEpoch);
      let changed = txn.state !== 'Ongoing';
      this.beginIfNeeded(txn);
      for (const tp of partitions) {
        const key = tpKey(tp.topic, tp.partition);
        if (txn.partitions.has(key)) continue;
        txn.partitions.set(key, { topic: tp.topic, partition: tp.partition });
        changed = true;
      }
      if (changed) await this.persist(txn);
    });
  }

  /** AddOffsetsToTxn: the group's `__consumer_offsets` partition joins the transaction. */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): Promise<void> {
    this.broker.ensureInternalTopic(OFFSETS_TOPIC);
    return this.addPartitionsInternal(transactionalId, producerId, producerEpoch, { topic: OFFSETS_TOPIC, partition: this.broker.groups.offsets.partitionFor(groupId) });
  }

  private addPartitionsInternal(transactionalId: string, producerId: number, producerEpoch: number, tp: TopicPartition): Promise<void> {
    const txn = this.validate(transactionalId, producerId, producerEpoch);
    return this.serialize(txn, async () => {
      this.validate(transactionalId, producerId, producerEpoch);
      this.beginIfNeeded(txn);
      txn.partitions.set(tpKey(tp.topic, tp.partition), tp);
      await this.persist(txn);
    });
  }

  /** EndTxn: commit or abort. Retrying a completed end with the same outcome succeeds. */
  endTxn(transactionalId: string, producerId: number, producerEpoch: number, commit: boolean): Promise<void> {
    const txn = this.validate(transactionalId, producerId, producerEpoch);
    return this.serialize(txn, async () => {
      this.validate(transactionalId, producerId, producerEpoch);
      if ((txn.state === 'CompleteCommit' && commit) || (txn.state === 'CompleteAbort' && !commit)) return;
      if (txn.state !== 'Ongoing') {
        throw new KafkaError('INVALID_TXN_STATE', `Cannot ${commit ? 'commit' : 'abort'} transaction '${transactionalId}': it is ${txn.state}${txn.state === 'Empty' ? ' (nothing was sent in it)' : ''}.`);
      }
      await this.completeTransaction(txn, commit);
    });
  }

  private async completeTransaction(txn: TxnMetadata, commit: boolean): Promise<void> {
    txn.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    await this.persist(txn);
    await this.writeMarkersAndComplete(txn, commit);
  }

  private async writeMarkersAndComplete(txn: TxnMetadata, commit: boolean): Promise<void> {
    for (const tp of txn.partitions.values()) {
      try {
        this.broker.appendMarker(tp.topic, tp.partition, commit ? 'COMMIT' : 'ABORT', txn.producerId, txn.producerEpoch);
      } catch (err) {
        // A partition that was deleted meanwhile has nothing left to mark.
        if (!(err instanceof KafkaError && err.code === 'NOT_LEADER_OR_FOLLOWER')) throw err;
      }
      if (tp.topic === OFFSETS_TOPIC) this.broker.groups.offsets.completeTransaction(tp.partition, txn.producerId, commit);
    }
    await this.broker.whenWritten();
    txn.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    txn.partitions = new Map();
    await this.persist(txn);
    this.broker.logger.debug(`Transaction ${txn.transactionalId} ${commit ? 'committed' : 'aborted'}`, { producerId: txn.producerId, epoch: txn.producerEpoch });
  }

  /** Aborts transactions open past their timeout, bumping the epoch so the producer is fenced. */
  async abortTimedOut(): Promise<number> {
    const now = this.now;
    let aborted = 0;
    for (const txn of [...this.txns.values()]) {
      if (txn.state !== 'Ongoing' || now - txn.startTimestamp <= txn.timeoutMs) continue;
      await this.serialize(txn, async () => {
        if (txn.state !== 'Ongoing') return;
        this.broker.logger.warn(`Aborting transaction ${txn.transactionalId}: open longer than its timeout of ${txn.timeoutMs} ms`);
        this.bumpEpoch(txn);
        await this.completeTransaction(txn, false);
        aborted++;
      });
    }
    const expiry = this.broker.options.transactionalIdExpirationMs;
    for (const txn of [...this.txns.values()]) {
      if ((txn.state === 'Empty' || txn.state === 'CompleteCommit' || txn.state === 'CompleteAbort') && now - txn.lastUpdateTimestamp > expiry) {
        this.forget(txn.transactionalId);
        this.broker.appendInternal(TRANSACTION_STATE_TOPIC, this.partitionFor(txn.transactionalId), [{ key: encodeTxnKey(txn.transactionalId), value: null, timestamp: now }]);
      }
    }
    return aborted;
  }

  /**
   * Produce-time check for transactional batches: the producer must hold the current epoch and
   * have added the partition to its open transaction.
   */
  checkTransactionalAppend(records: Buffer, topic: string, partition: number): void {
    if (records.length < 61 || !isTransactional(records.readInt16BE(ATTRIBUTES))) return;
    const producerId = readInt64(records, PRODUCER_ID);
    const epoch = records.readInt16BE(PRODUCER_EPOCH);
    const txn = this.byProducerId.get(producerId);
    if (!txn) throw new KafkaError('INVALID_TXN_STATE', `Transactional batch for ${topic}-${partition} from producer ${producerId}, which has no transaction: call initTransactions() and beginTransaction() first.`);
    if (epoch < txn.producerEpoch) {
      throw new KafkaError('INVALID_PRODUCER_EPOCH', `Producer ${producerId} (transactional.id '${txn.transactionalId}') wrote with epoch ${epoch}, but epoch ${txn.producerEpoch} is current: it was fenced. Close it.`);
    }
    if (txn.state !== 'Ongoing' || !txn.partitions.has(tpKey(topic, partition))) {
      throw new KafkaError('INVALID_TXN_STATE', `Partition ${topic}-${partition} is not part of the open transaction of '${txn.transactionalId}': add it (AddPartitionsToTxn) before producing to it.`);
    }
  }

  /** TxnOffsetCommit's check: the group's offsets partition must be in the producer's open transaction. */
  checkOffsetsInTransaction(transactionalId: string, producerId: number, producerEpoch: number, groupId: string): KafkaErrorCode | null {
    try {
      const txn = this.validate(transactionalId, producerId, producerEpoch);
      if (txn.state !== 'Ongoing' || !txn.partitions.has(tpKey(OFFSETS_TOPIC, this.broker.groups.offsets.partitionFor(groupId)))) return 'INVALID_TXN_STATE';
      return null;
    } catch (err) {
      return err instanceof KafkaError ? err.code : 'UNKNOWN_SERVER_ERROR';
    }
  }

  /** For DescribeTransactions-style tooling and tests. */
  describe(transactionalId: string): { state: TxnState; producerId: number; producerEpoch: number; partitions: TopicPartition[] } | undefined {
    const t = this.txns.get(transactionalId);
    return t && { state: t.state, producerId: t.producerId, producerEpoch: t.producerEpoch, partitions: [...t.partitions.values()] };
  }

  list(): { transactionalId: string; state: TxnState; producerId: number }[] {
    return [...this.txns.values()].map((t) => ({ transactionalId: t.transactionalId, state: t.state, producerId: t.producerId }));
  }
}
