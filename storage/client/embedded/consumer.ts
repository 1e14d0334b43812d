/**
 * The in-process consumer: Kafka's consumer on the embedded broker. It is a real member of the
 * classic group protocol (join, sync, heartbeats, client-side assignment with Kafka's assignors
 * and byte formats, eager or cooperative rebalancing, static membership), fetches stored record
 * batches with long polling, checks CRCs, hides aborted transactions under read_committed, and
 * commits offsets to the group coordinator.
 */
import { KafkaError } from '../../errors.js';
import type { Broker } from '../../broker/broker.js';
import type { FetchPartitionRequest } from '../../broker/broker.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, flattenTopicPartitions, groupByTopic } from '../../broker/consumer-protocol.js';
import { subscriptionFromProtocol, type PartitionAssignor, type Subscription } from '../../broker/assignors/partition-assignor.js';
import { createAssignors, resolveConsumerConfig, type ResolvedConsumerConfig } from '../consumer-config.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, tpKey, type TopicPartition } from '../../types.js';
import type { Consumer, ConsumerConfig, ConsumerRecord, GroupMetadata, OffsetAndMetadata, RebalanceListener } from '../types.js';
import { decodeFetchedRecords } from '../fetch-decoder.js';

interface PartitionState {
  topic: string;
  partition: number;
  /** The offset of the next record poll() returns; null until resolved (committed offset or reset). */
  position: number | null;
  /** Where the next fetch starts (past everything buffered). */
  fetchOffset: number;
  buffered: ConsumerRecord[];
  paused: boolean;
  /** The end of the partition (HW, or LSO under read_committed) as of the last fetch; -1 unknown. */
  endOffset: number;
}

export class EmbeddedConsumer implements Consumer {
  private readonly cfg: ResolvedConsumerConfig;
  private readonly assignors: PartitionAssignor[];
  private readonly partitions = new Map<string, PartitionState>();
  private mode: 'none' | 'subscribe' | 'assign' = 'none';
  private topics: string[] = [];
  private pattern: RegExp | null = null;
  private listener: RebalanceListener = {};
  private memberId = '';
  private generationId = -1;
  private protocolName: string | null = null;
  /** The partitions of the last completed rebalance (the sticky assignor wants them back). */
  private lastAssignment: TopicPartition[] = [];
  private needsJoin = false;
  /** True while joining: heartbeats pause, as Kafka's do during a rebalance. */
  private rebalancing = false;
  private lostPartitions = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastPollAt = Date.now();
  private nextAutoCommit = 0;
  private patternCheckedAt = 0;
  private closed = false;
  private rr = 0;

  constructor(
    private readonly broker: Broker,
    config: ConsumerConfig = {},
  ) {
    this.cfg = resolveConsumerConfig(config, 'freshet-consumer');
    this.assignors = createAssignors(this.cfg);
  }

  private check(): void {
    if (this.closed) throw new KafkaError('INVALID_REQUEST', 'The consumer is closed.');
  }

  private requireGroup(what: string): string {
    if (this.cfg.groupId === null) throw new KafkaError('INVALID_GROUP_ID', `${what} needs a groupId in the consumer config.`);
    return this.cfg.groupId;
  }

  // ------------------------------------------------------------ subscription and assignment

  subscribe(topics: string[] | RegExp, listener: RebalanceListener = {}): void {
    this.check();
    this.requireGroup('subscribe()');
    if (this.mode === 'assign') throw new KafkaError('INVALID_REQUEST', 'This consumer uses assign(); call unsubscribe() before subscribe().');
    this.mode = 'subscribe';
    this.listener = listener;
    if (topics instanceof RegExp) {
      this.pattern = topics;
      this.topics = this.matchPattern();
    } else {
      this.pattern = null;
      this.topics = [...new Set(topics)].sort();
    }
    this.needsJoin = true;
  }

  private matchPattern(): string[] {
    const re = this.pattern!;
    this.patternCheckedAt = Date.now();
    return this.broker.listTopics(false).filter((t) => {
      re.lastIndex = 0;
      return re.test(t);
    });
  }

