/**
 * Kafka's CooperativeStickyAssignor ("cooperative-sticky", KIP-429), COOPERATIVE: the sticky
 * assignment, computed from what members own as they join (they keep consuming it through the
 * rebalance). A partition that must change hands is not given to its new member in this round:
 * it only disappears from its owner's assignment, the owner revokes it and rejoins, and the
 * follow-up rebalance finds it unowned and assigns it. No partition is ever owned by two members.
 */
import {
  decodeCooperativeStickyUserData,
  encodeCooperativeStickyUserData,
  NO_GENERATION,
} from '../consumer-protocol.js';
import { tpKey } from '../../types.js';
import type { Assignment, MemberId, MemberState, PartitionAssignor, Subscription } from './partition-assignor.js';
import { assignSticky } from './sticky-assignor.js';
import type { OwnershipClaim } from './sticky-ownership.js';

export class CooperativeStickyAssignor implements PartitionAssignor {
  readonly name = 'cooperative-sticky';
  readonly rebalanceProtocol = 'COOPERATIVE' as const;

  /** The generation, for leaders that read subscriptions older than v2 (which lack generationId). */
  userData(state: MemberState): Buffer | null {
    return encodeCooperativeStickyUserData(state.generationId);
  }

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<MemberId, Subscription>,
  ): Map<MemberId, Assignment> {
    const target = assignSticky(partitionsPerTopic, subscriptions, cooperativeClaim);

    // A member may get a partition it already claims, or one nobody claims. Every claim counts,
    // even one that lost to a newer generation: a member that still believes it owns a partition
    // may still be consuming it, so the partition waits until that member has revoked it.
    const claimants = new Map<string, Set<MemberId>>();
    for (const [member, subscription] of subscriptions) {
      for (const { topic, partition } of subscription.ownedPartitions) {
        const key = tpKey(topic, partition);
        let set = claimants.get(key);
        if (set === undefined) claimants.set(key, (set = new Set()));
        set.add(member);
      }
    }
    for (const [member, assignment] of target) {
      assignment.partitions = assignment.partitions.filter(({ topic, partition }) => {
        const owners = claimants.get(tpKey(topic, partition));
        return owners === undefined || owners.has(member);
      });
    }
    return target;
  }
}

function cooperativeClaim(subscription: Subscription): OwnershipClaim {
  return { partitions: subscription.ownedPartitions, generation: generationOf(subscription) };
}

/** From the subscription (v2+), else from the user data older clients put it in, else unknown. */
function generationOf(subscription: Subscription): number {
  if (subscription.generationId >= 0) return subscription.generationId;
  if (subscription.userData === null) return NO_GENERATION;
  try {
    return decodeCooperativeStickyUserData(subscription.userData);
  } catch {
    return NO_GENERATION;
  }
}
