/**
 * Committed offsets of consumer groups, kept in memory and in the compacted
 * `__consumer_offsets` topic (the partition of a group is Kafka's: abs(hash(groupId)) % count),
 * so they survive restarts. Transactional commits (TxnOffsetCommit) are written inside the
 * producer's transaction and become visible only when its commit marker lands.
 */
import type { KafkaErrorCode } from '../errors.js';
import { decodeRecords, forEachBatch, isControl, isTransactional, readInt64, ATTRIBUTES, BASE_OFFSET, LAST_OFFSET_DELTA, PRODUCER_ID, type RecordInput } from '../log/record-batch.js';
import type { Broker } from './broker.js';
import type { CommittedOffset, Group } from './group.js';
import { Group as GroupClass } from './group.js';
import { decodeOffsetsTopicKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, partitionForId } from './internal-records.js';
import { OFFSETS_TOPIC } from './topic-names.js';
import { tpKey } from '../types.js';

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch?: number;
  metadata?: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 (with memberId '') for a consumer outside group management (assign()). */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  offsets: OffsetCommitEntry[];
}

export interface TxnOffsetCommitRequest extends OffsetCommitRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

export interface CommitResult {
  /** An error for the whole request (membership, generation); per-partition errors otherwise. */
  error: KafkaErrorCode | null;
  partitions: (KafkaErrorCode | null)[];
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  offset: number;
  leaderEpoch: number;
  metadata: string;
  error: KafkaErrorCode | null;
}

