/**
 * The remote consumer: Kafka's consumer over the wire, with the embedded consumer's semantics.
 * The library provides connections, metadata, ApiVersions and codecs; group membership
 * (membership.ts), fetching (poll-bridge.ts, fetch-api.ts) and offsets are driven from here,
 * because the library's own consumer rebalances eagerly in the background and pushes records
 * from a stream, where Freshet needs rebalances inside poll() (listener first, commit before
 * revoke), cooperative and static membership, and exact per-partition positions.
 *
 * Two library clients, two connections: fetches long-poll on one, while heartbeats, commits
 * and JoinGroup (which blocks for a whole rebalance) go to the coordinator on the other.
 */
import { Admin as LibraryAdmin } from '@platformatic/kafka';
import { KafkaError, kafkaErrorName } from '../errors.js';
import { createAssignors, resolveConsumerConfig, type ResolvedConsumerConfig } from '../client/consumer-config.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type TopicPartition } from '../types.js';
import type { Consumer, ConsumerConfig, ConsumerRecord, GroupMetadata, OffsetAndMetadata, RebalanceListener } from '../client/types.js';
import type { ResolvedRemoteConfig } from './config.js';
import { libraryOptions } from './config.js';
import { toKafkaError } from './errors.js';
import { fetchPartitions } from './fetcher.js';
import { GroupClient } from './group-client.js';
import { listOffsets } from './list-offsets.js';
import { GroupMembership } from './membership.js';
import { PollBridge, type PartitionState } from './poll-bridge.js';
import { Wire } from './wire.js';

export type { ResolvedConsumerConfig };
export { resolveConsumerConfig };

export class RemoteConsumer implements Consumer {
  private readonly cfg: ResolvedConsumerConfig;
  private readonly data: LibraryAdmin;
  private readonly coordinatorSide: LibraryAdmin;
  private readonly dataWire: Wire;
  private readonly coordinatorWire: Wire;
  private readonly group: GroupClient | null;
  private readonly membership: GroupMembership | null;
  private readonly bridge: PollBridge;
  private mode: 'none' | 'subscribe' | 'assign' = 'none';
  private pattern: RegExp | null = null;
  private patternCheckedAt = 0;
  private listener: RebalanceListener = {};
  private nextAutoCommit = 0;
  private closed = false;

  constructor(
    private readonly remote: ResolvedRemoteConfig,
    config: ConsumerConfig = {},
  ) {
    this.cfg = resolveConsumerConfig(config, remote.clientId);
    const assignors = createAssignors(this.cfg);
    this.data = new LibraryAdmin(libraryOptions(remote, this.cfg.clientId));
    // JoinGroup waits for the whole group, up to the rebalance timeout (max.poll.interval.ms).
    this.coordinatorSide = new LibraryAdmin(libraryOptions(remote, this.cfg.clientId, { requestTimeoutMs: this.cfg.maxPollIntervalMs + 5000 }));
    this.dataWire = new Wire(this.data);
    this.coordinatorWire = new Wire(this.coordinatorSide);
    this.group = this.cfg.groupId !== null ? new GroupClient(this.coordinatorWire, this.cfg.groupId) : null;
    this.membership =
      this.group !== null
        ? new GroupMembership(
            this.group,
            { owned: () => this.assignment(), revoke: (tps, lost) => this.revoke(tps, lost), assign: (tps) => this.assigned(tps), partitionCounts: (topics) => this.partitionCounts(topics) },
            { groupInstanceId: this.cfg.groupInstanceId, sessionTimeoutMs: this.cfg.sessionTimeoutMs, heartbeatIntervalMs: this.cfg.heartbeatIntervalMs, maxPollIntervalMs: this.cfg.maxPollIntervalMs },
            assignors,
            remote.logger,
          )
        : null;
    this.bridge = new PollBridge(
      (targets) =>
        fetchPartitions(this.dataWire, targets, {
          maxWaitMs: this.cfg.fetchMaxWaitMs,
          minBytes: this.cfg.fetchMinBytes,
          maxBytes: this.cfg.fetchMaxBytes,
          maxPartitionBytes: this.cfg.maxPartitionFetchBytes,
          isolationLevel: this.cfg.isolationLevel,
          checkCrcs: this.cfg.checkCrcs,
        }),
      {
        maxPollRecords: this.cfg.maxPollRecords,
        // Enough for the next poll and the one after; beyond that, fetching waits for the application.
        maxBufferedRecords: this.cfg.maxPollRecords * 2,
        onTransientError: (err) => remote.logger.debug('Fetch failed; retrying', { error: err.message }),
      },
    );
  }

