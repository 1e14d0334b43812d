/**
 * Kafka's StickyAssignor ("sticky", KIP-54), EAGER: balanced like round robin, but a member keeps
 * the partitions it had wherever the balance allows. EAGER members revoke everything before they
 * rejoin, so what they had travels in the subscription's user data, in StickyAssignor's own
 * format with the generation (KIP-341) so a member that missed a rebalance cannot take back
 * partitions that moved on without it.
 */
import {
  decodeStickyUserData,
  encodeStickyUserData,
  flattenTopicPartitions,
  groupByTopic,
  NO_GENERATION,
} from '../consumer-protocol.js';
import { sortedMemberIds } from './ordering.js';
import type { Assignment, MemberId, MemberState, PartitionAssignor, Subscription } from './partition-assignor.js';
import { stickyBalance } from './sticky-balancer.js';
import { resolveOwners } from './sticky-ownership.js';
import type { OwnershipClaim } from './sticky-ownership.js';

export class StickyAssignor implements PartitionAssignor {
  readonly name = 'sticky';
  readonly rebalanceProtocol = 'EAGER' as const;

  userData(state: MemberState): Buffer | null {
    // Like Java: nothing to report before the first assignment.
    if (state.generationId < 0 && state.previousAssignment.length === 0) return null;
    return encodeStickyUserData(groupByTopic(state.previousAssignment), state.generationId);
  }

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<MemberId, Subscription>,
  ): Map<MemberId, Assignment> {
    return assignSticky(partitionsPerTopic, subscriptions, stickyClaim);
  }
}

/**
 * The previous assignment from StickyAssignor user data; without readable user data (a client
 * whose sticky assignor reports through the subscription instead) from the subscription itself.
 */
function stickyClaim(subscription: Subscription): OwnershipClaim {
  if (subscription.userData !== null && subscription.userData.length > 0) {
    try {
      const data = decodeStickyUserData(subscription.userData);
      return {
        partitions: flattenTopicPartitions(data.previousAssignment),
        generation: data.generation ?? NO_GENERATION,
      };
    } catch {
      // Unreadable user data costs stickiness, not the rebalance: Java ignores it too.
    }
  }
  return { partitions: subscription.ownedPartitions, generation: subscription.generationId };
}

/** The sticky assignment for `subscriptions`, with each member's previous partitions read by `claimOf`. */
export function assignSticky(
  partitionsPerTopic: ReadonlyMap<string, number>,
  subscriptions: ReadonlyMap<MemberId, Subscription>,
  claimOf: (subscription: Subscription) => OwnershipClaim,
): Map<MemberId, Assignment> {
  const members = sortedMemberIds(subscriptions).map((id) => ({ id, topics: subscriptions.get(id)?.topics ?? [] }));
  const claims = new Map([...subscriptions].map(([id, subscription]) => [id, claimOf(subscription)]));
  const partitions = stickyBalance(partitionsPerTopic, members, resolveOwners(claims));
  return new Map(members.map(({ id }) => [id, { partitions: partitions.get(id) ?? [], userData: null }]));
}