function splitKey(key: string): { topic: string; partition: number } {
  const i = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

export class OffsetManager {
  constructor(
    private readonly broker: Broker,
    private readonly groups: Map<string, Group>,
  ) {}

  partitionFor(groupId: string): number {
    return partitionForId(groupId, this.broker.options.offsetsTopicPartitions);
  }

  private group(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (!g) {
      g = new GroupClass(groupId, this.broker.now);
      this.groups.set(groupId, g);
    }
    return g;
  }

  /** Replays `__consumer_offsets`: plain commits apply, transactional ones wait for their marker. */
  async load(): Promise<void> {
    if (!this.broker.topics.has(OFFSETS_TOPIC)) return;
    for (const log of this.broker.topics.logsOf(OFFSETS_TOPIC)) {
      // producer id -> commits of its open transaction in this partition
      const pending = new Map<number, { group: string; key: string; value: CommittedOffset | null }[]>();
      let offset = log.logStartOffset;
      while (offset < log.highWatermark) {
        const { records } = log.read(offset, 4 << 20);
        if (records.length === 0) break;
        forEachBatch(records, (pos) => {
          const attributes = records.readInt16BE(pos + ATTRIBUTES);
          const producerId = readInt64(records, pos + PRODUCER_ID);
          const decoded = decodeRecords(records, pos);
          offset = Math.max(offset, readInt64(records, pos + BASE_OFFSET) + records.readInt32BE(pos + LAST_OFFSET_DELTA) + 1);
          if (isControl(attributes)) {
            const commit = decoded[0]?.key?.readInt16BE(2) === 1;
            for (const c of pending.get(producerId) ?? []) if (commit) this.apply(c.group, c.key, c.value);
            pending.delete(producerId);
            return;
          }
          for (const r of decoded) {
            if (!r.key) continue;
            let key;
            try {
              key = decodeOffsetsTopicKey(r.key);
            } catch (err) {
              this.broker.logger.warn(`Skipping an unreadable record in ${log.name} at offset ${r.offset}`, { error: String(err) });
              continue;
            }
            if (key.kind !== 'offset') continue;
            const value = r.value === null ? null : decodeOffsetValue(r.value);
            const k = tpKey(key.topic, key.partition);
            if (isTransactional(attributes)) {
              const list = pending.get(producerId) ?? [];
              list.push({ group: key.group, key: k, value });
              pending.set(producerId, list);
            } else {
              this.apply(key.group, k, value);
            }
          }
        });
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      // Transactions still open at shutdown: their commits wait for the marker the transaction coordinator writes.
      for (const [producerId, commits] of pending) {
        for (const c of commits) {
          if (c.value === null) continue;
          const g = this.group(c.group);
          const map = g.pendingTxnOffsets.get(producerId) ?? new Map<string, CommittedOffset>();
          map.set(c.key, c.value);
          g.pendingTxnOffsets.set(producerId, map);
        }
      }
    }
  }

  private apply(groupId: string, key: string, value: CommittedOffset | null): void {
    const g = this.group(groupId);
    if (value === null) g.offsets.delete(key);
    else g.offsets.set(key, value);
  }

  private validateMembership(req: OffsetCommitRequest): KafkaErrorCode | null {
    if (!req.groupId) return 'INVALID_GROUP_ID';
    const g = this.groups.get(req.groupId);
    if (!g) return req.generationId < 0 ? null : 'ILLEGAL_GENERATION';
    if (g.state === 'Dead') return 'COORDINATOR_NOT_AVAILABLE';
    if (req.generationId < 0 && g.state === 'Empty') return null;
    if (g.isStaticFenced(req.memberId, req.groupInstanceId)) return 'FENCED_INSTANCE_ID';
    if (!g.members.has(req.memberId)) return 'UNKNOWN_MEMBER_ID';
    if (req.generationId !== g.generationId) return 'ILLEGAL_GENERATION';
    if (g.state === 'CompletingRebalance') return 'REBALANCE_IN_PROGRESS';
    return null;
  }

  private checkPartition(e: OffsetCommitEntry): KafkaErrorCode | null {
    if (!this.broker.topics.has(e.topic) || e.partition < 0 || e.partition >= this.broker.topics.partitionCount(e.topic)) return 'UNKNOWN_TOPIC_OR_PARTITION';
    if (Buffer.byteLength(e.metadata ?? '') > this.broker.options.offsetMetadataMaxBytes) return 'OFFSET_METADATA_TOO_LARGE';
    return null;
  }

  /** OffsetCommit: validates membership, writes the offsets to `__consumer_offsets`, then applies them. */
  async commit(req: OffsetCommitRequest): Promise<CommitResult> {
    const error = this.validateMembership(req);
    if (error) return { error, partitions: req.offsets.map(() => error) };
    const now = this.broker.now;
    const partitions = req.offsets.map((e) => this.checkPartition(e));
    const records: RecordInput[] = [];
    const applied: [string, CommittedOffset][] = [];
    req.offsets.forEach((e, i) => {
      if (partitions[i] !== null) return;
      const value: CommittedOffset = { offset: e.offset, leaderEpoch: e.leaderEpoch ?? -1, metadata: e.metadata ?? '', commitTimestamp: now };
      records.push({ key: encodeOffsetKey({ group: req.groupId, topic: e.topic, partition: e.partition }), value: encodeOffsetValue(value), timestamp: now });
      applied.push([tpKey(e.topic, e.partition), value]);
    });
    if (records.length > 0) {
      this.broker.ensureInternalTopic(OFFSETS_TOPIC);
      this.broker.appendInternal(OFFSETS_TOPIC, this.partitionFor(req.groupId), records);
      await this.broker.whenWritten();
      const g = this.group(req.groupId);
      for (const [k, v] of applied) g.offsets.set(k, v);
    }
    return { error: null, partitions };
  }

  /** TxnOffsetCommit: the offsets join the producer's transaction. */
  async txnCommit(req: TxnOffsetCommitRequest): Promise<CommitResult> {
    const txnError = this.broker.transactions.checkOffsetsInTransaction(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
    if (txnError) return { error: txnError, partitions: req.offsets.map(() => txnError) };
    // Membership is only checked when the producer passed group metadata (TxnOffsetCommit v3+).
    const g = this.groups.get(req.groupId);
    if (req.generationId >= 0 && g && g.state !== 'Empty') {
      const error = this.validateMembership(req);
      if (error) return { error, partitions: req.offsets.map(() => error) };
    }
    const now = this.broker.now;
    const partitions = req.offsets.map((e) => this.checkPartition(e));
    const records: RecordInput[] = [];
    const staged = new Map<string, CommittedOffset>();
    req.offsets.forEach((e, i) => {
      if (partitions[i] !== null) return;
      const value: CommittedOffset = { offset: e.offset, leaderEpoch: e.leaderEpoch ?? -1, metadata: e.metadata ?? '', commitTimestamp: now };
      records.push({ key: encodeOffsetKey({ group: req.groupId, topic: e.topic, partition: e.partition }), value: encodeOffsetValue(value), timestamp: now });
      staged.set(tpKey(e.topic, e.partition), value);
    });
    if (records.length > 0) {
      this.broker.ensureInternalTopic(OFFSETS_TOPIC);
      this.broker.appendInternal(OFFSETS_TOPIC, this.partitionFor(req.groupId), records, { producerId: req.producerId, producerEpoch: req.producerEpoch, transactional: true });
      await this.broker.whenWritten();
      const group = this.group(req.groupId);
      const map = group.pendingTxnOffsets.get(req.producerId) ?? new Map<string, CommittedOffset>();
      for (const [k, v] of staged) map.set(k, v);
      group.pendingTxnOffsets.set(req.producerId, map);
    }
    return { error: null, partitions };
  }

  /** Called after the transaction coordinator wrote its marker into an offsets partition. */
  completeTransaction(offsetsPartition: number, producerId: number, commit: boolean): void {
    for (const g of this.groups.values()) {
      if (this.partitionFor(g.groupId) !== offsetsPartition) continue;
      const pending = g.pendingTxnOffsets.get(producerId);
      if (!pending) continue;
      g.pendingTxnOffsets.delete(producerId);
      if (commit) for (const [k, v] of pending) g.offsets.set(k, v);
    }
  }

  /** OffsetFetch: committed offsets (-1 where none); `requireStable` reports partitions with a pending transactional commit. */
  fetch(groupId: string, partitions: { topic: string; partition: number }[] | null, requireStable = false): FetchedOffset[] {
    const g = this.groups.get(groupId);
    const wanted = partitions ?? (g ? [...g.offsets.keys()].map(splitKey) : []);
    return wanted.map(({ topic, partition }) => {
      const k = tpKey(topic, partition);
      if (requireStable && g) {
        for (const pending of g.pendingTxnOffsets.values()) {
          if (pending.has(k)) return { topic, partition, offset: -1, leaderEpoch: -1, metadata: '', error: 'UNSTABLE_OFFSET_COMMIT' };
        }
      }
      const c = g?.offsets.get(k);
      return { topic, partition, offset: c?.offset ?? -1, leaderEpoch: c?.leaderEpoch ?? -1, metadata: c?.metadata ?? '', error: null };
    });
  }

  private async writeTombstones(groupId: string, keys: string[]): Promise<void> {
    if (keys.length === 0 || !this.broker.topics.has(OFFSETS_TOPIC)) return;
    const now = this.broker.now;
    const records = keys.map((k) => {
      const { topic, partition } = splitKey(k);
      return { key: encodeOffsetKey({ group: groupId, topic, partition }), value: null, timestamp: now };
    });
    this.broker.appendInternal(OFFSETS_TOPIC, this.partitionFor(groupId), records);
    await this.broker.whenWritten();
  }

  async deleteAllOffsets(g: Group): Promise<void> {
    await this.writeTombstones(g.groupId, [...g.offsets.keys()]);
    g.offsets.clear();
  }

  async deleteTopicOffsets(topic: string, partitions: number): Promise<void> {
    for (const g of this.groups.values()) {
      const keys: string[] = [];
      for (let p = 0; p < partitions; p++) if (g.offsets.has(tpKey(topic, p))) keys.push(tpKey(topic, p));
      if (keys.length === 0) continue;
      await this.writeTombstones(g.groupId, keys);
      for (const k of keys) g.offsets.delete(k);
    }
  }

  /** Drops offsets of groups that stayed empty longer than offsets.retention (Kafka 2.1+ semantics). */
  expireOffsets(): void {
    const now = this.broker.now;
    const retention = this.broker.options.offsetsRetentionMs;
    for (const g of [...this.groups.values()]) {
      if (g.state !== 'Empty' || now - g.emptySince < retention) continue;
      const expired = [...g.offsets.entries()].filter(([, v]) => now - v.commitTimestamp >= retention).map(([k]) => k);
      if (expired.length > 0) {
        this.writeTombstones(g.groupId, expired).catch((err: unknown) => this.broker.logger.warn(`Could not expire offsets of group ${g.groupId}`, { error: String(err) }));
        for (const k of expired) g.offsets.delete(k);
      }
      if (g.offsets.size === 0 && g.pendingTxnOffsets.size === 0) this.groups.delete(g.groupId);
    }
  }
}