  subscription(): string[] {
    return [...this.topics];
  }

  async unsubscribe(): Promise<void> {
    if (this.mode === 'subscribe') await this.leaveGroup(true);
    this.mode = 'none';
    this.topics = [];
    this.pattern = null;
    this.partitions.clear();
  }

  assign(partitions: TopicPartition[]): void {
    this.check();
    if (this.mode === 'subscribe') throw new KafkaError('INVALID_REQUEST', 'This consumer uses subscribe(); call unsubscribe() before assign().');
    this.mode = 'assign';
    const keep = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const k of [...this.partitions.keys()]) if (!keep.has(k)) this.partitions.delete(k);
    for (const tp of partitions) this.addPartition(tp);
  }

  private addPartition(tp: TopicPartition): void {
    const k = tpKey(tp.topic, tp.partition);
    if (!this.partitions.has(k)) this.partitions.set(k, { topic: tp.topic, partition: tp.partition, position: null, fetchOffset: 0, buffered: [], paused: false, endOffset: -1 });
  }

  assignment(): TopicPartition[] {
    return [...this.partitions.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  private state(tp: TopicPartition): PartitionState {
    const s = this.partitions.get(tpKey(tp.topic, tp.partition));
    if (!s) throw new KafkaError('INVALID_REQUEST', `Partition ${tp.topic}-${tp.partition} is not assigned to this consumer.`);
    return s;
  }

  // ------------------------------------------------------------ group membership

  groupMetadata(): GroupMetadata {
    return { groupId: this.cfg.groupId ?? '', generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.cfg.groupInstanceId };
  }

  private get cooperative(): boolean {
    const chosen = this.assignors.find((a) => a.name === this.protocolName);
    return chosen !== undefined && chosen.rebalanceProtocol === 'COOPERATIVE';
  }

  private owned(): TopicPartition[] {
    return this.assignment();
  }

  private async ensureGroup(): Promise<void> {
    if (this.pattern && Date.now() - this.patternCheckedAt > 1000) {
      const now = this.matchPattern();
      if (now.join('\u0000') !== this.topics.join('\u0000')) {
        this.topics = now;
        this.needsJoin = true;
      }
    }
    if (this.lostPartitions) {
      this.lostPartitions = false;
      const lost = this.owned();
      this.partitions.clear();
      if (lost.length > 0) await this.listener.onPartitionsLost?.(lost);
    }
    while (this.needsJoin && !this.closed) {
      this.needsJoin = false;
      this.rebalancing = true;
      try {
        await this.rebalance();
      } finally {
        this.rebalancing = false;
      }
    }
  }

  private async rebalance(): Promise<void> {
    const groupId = this.requireGroup('Group membership');
    const groups = this.broker.groups;
    if (!this.cooperative && this.partitions.size > 0) {
      // Eager protocol: give everything up before rejoining.
      await this.commitBeforeRevoke(this.owned());
      const revoked = this.owned();
      this.partitions.clear();
      await this.listener.onPartitionsRevoked?.(revoked);
    }
    for (;;) {
      if (this.closed) return;
      const owned = this.owned();
      const protocols = this.assignors.map((a) => ({
        name: a.name,
        metadata: encodeSubscription({
          topics: this.topics,
          userData: a.userData?.({ topics: this.topics, previousAssignment: this.lastAssignment, generationId: this.generationId }) ?? null,
          ownedPartitions: groupByTopic(owned),
          generationId: this.generationId,
          rackId: null,
        }),
      }));
      const join = await groups.joinGroup({
        groupId,
        memberId: this.memberId,
        groupInstanceId: this.cfg.groupInstanceId,
        protocolType: 'consumer',
        protocols,
        sessionTimeoutMs: this.cfg.sessionTimeoutMs,
        rebalanceTimeoutMs: this.cfg.maxPollIntervalMs,
        clientId: this.cfg.clientId,
        requireKnownMemberId: true,
      });
      if (join.error === 'MEMBER_ID_REQUIRED') {
        this.memberId = join.memberId;
        continue;
      }
      if (join.error === 'UNKNOWN_MEMBER_ID' || join.error === 'ILLEGAL_GENERATION') {
        this.memberId = '';
        this.generationId = -1;
        continue;
      }
      if (join.error === 'REBALANCE_IN_PROGRESS') continue;
      if (join.error) throw new KafkaError(join.error, `Joining group '${groupId}' failed: ${join.error}.`);
      this.memberId = join.memberId;
      this.generationId = join.generationId;
      this.protocolName = join.protocolName;
      let assignments: Map<string, Buffer> | undefined;
      if (join.leader === this.memberId && !join.skipAssignment) assignments = this.computeAssignment(join.protocolName!, join.members);
      const sync = await groups.syncGroup({ groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.cfg.groupInstanceId, protocolType: 'consumer', protocolName: this.protocolName, assignments });
      if (sync.error === 'REBALANCE_IN_PROGRESS') continue;
      if (sync.error === 'UNKNOWN_MEMBER_ID' || sync.error === 'ILLEGAL_GENERATION') {
        if (sync.error === 'UNKNOWN_MEMBER_ID') this.memberId = '';
        continue;
      }
      if (sync.error) throw new KafkaError(sync.error, `Syncing group '${groupId}' failed: ${sync.error}.`);
      const assigned = sync.assignment.length > 0 ? flattenTopicPartitions(decodeAssignment(sync.assignment).assignedPartitions) : [];
      this.lastAssignment = assigned;
      await this.applyAssignment(assigned);
      this.startHeartbeat();
      return;
    }
  }

  private computeAssignment(protocol: string, members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]): Map<string, Buffer> {
    const assignor = this.assignors.find((a) => a.name === protocol);
    if (!assignor) throw new KafkaError('INCONSISTENT_GROUP_PROTOCOL', `The group chose assignor '${protocol}', which this consumer does not have.`);
    const subscriptions = new Map<string, Subscription>();
    const topics = new Set<string>();
    for (const m of members) {
      const sub = subscriptionFromProtocol(decodeSubscription(m.metadata), m.groupInstanceId);
      subscriptions.set(m.memberId, sub);
      for (const t of sub.topics) topics.add(t);
    }
    const partitionsPerTopic = new Map<string, number>();
    for (const t of topics) if (this.broker.topics.has(t)) partitionsPerTopic.set(t, this.broker.topics.partitionCount(t));
    const result = assignor.assign(partitionsPerTopic, subscriptions);
    const out = new Map<string, Buffer>();
    for (const [memberId, a] of result) out.set(memberId, encodeAssignment({ assignedPartitions: groupByTopic(a.partitions), userData: a.userData }));
    return out;
  }

  private async applyAssignment(assigned: TopicPartition[]): Promise<void> {
    const next = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const current = this.owned();
    const revoked = current.filter((tp) => !next.has(tpKey(tp.topic, tp.partition)));
    const added = assigned.filter((tp) => !this.partitions.has(tpKey(tp.topic, tp.partition)));
    if (revoked.length > 0) {
      await this.commitBeforeRevoke(revoked);
      for (const tp of revoked) this.partitions.delete(tpKey(tp.topic, tp.partition));
      await this.listener.onPartitionsRevoked?.(revoked);
      // Cooperative: what was given up goes to its new owner in a follow-up rebalance.
      if (this.cooperative) this.needsJoin = true;
    }
    for (const tp of added) this.addPartition(tp);
    await this.listener.onPartitionsAssigned?.(added);
  }

  private async commitBeforeRevoke(partitions: TopicPartition[]): Promise<void> {
    if (!this.cfg.enableAutoCommit || partitions.length === 0) return;
    try {
      await this.commitSync(this.positionsOf(partitions));
    } catch (err) {
      this.broker.logger.warn('Committing offsets before giving up partitions failed', { error: String(err) });
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.cfg.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private heartbeat(): void {
    if (this.closed || this.rebalancing || this.mode !== 'subscribe' || this.memberId === '') return;
    if (Date.now() - this.lastPollAt > this.cfg.maxPollIntervalMs) {
      // Kafka's rule: a consumer that stopped polling leaves, so its partitions move on.
      this.broker.logger.warn(`Consumer ${this.memberId} did not poll for max.poll.interval.ms=${this.cfg.maxPollIntervalMs}; leaving group ${this.cfg.groupId}`);
      void this.leaveGroup(false).then(() => {
        this.lostPartitions = true;
        this.needsJoin = true;
      });
      return;
    }
    const error = this.broker.groups.heartbeat({ groupId: this.cfg.groupId!, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.cfg.groupInstanceId });
    if (error === null) return;
    this.needsJoin = true;
    if (error === 'UNKNOWN_MEMBER_ID' || error === 'ILLEGAL_GENERATION' || error === 'FENCED_INSTANCE_ID') {
      if (error === 'UNKNOWN_MEMBER_ID') this.memberId = '';
      this.generationId = -1;
      this.lostPartitions = true;
    }
  }

  private async leaveGroup(revoke: boolean): Promise<void> {
    this.stopHeartbeat();
    if (revoke && this.partitions.size > 0) {
      const owned = this.owned();
      await this.commitBeforeRevoke(owned);
      await this.listener.onPartitionsRevoked?.(owned);
    }
    // A static member keeps its place when it goes away; the session timeout decides.
    if (this.memberId !== '' && this.cfg.groupId !== null && this.cfg.groupInstanceId === null) {
      this.broker.groups.leaveGroup(this.cfg.groupId, [{ memberId: this.memberId, groupInstanceId: null }]);
    }
    this.memberId = '';
    this.generationId = -1;
  }

  // ------------------------------------------------------------ positions

  private async resolvePositions(): Promise<void> {
    const missing = [...this.partitions.values()].filter((p) => p.position === null);
    if (missing.length === 0) return;
    const committed = this.cfg.groupId !== null ? this.broker.groups.offsets.fetch(this.cfg.groupId, missing, this.cfg.isolationLevel === 'read_committed') : [];
    missing.forEach((p, i) => {
      const c = committed[i];
      if (c?.error === 'UNSTABLE_OFFSET_COMMIT') return; // a transaction is committing it; try again next poll
      if (c && c.offset >= 0) this.setPosition(p, c.offset);
      else this.reset(p);
    });
  }

  private setPosition(p: PartitionState, offset: number): void {
    p.position = offset;
    p.fetchOffset = offset;
    p.buffered = [];
  }

  private reset(p: PartitionState): void {
    const policy = this.cfg.autoOffsetReset;
    if (policy === 'none') {
      throw new KafkaError('OFFSET_OUT_OF_RANGE', `No valid offset for ${p.topic}-${p.partition} and auto.offset.reset=none: seek() to an offset first.`);
    }
    this.setPosition(p, this.broker.listOffset(p.topic, p.partition, policy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP, this.cfg.isolationLevel).offset);
  }

  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isInteger(offset) || offset < 0) throw new KafkaError('INVALID_REQUEST', `Cannot seek to offset ${offset}: offsets are whole numbers >= 0.`);
    this.setPosition(this.state(tp), offset);
  }

  seekToBeginning(partitions?: TopicPartition[]): void {
    for (const tp of partitions ?? this.assignment()) {
      const s = this.state(tp);
      this.setPosition(s, this.broker.listOffset(tp.topic, tp.partition, EARLIEST_TIMESTAMP).offset);
    }
  }

  seekToEnd(partitions?: TopicPartition[]): void {
    for (const tp of partitions ?? this.assignment()) {
      const s = this.state(tp);
      this.setPosition(s, this.broker.listOffset(tp.topic, tp.partition, LATEST_TIMESTAMP, this.cfg.isolationLevel).offset);
    }
  }

  async position(tp: TopicPartition): Promise<number> {
    const s = this.state(tp);
    if (s.position === null) await this.resolvePositions();
    if (s.position === null) throw new KafkaError('UNSTABLE_OFFSET_COMMIT', `The committed offset of ${tp.topic}-${tp.partition} is part of an open transaction; try again.`);
    return s.position;
  }

  currentLag(tp: TopicPartition): number | null {
    const s = this.partitions.get(tpKey(tp.topic, tp.partition));
    if (!s || s.position === null || s.endOffset < 0) return null;
    return Math.max(0, s.endOffset - s.position);
  }

  async committed(partitions: TopicPartition[]): Promise<(OffsetAndMetadata | null)[]> {
    const groupId = this.requireGroup('committed()');
    return this.broker.groups.offsets.fetch(groupId, partitions).map((c) => (c.offset < 0 ? null : { topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata, leaderEpoch: c.leaderEpoch }));
  }

  async offsetsForTimes(query: { topic: string; partition: number; timestamp: number }[]): Promise<({ offset: number; timestamp: number } | null)[]> {
    return query.map((q) => {
      const r = this.broker.listOffset(q.topic, q.partition, q.timestamp, this.cfg.isolationLevel);
      return r.offset < 0 ? null : r;
    });
  }

  async beginningOffsets(partitions: TopicPartition[]): Promise<number[]> {
    return partitions.map((tp) => this.broker.listOffset(tp.topic, tp.partition, EARLIEST_TIMESTAMP).offset);
  }

  async endOffsets(partitions: TopicPartition[]): Promise<number[]> {
    return partitions.map((tp) => this.broker.listOffset(tp.topic, tp.partition, LATEST_TIMESTAMP, this.cfg.isolationLevel).offset);
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = false;
  }

  paused(): TopicPartition[] {
    return [...this.partitions.values()].filter((p) => p.paused).map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  // ------------------------------------------------------------ commits

  private positionsOf(partitions: TopicPartition[]): OffsetAndMetadata[] {
    const out: OffsetAndMetadata[] = [];
    for (const tp of partitions) {
      const s = this.partitions.get(tpKey(tp.topic, tp.partition));
      if (s && s.position !== null) out.push({ topic: tp.topic, partition: tp.partition, offset: s.position });
    }
    return out;
  }

  async commitSync(offsets?: OffsetAndMetadata[]): Promise<void> {
    const groupId = this.requireGroup('Committing offsets');
    const list = offsets ?? this.positionsOf(this.assignment());
    if (list.length === 0) return;
    const inGroup = this.mode === 'subscribe';
    const res = await this.broker.groups.offsets.commit({
      groupId,
      generationId: inGroup ? this.generationId : -1,
      memberId: inGroup ? this.memberId : '',
      groupInstanceId: inGroup ? this.cfg.groupInstanceId : null,
      offsets: list.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', leaderEpoch: o.leaderEpoch ?? -1 })),
    });
    if (res.error) {
      if (res.error === 'REBALANCE_IN_PROGRESS' || res.error === 'ILLEGAL_GENERATION' || res.error === 'UNKNOWN_MEMBER_ID') this.needsJoin = true;
      throw new KafkaError(res.error, `Commit failed: ${res.error}. The group rebalanced (or this member was removed) since these records were polled; they may be processed again by the new owner.`);
    }
    const failed = res.partitions.findIndex((p) => p !== null);
    if (failed >= 0) throw new KafkaError(res.partitions[failed]!, `Commit of ${list[failed]!.topic}-${list[failed]!.partition} failed: ${res.partitions[failed]}.`);
  }

  commitAsync(offsets?: OffsetAndMetadata[], callback?: (err: Error | null) => void): void {
    this.commitSync(offsets).then(
      () => callback?.(null),
      (err: Error) => (callback ? callback(err) : this.broker.logger.warn('Asynchronous commit failed', { error: err.message })),
    );
  }

  private async maybeAutoCommit(): Promise<void> {
    if (!this.cfg.enableAutoCommit || this.cfg.groupId === null) return;
    const now = Date.now();
    if (now < this.nextAutoCommit) return;
    this.nextAutoCommit = now + this.cfg.autoCommitIntervalMs;
    try {
      await this.commitSync();
    } catch (err) {
      this.broker.logger.debug('Auto-commit failed', { error: String(err) });
    }
  }

  // ------------------------------------------------------------ poll

  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    this.check();
    this.lastPollAt = Date.now();
    if (this.mode === 'subscribe') await this.ensureGroup();
    await this.maybeAutoCommit();
    await this.resolvePositions();
    const ready = this.drainBuffered();
    if (ready.length > 0) return ready;
    const requests: FetchPartitionRequest[] = [];
    for (const p of this.partitions.values()) {
      if (!p.paused && p.position !== null && p.buffered.length === 0) requests.push({ topic: p.topic, partition: p.partition, offset: p.fetchOffset, maxBytes: this.cfg.maxPartitionFetchBytes });
    }
    if (requests.length === 0) {
      if (timeoutMs > 0) await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 100)));
      return [];
    }
    // Rotate the start so one busy partition does not always fill the response.
    const start = this.rr++ % requests.length;
    const ordered = requests.slice(start).concat(requests.slice(0, start));
    const results = await this.broker.fetch(ordered, {
      maxWaitMs: Math.min(timeoutMs, this.cfg.fetchMaxWaitMs),
      minBytes: this.cfg.fetchMinBytes,
      maxBytes: this.cfg.fetchMaxBytes,
      isolationLevel: this.cfg.isolationLevel,
    });
    for (const r of results) {
      const s = this.partitions.get(tpKey(r.topic, r.partition));
      if (!s || s.position === null) continue;
      if (r.error) {
        if (r.error.code === 'OFFSET_OUT_OF_RANGE') {
          this.broker.logger.warn(`Offset ${s.fetchOffset} of ${r.topic}-${r.partition} is out of range; resetting to ${this.cfg.autoOffsetReset}`);
          this.reset(s);
        } else if (r.error.code === 'UNKNOWN_TOPIC_OR_PARTITION') {
          this.needsJoin = this.mode === 'subscribe';
        } else {
          throw r.error;
        }
        continue;
      }
      s.endOffset = this.cfg.isolationLevel === 'read_committed' ? r.lastStableOffset : r.highWatermark;
      if (r.records.length === 0) continue;
      s.fetchOffset = decodeFetchedRecords(r.topic, r.partition, r.records, s.fetchOffset, r.abortedTransactions, this.cfg.checkCrcs, s.buffered);
      if (s.buffered.length === 0) s.position = s.fetchOffset;
    }
    return this.drainBuffered();
  }

  private drainBuffered(): ConsumerRecord[] {
    let out: ConsumerRecord[] = [];
    let room = this.cfg.maxPollRecords;
    for (const p of this.partitions.values()) {
      if (room === 0) break;
      if (p.paused || p.buffered.length === 0) continue;
      if (p.buffered.length <= room && out.length === 0) {
        out = p.buffered;
        room -= p.buffered.length;
        p.buffered = [];
        p.position = p.fetchOffset;
        continue;
      }
      const take = p.buffered.length <= room ? p.buffered : p.buffered.slice(0, room);
      for (const r of take) out.push(r);
      room -= take.length;
      if (take === p.buffered) {
        p.buffered = [];
        p.position = p.fetchOffset;
      } else {
        p.buffered = p.buffered.slice(take.length);
        p.position = p.buffered[0]!.offset;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.mode === 'subscribe') await this.leaveGroup(true);
      else if (this.cfg.enableAutoCommit && this.cfg.groupId !== null && this.partitions.size > 0) await this.commitSync().catch(() => undefined);
    } finally {
      this.stopHeartbeat();
      this.closed = true;
    }
  }
}
