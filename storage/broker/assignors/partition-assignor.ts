/**
 * The client side of a classic consumer group rebalance: each member describes itself with a
 * `Subscription` (sent as JoinGroup metadata), the leader turns all of them into one `Assignment`
 * per member with a `PartitionAssignor` (sent back through SyncGroup). Assignors are stateless:
 * whatever a member must remember between rebalances travels in its subscription.
 */
import type { TopicPartition } from '../../types.js';
import { flattenTopicPartitions, groupByTopic, NO_GENERATION } from '../consumer-protocol.js';
import type { ConsumerProtocolAssignment, ConsumerProtocolSubscription } from '../consumer-protocol.js';

/**
 * EAGER: every member revokes everything before it rejoins. COOPERATIVE (KIP-429): members keep
 * their partitions through the rebalance and revoke only what the new assignment leaves out; a
 * partition that changes hands is first revoked, then assigned by a follow-up rebalance.
 */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

export type MemberId = string;

export interface Subscription {
  topics: string[];
  /** Assignor-specific bytes, written by the member's assignor (`PartitionAssignor.userData`). */
  userData: Buffer | null;
  /** What the member owns as it joins (always empty under EAGER, which revokes first). */
  ownedPartitions: TopicPartition[];
  /** The generation in which the member received `ownedPartitions`, -1 when unknown. */
  generationId: number;
  rackId: string | null;
  /** `group.instance.id` of a static member (KIP-345), from the JoinGroup response. */
  groupInstanceId: string | null;
}

export interface Assignment {
  partitions: TopicPartition[];
  userData: Buffer | null;
}

/** What a member knows about itself when it (re)joins, for its assignor's user data. */
export interface MemberState {
  topics: readonly string[];
  /**
   * The partitions of the member's last completed rebalance, even when it has revoked them since
   * (an EAGER member revokes everything before rejoining, yet the sticky assignor wants them).
   */
  previousAssignment: readonly TopicPartition[];
  /** The generation of that rebalance, -1 before the first. */
  generationId: number;
}

export interface PartitionAssignor {
  /** The protocol name in JoinGroup; the group uses an assignor every member lists. */
  readonly name: string;
  readonly rebalanceProtocol: RebalanceProtocol;
  /** The subscription user data a member sends when it joins (absent: null). */
  userData?(state: MemberState): Buffer | null;
  /**
   * Run by the group leader. `partitionsPerTopic` holds the partition count of every topic that
   * exists (a subscribed topic missing from it is not assigned). The result has an entry for every
   * member, empty when it gets nothing.
   */
  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<MemberId, Subscription>,
  ): Map<MemberId, Assignment>;
}

/** The assignor's view of a decoded JoinGroup member (Java reads an empty rack id as none). */
export function subscriptionFromProtocol(
  metadata: ConsumerProtocolSubscription,
  groupInstanceId: string | null,
): Subscription {
  return {
    topics: [...new Set(metadata.topics)],
    userData: metadata.userData,
    ownedPartitions: flattenTopicPartitions(metadata.ownedPartitions),
    generationId: metadata.generationId,
    rackId: metadata.rackId === '' ? null : metadata.rackId,
    groupInstanceId,
  };
}

/** What a member sends in JoinGroup for `subscription` (`groupInstanceId` travels in JoinGroup itself). */
export function subscriptionToProtocol(subscription: Subscription): ConsumerProtocolSubscription {
  return {
    topics: [...subscription.topics],
    userData: subscription.userData,
    ownedPartitions: groupByTopic(subscription.ownedPartitions),
    generationId: subscription.generationId,
    rackId: subscription.rackId,
  };
}

export function assignmentToProtocol(assignment: Assignment): ConsumerProtocolAssignment {
  return { assignedPartitions: groupByTopic(assignment.partitions), userData: assignment.userData };
}

export function assignmentFromProtocol(assignment: ConsumerProtocolAssignment): Assignment {
  return { partitions: flattenTopicPartitions(assignment.assignedPartitions), userData: assignment.userData };
}

/** A subscription with defaults for everything but the topics: for tests and simple callers. */
export function subscriptionOf(topics: string[], fields: Partial<Omit<Subscription, 'topics'>> = {}): Subscription {
  return {
    topics,
    userData: null,
    ownedPartitions: [],
    generationId: NO_GENERATION,
    rackId: null,
    groupInstanceId: null,
    ...fields,
  };
}

/** An empty assignment for every member, in the given order: every assignor's starting point. */
export function emptyAssignments(memberIds: readonly MemberId[]): Map<MemberId, Assignment> {
  return new Map(memberIds.map((id) => [id, { partitions: [], userData: null }]));
}
