/**
 * The orders Kafka's assignors use, so that a Freshet leader hands out the same partitions a Java
 * leader would for the same group. Strings compare by UTF-16 code unit, as Java's
 * String.compareTo does (not by locale).
 */
import type { TopicPartition } from '../../types.js';
import type { MemberId, Subscription } from './partition-assignor.js';

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/**
 * Kafka's member order (AbstractPartitionAssignor.MemberInfo): static members first, by
 * group.instance.id, then dynamic members by member id. Static members keep their place across
 * restarts, which change their member id but not their instance id.
 */
export function compareMembers(
  a: { memberId: MemberId; groupInstanceId: string | null },
  b: { memberId: MemberId; groupInstanceId: string | null },
): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    return compareStrings(a.groupInstanceId, b.groupInstanceId);
  }
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** The member ids of `subscriptions` in Kafka's member order. */
export function sortedMemberIds(subscriptions: ReadonlyMap<MemberId, Subscription>): MemberId[] {
  return [...subscriptions.keys()].sort((a, b) =>
    compareMembers(
      { memberId: a, groupInstanceId: subscriptions.get(a)?.groupInstanceId ?? null },
      { memberId: b, groupInstanceId: subscriptions.get(b)?.groupInstanceId ?? null },
    ),
  );
}