  private check(): void {
    if (this.closed) throw new KafkaError('INVALID_REQUEST', 'The consumer is closed.');
  }

  private requireGroup(what: string): GroupMembership {
    if (this.membership === null) throw new KafkaError('INVALID_GROUP_ID', `${what} needs a groupId in the consumer config.`);
    return this.membership;
  }

  // ------------------------------------------------------------ subscription and assignment

  subscribe(topics: string[] | RegExp, listener: RebalanceListener = {}): void {
    this.check();
    const membership = this.requireGroup('subscribe()');
    if (this.mode === 'assign') throw new KafkaError('INVALID_REQUEST', 'This consumer uses assign(); call unsubscribe() before subscribe().');
    this.mode = 'subscribe';
    this.listener = listener;
    if (topics instanceof RegExp) {
      this.pattern = topics;
      // The topic list is read on the first poll (listing topics needs the network).
      this.patternCheckedAt = 0;
      membership.setTopics([]);
    } else {
      this.pattern = null;
      membership.setTopics(topics);
    }
  }

  subscription(): string[] {
    return this.membership?.subscribedTopics() ?? [];
  }

  async unsubscribe(): Promise<void> {
    if (this.mode === 'subscribe') await this.membership!.leave(true);
    this.mode = 'none';
    this.pattern = null;
    this.membership?.setTopics([]);
    this.bridge.clear();
  }

  assign(partitions: TopicPartition[]): void {
    this.check();
    if (this.mode === 'subscribe') throw new KafkaError('INVALID_REQUEST', 'This consumer uses subscribe(); call unsubscribe() before assign().');
    this.mode = 'assign';
    const keep = new Set(partitions.map((tp) => `${tp.topic}\u0000${tp.partition}`));
    for (const s of this.bridge.all()) if (!keep.has(`${s.topic}\u0000${s.partition}`)) this.bridge.remove(s);
    for (const tp of partitions) this.bridge.add(tp);
  }

  assignment(): TopicPartition[] {
    return this.bridge.all().map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  private state(tp: TopicPartition): PartitionState {
    const s = this.bridge.get(tp);
    if (!s) throw new KafkaError('INVALID_REQUEST', `Partition ${tp.topic}-${tp.partition} is not assigned to this consumer.`);
    return s;
  }

  groupMetadata(): GroupMetadata {
    const m = this.membership;
    return { groupId: this.cfg.groupId ?? '', generationId: m?.generationId ?? -1, memberId: m?.memberId ?? '', groupInstanceId: this.cfg.groupInstanceId };
  }

  // ------------------------------------------------------------ rebalance callbacks (membership.ts)

  private async revoke(partitions: TopicPartition[], lost: boolean): Promise<void> {
    if (!lost) await this.commitBeforeRevoke(partitions);
    for (const tp of partitions) this.bridge.remove(tp);
    if (lost) await this.listener.onPartitionsLost?.(partitions);
    else await this.listener.onPartitionsRevoked?.(partitions);
  }

  private async assigned(partitions: TopicPartition[]): Promise<void> {
    for (const tp of partitions) this.bridge.add(tp);
    await this.listener.onPartitionsAssigned?.(partitions);
  }

  private async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (topics.length === 0) return out;
    const existing = new Set(await this.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) return out;
    const md = await this.dataWire.metadata(present, true);
    for (const t of present) {
      const info = md.topics.get(t);
      if (info) out.set(t, info.partitionsCount);
    }
    return out;
  }

  private async listTopics(): Promise<string[]> {
    try {
      return await this.data.listTopics({ includeInternals: false });
    } catch (err) {
      throw toKafkaError(err, 'Listing topics');
    }
  }

  private async commitBeforeRevoke(partitions: TopicPartition[]): Promise<void> {
    if (!this.cfg.enableAutoCommit || partitions.length === 0) return;
    try {
      await this.commitSync(this.positionsOf(partitions));
    } catch (err) {
      this.remote.logger.warn('Committing offsets before giving up partitions failed', { error: String(err) });
    }
  }

