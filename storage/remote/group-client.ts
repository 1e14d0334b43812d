/**
 * The requests a consumer sends to its group coordinator (classic protocol), one method each,
 * through the library's codecs at the versions the broker offers. Coordinator moves and loading
 * are retried here; every other answer goes back with its error code, because what it means
 * (rejoin, lost partitions, a failed commit) is the membership's decision.
 */
import type { heartbeatV4, joinGroupV9, offsetCommitV9, offsetFetchV9, syncGroupV5 } from '@platformatic/kafka';
import { CONSUMER_PROTOCOL_TYPE } from '../broker/consumer-protocol.js';
import type { OffsetAndMetadata } from '../client/types.js';
import type { TopicPartition } from '../types.js';
import type { Wire } from './wire.js';

// The shapes of the newest versions; the library keeps them the same across the versions it has.
type HeartbeatResponse = heartbeatV4.HeartbeatResponse;
type JoinGroupResponse = joinGroupV9.JoinGroupResponse;
type OffsetCommitResponse = offsetCommitV9.OffsetCommitResponse;
type OffsetFetchResponse = offsetFetchV9.OffsetFetchResponse;
type SyncGroupResponse = syncGroupV5.SyncGroupResponse;

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
}

export interface MemberIdentity {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface FetchedOffset extends TopicPartition {
  offset: number;
  metadata: string;
  leaderEpoch: number;
  errorCode: number;
}

function groupTopics<T extends TopicPartition>(list: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const tp of list) {
    let l = out.get(tp.topic);
    if (!l) out.set(tp.topic, (l = []));
    l.push(tp);
  }
  return out;
}

export class GroupClient {
  constructor(
    private readonly wire: Wire,
    readonly groupId: string,
  ) {}

  async joinGroup(req: JoinRequest): Promise<JoinGroupResponse> {
    const api = await this.wire.api<JoinGroupResponse>('JoinGroup');
    return this.wire.withCoordinator(
      'group',
      this.groupId,
      `Joining group '${this.groupId}'`,
      (c) => this.wire.request(api, c, [this.groupId, req.sessionTimeoutMs, req.rebalanceTimeoutMs, req.memberId, req.groupInstanceId, CONSUMER_PROTOCOL_TYPE, req.protocols, null], `Joining group '${this.groupId}'`),
      (r) => r.errorCode,
    );
  }

  async syncGroup(me: MemberIdentity, protocolName: string | null, assignments: Map<string, Buffer> | undefined): Promise<SyncGroupResponse> {
    const api = await this.wire.api<SyncGroupResponse>('SyncGroup');
    const list = assignments ? [...assignments].map(([memberId, assignment]) => ({ memberId, assignment })) : [];
    return this.wire.withCoordinator(
      'group',
      this.groupId,
      `Syncing group '${this.groupId}'`,
      (c) => this.wire.request(api, c, [this.groupId, me.generationId, me.memberId, me.groupInstanceId, CONSUMER_PROTOCOL_TYPE, protocolName, list], `Syncing group '${this.groupId}'`),
      (r) => r.errorCode,
    );
  }

  /** The heartbeat's error code (0 when all is well). */
  async heartbeat(me: MemberIdentity): Promise<number> {
    const api = await this.wire.api<HeartbeatResponse>('Heartbeat');
    const res = await this.wire.withCoordinator(
      'group',
      this.groupId,
      `Heartbeat to group '${this.groupId}'`,
      (c) => this.wire.request(api, c, [this.groupId, me.generationId, me.memberId, me.groupInstanceId], `Heartbeat to group '${this.groupId}'`),
      (r) => r.errorCode,
    );
    return res.errorCode;
  }

  async leaveGroup(memberId: string, groupInstanceId: string | null): Promise<void> {
    const api = await this.wire.api<{ errorCode: number }>('LeaveGroup');
    // Leaving is a courtesy that speeds up the next rebalance; its answer changes nothing here.
    await this.wire.withCoordinator(
      'group',
      this.groupId,
      `Leaving group '${this.groupId}'`,
      (c) => this.wire.request(api, c, [this.groupId, [{ memberId, groupInstanceId, reason: 'the consumer is closing' }]], `Leaving group '${this.groupId}'`),
      (r) => r.errorCode,
    );
  }

  /** Commits offsets; returns the error code of each offset, in order (0 for success). */
  async commit(me: MemberIdentity, offsets: readonly OffsetAndMetadata[]): Promise<number[]> {
    const api = await this.wire.api<OffsetCommitResponse>('OffsetCommit');
    const topics = [...groupTopics(offsets)].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: o.leaderEpoch ?? -1, committedMetadata: o.metadata ?? '' })),
    }));
    const res = await this.wire.withCoordinator(
      'group',
      this.groupId,
      `Committing offsets of group '${this.groupId}'`,
      (c) => this.wire.request(api, c, [this.groupId, me.generationId, me.memberId, me.groupInstanceId, topics], `Committing offsets of group '${this.groupId}'`),
      (r) => r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode ?? 0,
    );
    const codes = new Map<string, number>();
    for (const t of res.topics) for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
    return offsets.map((o) => codes.get(`${o.topic}\u0000${o.partition}`) ?? 0);
  }

  /**
   * The committed offsets of `partitions`, in order. `requireStable` (read_committed) makes the
   * broker answer UNSTABLE_OFFSET_COMMIT for offsets a transaction is still committing.
   */
  async fetchOffsets(partitions: readonly TopicPartition[], requireStable: boolean): Promise<FetchedOffset[]> {
    const api = await this.wire.api<OffsetFetchResponse>('OffsetFetch');
    const topics = [...groupTopics(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((tp) => tp.partition) }));
    const res = await this.wire.withCoordinator(
      'group',
      this.groupId,
      `Reading committed offsets of group '${this.groupId}'`,
      (c) => this.wire.request(api, c, [[{ groupId: this.groupId, memberId: null, memberEpoch: -1, topics }], requireStable], `Reading committed offsets of group '${this.groupId}'`),
      (r) => r.groups[0]?.errorCode ?? 0,
    );
    const group = res.groups[0];
    const found = new Map<string, FetchedOffset>();
    for (const t of group?.topics ?? []) {
      for (const p of t.partitions) {
        found.set(`${t.name}\u0000${p.partitionIndex}`, {
          topic: t.name,
          partition: p.partitionIndex,
          offset: Number(p.committedOffset),
          metadata: p.metadata ?? '',
          leaderEpoch: p.committedLeaderEpoch,
          errorCode: p.errorCode !== 0 ? p.errorCode : (group?.errorCode ?? 0),
        });
      }
    }
    return partitions.map((tp) => found.get(`${tp.topic}\u0000${tp.partition}`) ?? { ...tp, offset: -1, metadata: '', leaderEpoch: -1, errorCode: group?.errorCode ?? 0 });
  }
}
