/**
 * A remote consumer's membership of a classic consumer group: JoinGroup, SyncGroup (the leader
 * runs the assignor, with Kafka's subscription and assignment formats), heartbeats on a timer
 * and LeaveGroup. The rebalance itself runs inside poll(), as in the Java consumer, so the
 * rebalance listener runs on the application's side and offsets can be committed before
 * partitions are given up. Eager or cooperative (KIP-429) per the assignor the group chose;
 * static membership (KIP-345) through group.instance.id.
 */
import { KafkaError, kafkaErrorName } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, flattenTopicPartitions, groupByTopic } from '../broker/consumer-protocol.js';
import { subscriptionFromProtocol, type PartitionAssignor, type Subscription } from '../broker/assignors/partition-assignor.js';
import { tpKey, type TopicPartition } from '../types.js';
import type { GroupClient, MemberIdentity } from './group-client.js';

/** What the membership needs from its consumer. */
export interface MembershipHost {
  /** The partitions the consumer holds now. */
  owned(): TopicPartition[];
  /** Gives partitions up; `lost` when the member was removed from the group and must not commit. */
  revoke(partitions: TopicPartition[], lost: boolean): Promise<void>;
  /** Takes newly assigned partitions (called with none too, as Kafka's listener is). */
  assign(partitions: TopicPartition[]): Promise<void>;
  /** Partition counts of the topics that exist, for the leader's assignor. */
  partitionCounts(topics: string[]): Promise<Map<string, number>>;
}

export interface MembershipConfig {
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
}

const MEMBER_GONE = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']);

export class GroupMembership {
  memberId = '';
  generationId = -1;
  private protocolName: string | null = null;
  private topics: string[] = [];
  /** The partitions of the last completed rebalance (the sticky assignors want them back). */
  private lastAssignment: TopicPartition[] = [];
  private needsJoin = false;
  private rebalancing = false;
  private lostPartitions = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatBusy = false;
  private lastPollAt = Date.now();
  private stopped = false;

  constructor(
    private readonly client: GroupClient,
    private readonly host: MembershipHost,
    private readonly cfg: MembershipConfig,
    private readonly assignors: PartitionAssignor[],
    private readonly logger: Logger,
  ) {}

  get groupId(): string {
    return this.client.groupId;
  }

  identity(): MemberIdentity {
    return { generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.cfg.groupInstanceId };
  }

  get cooperative(): boolean {
    const chosen = this.assignors.find((a) => a.name === this.protocolName);
    return chosen !== undefined && chosen.rebalanceProtocol === 'COOPERATIVE';
  }

  /** Subscribes to `topics`; a change rejoins the group on the next poll. */
  setTopics(topics: string[]): void {
    const next = [...new Set(topics)].sort();
    if (next.join('\u0000') === this.topics.join('\u0000') && this.memberId !== '') return;
    this.topics = next;
    this.needsJoin = true;
  }

  subscribedTopics(): string[] {
    return [...this.topics];
  }

  /** Called on every poll: the poll interval is what max.poll.interval.ms measures. */
  polled(): void {
    this.lastPollAt = Date.now();
  }

  /** A commit failed with `code`: the group moved on without this member, so rejoin. */
  commitFailed(code: string): void {
    // A commit made while rejoining (before an eager revoke) fails for the rebalance under way.
    if (this.rebalancing) return;
    if (code === 'REBALANCE_IN_PROGRESS' || code === 'ILLEGAL_GENERATION' || code === 'UNKNOWN_MEMBER_ID') this.needsJoin = true;
  }

  /** Settles lost partitions and runs any rebalance that is due. */
  async ensureActive(): Promise<void> {
    if (this.lostPartitions) {
      this.lostPartitions = false;
      const lost = this.host.owned();
      if (lost.length > 0) await this.host.revoke(lost, true);
    }
    while (this.needsJoin && !this.stopped) {
      this.needsJoin = false;
      this.rebalancing = true;
      try {
        await this.rebalance();
      } catch (err) {
        this.needsJoin = true;
        throw err;
      } finally {
        this.rebalancing = false;
      }
    }
  }

  private async rebalance(): Promise<void> {
    const owned = this.host.owned();
    if (!this.cooperative && owned.length > 0) {
      // Eager protocol: give everything up (committing first) before rejoining.
      await this.host.revoke(owned, false);
    }
    for (;;) {
      if (this.stopped) return;
      const join = await this.client.joinGroup({
        memberId: this.memberId,
        groupInstanceId: this.cfg.groupInstanceId,
        sessionTimeoutMs: this.cfg.sessionTimeoutMs,
        rebalanceTimeoutMs: this.cfg.maxPollIntervalMs,
        protocols: this.protocols(),
      });
      const joinError = join.errorCode === 0 ? null : kafkaErrorName(join.errorCode);
      if (joinError === 'MEMBER_ID_REQUIRED') {
        this.memberId = join.memberId ?? '';
        continue;
      }
      if (joinError === 'UNKNOWN_MEMBER_ID' || joinError === 'ILLEGAL_GENERATION') {
        this.memberId = '';
        this.generationId = -1;
        continue;
      }
      if (joinError === 'REBALANCE_IN_PROGRESS') continue;
      if (joinError !== null) throw new KafkaError(joinError, `Joining group '${this.groupId}' failed: ${joinError}.`);
      this.memberId = join.memberId ?? '';
      this.generationId = join.generationId;
      this.protocolName = join.protocolName ?? null;
      const assignments = join.leader === this.memberId && !join.skipAssignment ? await this.computeAssignment(join.protocolName ?? '', join.members) : undefined;
      const sync = await this.client.syncGroup(this.identity(), this.protocolName, assignments);
      const syncError = sync.errorCode === 0 ? null : kafkaErrorName(sync.errorCode);
      if (syncError === 'REBALANCE_IN_PROGRESS' || syncError === 'ILLEGAL_GENERATION') continue;
      if (syncError === 'UNKNOWN_MEMBER_ID') {
        this.memberId = '';
        continue;
      }
      if (syncError !== null) throw new KafkaError(syncError, `Syncing group '${this.groupId}' failed: ${syncError}.`);
      const assigned = sync.assignment.length > 0 ? flattenTopicPartitions(decodeAssignment(sync.assignment).assignedPartitions) : [];
      this.lastAssignment = assigned;
      await this.apply(assigned);
      this.startHeartbeat();
      return;
    }
  }