  private async refreshPattern(): Promise<void> {
    if (this.pattern === null || Date.now() - this.patternCheckedAt < 1000) return;
    this.patternCheckedAt = Date.now();
    const re = this.pattern;
    const matching = (await this.listTopics()).filter((t) => {
      re.lastIndex = 0;
      return re.test(t);
    });
    this.membership!.setTopics(matching);
  }

  // ------------------------------------------------------------ positions

  private async resolvePositions(): Promise<void> {
    const missing = this.bridge.all().filter((s) => s.position === null);
    if (missing.length === 0) return;
    const fromCommitted = this.group !== null ? missing.filter((s) => s.reset === null) : [];
    const committed = fromCommitted.length > 0 ? await this.group!.fetchOffsets(fromCommitted, this.cfg.isolationLevel === 'read_committed') : [];
    const toReset: PartitionState[] = missing.filter((s) => s.reset !== null || this.group === null);
    fromCommitted.forEach((s, i) => {
      const c = committed[i]!;
      const error = c.errorCode === 0 ? null : kafkaErrorName(c.errorCode);
      // A transaction is committing this offset: try again on the next poll.
      if (error === 'UNSTABLE_OFFSET_COMMIT') return;
      if (error !== null) throw new KafkaError(error, `Reading the committed offset of ${s.topic}-${s.partition} failed: ${error}.`);
      // The partition may have been revoked or sought while the offsets were read.
      if (this.bridge.get(s) !== s || s.position !== null) return;
      if (c.offset >= 0) this.bridge.seek(s, c.offset);
      else toReset.push(s);
    });
    if (toReset.length === 0) return;
    const queries = toReset.map((s) => {
      const how = s.reset === 'earliest' || s.reset === 'latest' ? s.reset : this.cfg.autoOffsetReset;
      if (how === 'none') {
        throw new KafkaError('OFFSET_OUT_OF_RANGE', `No valid offset for ${s.topic}-${s.partition} and auto.offset.reset=none: seek() to an offset first.`);
      }
      return { topic: s.topic, partition: s.partition, timestamp: how === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP };
    });
    const offsets = await listOffsets(this.data, queries, this.cfg.isolationLevel);
    toReset.forEach((s, i) => {
      // The partition may have been revoked or sought while the offsets were listed.
      if (this.bridge.get(s) === s && s.position === null) this.bridge.seek(s, offsets[i]!.offset);
    });
  }

  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isInteger(offset) || offset < 0) throw new KafkaError('INVALID_REQUEST', `Cannot seek to offset ${offset}: offsets are whole numbers >= 0.`);
    this.bridge.seek(this.state(tp), offset);
  }

  // The end offsets are on the broker: as in the Java consumer, these seeks happen lazily, on the
  // next poll() or position().
  seekToBeginning(partitions?: TopicPartition[]): void {
    for (const tp of partitions ?? this.assignment()) this.bridge.unresolve(this.state(tp), 'earliest');
  }

  seekToEnd(partitions?: TopicPartition[]): void {
    for (const tp of partitions ?? this.assignment()) this.bridge.unresolve(this.state(tp), 'latest');
  }

  async position(tp: TopicPartition): Promise<number> {
    const s = this.state(tp);
    if (s.position === null) await this.resolvePositions();
    if (s.position === null) throw new KafkaError('UNSTABLE_OFFSET_COMMIT', `The committed offset of ${tp.topic}-${tp.partition} is part of an open transaction; try again.`);
    return s.position;
  }

  currentLag(tp: TopicPartition): number | null {
    const s = this.state(tp);
    if (s.position === null || s.endOffset < 0) return null;
    return Math.max(0, s.endOffset - s.position);
  }

  async committed(partitions: TopicPartition[]): Promise<(OffsetAndMetadata | null)[]> {
    this.requireGroup('committed()');
    const found = await this.group!.fetchOffsets(partitions, false);
    return found.map((c) => {
      if (c.errorCode !== 0) throw new KafkaError(kafkaErrorName(c.errorCode), `Reading the committed offset of ${c.topic}-${c.partition} failed: ${kafkaErrorName(c.errorCode)}.`);
      return c.offset < 0 ? null : { topic: c.topic, partition: c.partition, offset: c.offset, metadata: c.metadata, leaderEpoch: c.leaderEpoch };
    });
  }

  async offsetsForTimes(query: { topic: string; partition: number; timestamp: number }[]): Promise<({ offset: number; timestamp: number } | null)[]> {
    const found = await listOffsets(this.data, query, this.cfg.isolationLevel);
    return found.map((r) => (r.offset < 0 ? null : r));
  }

  async beginningOffsets(partitions: TopicPartition[]): Promise<number[]> {
    return (await listOffsets(this.data, partitions.map((tp) => ({ ...tp, timestamp: EARLIEST_TIMESTAMP })))).map((r) => r.offset);
  }

  async endOffsets(partitions: TopicPartition[]): Promise<number[]> {
    return (await listOffsets(this.data, partitions.map((tp) => ({ ...tp, timestamp: LATEST_TIMESTAMP })), this.cfg.isolationLevel)).map((r) => r.offset);
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.state(tp).paused = false;
  }

  paused(): TopicPartition[] {
    return this.bridge.all().filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  // ------------------------------------------------------------ commits

  private positionsOf(partitions: TopicPartition[]): OffsetAndMetadata[] {
    const out: OffsetAndMetadata[] = [];
    for (const tp of partitions) {
      const s = this.bridge.get(tp);
      if (s && s.position !== null) out.push({ topic: tp.topic, partition: tp.partition, offset: s.position });
    }
    return out;
  }

  async commitSync(offsets?: OffsetAndMetadata[]): Promise<void> {
    const membership = this.requireGroup('Committing offsets');
    const list = offsets ?? this.positionsOf(this.assignment());
    if (list.length === 0) return;
    const inGroup = this.mode === 'subscribe';
    const me = inGroup ? membership.identity() : { generationId: -1, memberId: '', groupInstanceId: null };
    const codes = await this.group!.commit(me, list);
    const failed = codes.findIndex((c) => c !== 0);
    if (failed < 0) return;
    const error = kafkaErrorName(codes[failed]!);
    membership.commitFailed(error);
    if (error === 'REBALANCE_IN_PROGRESS' || error === 'ILLEGAL_GENERATION' || error === 'UNKNOWN_MEMBER_ID') {
      throw new KafkaError(error, `Commit failed: ${error}. The group rebalanced (or this member was removed) since these records were polled; they may be processed again by the new owner.`);
    }
    throw new KafkaError(error, `Commit of ${list[failed]!.topic}-${list[failed]!.partition} failed: ${error}.`);
  }

  commitAsync(offsets?: OffsetAndMetadata[], callback?: (err: Error | null) => void): void {
    this.commitSync(offsets).then(
      () => callback?.(null),
      (err: Error) => (callback ? callback(err) : this.remote.logger.warn('Asynchronous commit failed', { error: err.message })),
    );
  }

  private async maybeAutoCommit(): Promise<void> {
    if (!this.cfg.enableAutoCommit || this.membership === null) return;
    const now = Date.now();
    if (now < this.nextAutoCommit) return;
    this.nextAutoCommit = now + this.cfg.autoCommitIntervalMs;
    try {
      await this.commitSync();
    } catch (err) {
      this.remote.logger.debug('Auto-commit failed', { error: String(err) });
    }
  }

  // ------------------------------------------------------------ poll

  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    this.check();
    if (this.mode === 'subscribe') {
      const membership = this.membership!;
      membership.polled();
      try {
        await this.refreshPattern();
        await membership.ensureActive();
      } catch (err) {
        // The cluster is briefly unreachable or the coordinator is moving: the next poll tries
        // again, as the Java consumer does inside poll(); meanwhile owned partitions keep flowing.
        if (!(err instanceof KafkaError && err.retriable)) throw err;
        this.remote.logger.debug('Rejoining the group failed; retrying on the next poll', { group: this.cfg.groupId, error: err.message });
      }
    }
    await this.maybeAutoCommit();
    await this.resolvePositions();
    return this.bridge.poll(timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.mode === 'subscribe') await this.membership!.leave(true);
      else if (this.cfg.enableAutoCommit && this.membership !== null && this.bridge.all().length > 0) await this.commitSync().catch(() => undefined);
    } finally {
      this.closed = true;
      this.membership?.stop();
      // A long-polling fetch may still be out; closing the connections ends it.
      await Promise.all([this.dataWire.close(), this.coordinatorWire.close()]);
    }
  }
}
