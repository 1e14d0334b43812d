/**
 * Who owns what going into a sticky rebalance. Members report what they had, and reports can
 * disagree: a member that missed a rebalance (a long GC pause, a network split) still reports the
 * partitions of an older generation. KIP-341 settles it with generations: the claim from the
 * newest generation wins, and two claims from the same generation cancel out, because the
 * assignor cannot tell which is true (Kafka then reassigns the partition as if unowned).
 */
import { tpKey } from '../../types.js';
import type { TopicPartition } from '../../types.js';
import type { MemberId } from './partition-assignor.js';

export interface OwnershipClaim {
  partitions: readonly TopicPartition[];
  /** The generation the member had the partitions in; -1 when unknown, which loses to any other. */
  generation: number;
}

/** The owner of each claimed partition (by `tpKey`), after conflicting claims are settled. */
export function resolveOwners(claims: ReadonlyMap<MemberId, OwnershipClaim>): Map<string, MemberId> {
  const best = new Map<string, { owner: MemberId | null; generation: number }>();
  for (const [member, claim] of claims) {
    for (const { topic, partition } of claim.partitions) {
      const key = tpKey(topic, partition);
      const current = best.get(key);
      if (current === undefined || claim.generation > current.generation) {
        best.set(key, { owner: member, generation: claim.generation });
      } else if (claim.generation === current.generation && current.owner !== member) {
        current.owner = null;
      }
    }
  }
  const owners = new Map<string, MemberId>();
  for (const [key, { owner }] of best) if (owner !== null) owners.set(key, owner);
  return owners;
}