  private protocols(): { name: string; metadata: Buffer }[] {
    const owned = this.host.owned();
    return this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics: this.topics,
        userData: a.userData?.({ topics: this.topics, previousAssignment: this.lastAssignment, generationId: this.generationId }) ?? null,
        ownedPartitions: groupByTopic(owned),
        generationId: this.generationId,
        rackId: null,
      }),
    }));
  }

  private async computeAssignment(protocol: string, members: { memberId: string; groupInstanceId?: string | null; metadata: Buffer | null }[]): Promise<Map<string, Buffer>> {
    const assignor = this.assignors.find((a) => a.name === protocol);
    if (!assignor) throw new KafkaError('INCONSISTENT_GROUP_PROTOCOL', `The group chose assignor '${protocol}', which this consumer does not have.`);
    const subscriptions = new Map<string, Subscription>();
    const topics = new Set<string>();
    for (const m of members) {
      const sub = subscriptionFromProtocol(decodeSubscription(m.metadata ?? Buffer.alloc(0)), m.groupInstanceId ?? null);
      subscriptions.set(m.memberId, sub);
      for (const t of sub.topics) topics.add(t);
    }
    const result = assignor.assign(await this.host.partitionCounts([...topics]), subscriptions);
    const out = new Map<string, Buffer>();
    for (const [memberId, a] of result) out.set(memberId, encodeAssignment({ assignedPartitions: groupByTopic(a.partitions), userData: a.userData }));
    return out;
  }

  private async apply(assigned: TopicPartition[]): Promise<void> {
    const next = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const current = this.host.owned();
    const held = new Set(current.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = current.filter((tp) => !next.has(tpKey(tp.topic, tp.partition)));
    const added = assigned.filter((tp) => !held.has(tpKey(tp.topic, tp.partition)));
    if (revoked.length > 0) {
      await this.host.revoke(revoked, false);
      // Cooperative: what was given up goes to its new owner in a follow-up rebalance.
      if (this.cooperative) this.needsJoin = true;
    }
    await this.host.assign(added);
  }

  // ------------------------------------------------------------ heartbeats

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
    if (this.stopped || this.rebalancing || this.heartbeatBusy || this.memberId === '') return;
    if (Date.now() - this.lastPollAt > this.cfg.maxPollIntervalMs) {
      // Kafka's rule: a consumer that stopped polling leaves, so its partitions move on.
      this.logger.warn(`Consumer ${this.memberId} did not poll for max.poll.interval.ms=${this.cfg.maxPollIntervalMs}; leaving group ${this.groupId}`);
      this.heartbeatBusy = true;
      void this.sendLeave().finally(() => {
        this.heartbeatBusy = false;
        this.lostPartitions = true;
        this.needsJoin = true;
      });
      return;
    }
    this.heartbeatBusy = true;
    const generation = this.generationId;
    this.client.heartbeat(this.identity()).then(
      (code) => {
        // An answer about a generation this member has left behind (it rejoined meanwhile) is stale.
        if (code === 0 || this.rebalancing || this.generationId !== generation || this.stopped) return;
        const error = kafkaErrorName(code);
        this.needsJoin = true;
        if (MEMBER_GONE.has(error)) {
          if (error !== 'ILLEGAL_GENERATION') this.memberId = '';
          this.generationId = -1;
          this.lostPartitions = true;
        }
      },
      (err: unknown) => this.logger.debug('Heartbeat failed; trying again at the next interval', { group: this.groupId, error: String(err) }),
    ).finally(() => {
      this.heartbeatBusy = false;
    });
  }

  // ------------------------------------------------------------ leaving

  private async sendLeave(): Promise<void> {
    // A static member keeps its place when it goes away; the session timeout decides.
    if (this.memberId !== '' && this.cfg.groupInstanceId === null) {
      try {
        await this.client.leaveGroup(this.memberId, null);
      } catch (err) {
        this.logger.debug('LeaveGroup failed; the session timeout will remove the member', { group: this.groupId, error: String(err) });
      }
    }
    this.memberId = '';
    this.generationId = -1;
  }

  /** Leaves the group, first revoking (and so committing) what the consumer holds if asked to. */
  async leave(revokeFirst: boolean): Promise<void> {
    this.stopHeartbeat();
    if (revokeFirst) {
      const owned = this.host.owned();
      if (owned.length > 0) await this.host.revoke(owned, false);
    }
    await this.sendLeave();
    this.needsJoin = false;
  }

  stop(): void {
    this.stopped = true;
    this.stopHeartbeat();
  }
}
