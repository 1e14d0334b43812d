/**
 * Kafka's RoundRobinAssignor ("roundrobin"): all partitions of all subscribed topics, sorted by
 * topic then partition, dealt one at a time to the members in member order, passing over a member
 * that is not subscribed to the partition's topic. Balanced to within one partition when every
 * member subscribes to the same topics; with different subscriptions it can be far off, and it
 * keeps nothing from the previous assignment.
 */
import { compareStrings, sortedMemberIds } from './ordering.js';
import { emptyAssignments } from './partition-assignor.js';
import type { Assignment, MemberId, PartitionAssignor, Subscription } from './partition-assignor.js';

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin';
  readonly rebalanceProtocol = 'EAGER' as const;

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    subscriptions: ReadonlyMap<MemberId, Subscription>,
  ): Map<MemberId, Assignment> {
    const members = sortedMemberIds(subscriptions);
    const assignments = emptyAssignments(members);
    const topicsOf = new Map(members.map((member) => [member, new Set(subscriptions.get(member)?.topics ?? [])]));

    const topics = new Set<string>();
    for (const set of topicsOf.values()) for (const topic of set) if (partitionsPerTopic.has(topic)) topics.add(topic);

    let next = 0;
    for (const topic of [...topics].sort(compareStrings)) {
      const count = partitionsPerTopic.get(topic) ?? 0;
      for (let partition = 0; partition < count; partition++) {
        // Some member is subscribed to `topic` (that is how it got into `topics`), so this ends.
        while (!topicsOf.get(members[next])?.has(topic)) next = (next + 1) % members.length;
        assignments.get(members[next])?.partitions.push({ topic, partition });
        next = (next + 1) % members.length;
      }
    }
    return assignments;
  }
}
