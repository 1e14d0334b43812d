/**
 * Kafka's RangeAssignor ("range"), the Java consumer's default: topic by topic, the topic's
 * partitions are cut into contiguous ranges, one per subscribed member in member order; the first
 * `partitions % members` members get one partition more. Members subscribed to the same
 * co-partitioned topics get the same partition numbers of each, which joins rely on; the price
 * is imbalance across many topics (the first members get the extra partition of every topic).
 *
 * Not rack-aware: Kafka's rack-aware variant (KIP-881) needs partition replica racks, which the
 * assignor's input does not carry.
 */
import { compareStrings, sortedMemberIds } from './ordering.js';
import { emptyAssignments } from './partition-assignor.js';
import type { Assignment, MemberId, PartitionAssignor, Subscription } from './partition-assignor.js';

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';
  readonly rebalanceProtocol = 'EAGER' as const;

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<MemberId, Subscription>,
  ): Map<MemberId, Assignment> {
    const members = sortedMemberIds(subscriptions);
    const assignments = emptyAssignments(members);

    const membersPerTopic = new Map<string, MemberId[]>();
    for (const member of members) {
      for (const topic of new Set(subscriptions.get(member)?.topics ?? [])) {
        if (!partitionsPerTopic.has(topic)) continue;
        let list = membersPerTopic.get(topic);
        if (list === undefined) membersPerTopic.set(topic, (list = []));
        list.push(member);
      }
    }

    for (const topic of [...membersPerTopic.keys()].sort(compareStrings)) {
      const subscribers = membersPerTopic.get(topic) ?? [];
      const count = partitionsPerTopic.get(topic) ?? 0;
      const perMember = Math.floor(count / subscribers.length);
      const withExtra = count % subscribers.length;
      subscribers.forEach((member, i) => {
        const start = perMember * i + Math.min(i, withExtra);
        const length = perMember + (i < withExtra ? 1 : 0);
        const partitions = assignments.get(member)?.partitions ?? [];
        for (let partition = start; partition < start + length; partition++) partitions.push({ topic, partition });
      });
    }
    return assignments;
  }
}
