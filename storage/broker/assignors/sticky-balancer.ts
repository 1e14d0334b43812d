/**
 * The assignment both sticky assignors compute: as balanced as the subscriptions allow, and
 * within that, moving as few partitions away from their current owners as possible. Balance comes
 * first; stickiness never buys imbalance.
 *
 * Two paths, as in Kafka's AbstractStickyAssignor:
 * - All members subscribed to the same topics: quotas. With P partitions and N members everyone
 *   gets floor(P/N) or ceil(P/N), and the P % N larger quotas go to members that own more than
 *   floor(P/N), so only partitions above a member's quota move: the fewest possible.
 * - Different subscriptions: the per-topic counts come from an exact optimization
 *   (balanced-counts.ts), best balance first, then most partitions kept. Kafka uses a heuristic
 *   here; being exact matters for cooperative rebalancing: in the follow-up round, keeping
 *   everything the members still own is optimal, so that round only hands out what was revoked
 *   and never revokes again.
 *
 * Either way the partitions that change hands are dealt one at a time round the members that
 * need them, so a fresh group gets its partitions spread like round robin.
 */
import { tpKey } from '../../types.js';
import type { TopicPartition } from '../../types.js';
import { balancedCounts } from './balanced-counts.js';
import { compareStrings, compareTopicPartitions } from './ordering.js';
import type { MemberId } from './partition-assignor.js';

export interface BalancerMember {
  id: MemberId;
  topics: readonly string[];
}

/**
 * @param members in member order; ties in load go to the earlier member.
 * @param owners each partition's current owner by `tpKey` (conflicts already settled); an owner
 *   keeps a partition only while it is still a member subscribed to the partition's topic.
 * @returns every member's partitions, sorted.
 */
export function stickyBalance(
  partitionsPerTopic: ReadonlyMap<string, number>,
  members: readonly BalancerMember[],
  owners: ReadonlyMap<string, MemberId>,
): Map<MemberId, TopicPartition[]> {
  const eligible = new Map<MemberId, Set<string>>();
  const subscribers = new Map<string, MemberId[]>();
  for (const member of members) {
    const topics = new Set(member.topics.filter((topic) => (partitionsPerTopic.get(topic) ?? 0) > 0));
    eligible.set(member.id, topics);
    for (const topic of topics) {
      let list = subscribers.get(topic);
      if (list === undefined) subscribers.set(topic, (list = []));
      list.push(member.id);
    }
  }

  const holdings = new Map<MemberId, TopicPartition[]>(members.map((member) => [member.id, []]));
  const unowned: TopicPartition[] = [];
  let total = 0;
  for (const topic of [...subscribers.keys()].sort(compareStrings)) {
    const count = partitionsPerTopic.get(topic) ?? 0;
    total += count;
    for (let partition = 0; partition < count; partition++) {
      const owner = owners.get(tpKey(topic, partition));
      const kept = owner === undefined || !eligible.get(owner)?.has(topic) ? undefined : holdings.get(owner);
      (kept ?? unowned).push({ topic, partition });
    }
  }

  if (members.length > 0) {
    const first = eligible.get(members[0].id) ?? new Set();
    const sameTopics = members.every(({ id }) => {
      const topics = eligible.get(id) ?? new Set();
      return topics.size === first.size && [...topics].every((topic) => first.has(topic));
    });
    if (sameTopics) assignByQuota(members, holdings, unowned, total);
    else assignByCounts(members, holdings, unowned, subscribers, partitionsPerTopic);
  }
  for (const partitions of holdings.values()) partitions.sort(compareTopicPartitions);
  return holdings;
}

function assignByQuota(
  members: readonly BalancerMember[],
  holdings: Map<MemberId, TopicPartition[]>,
  unowned: TopicPartition[],
  total: number,
): void {
  const held = (id: MemberId): TopicPartition[] => holdings.get(id) ?? [];
  const minQuota = Math.floor(total / members.length);
  let largerQuotas = total % members.length;

  const pool = [...unowned];
  // Only a member owning more than the smaller quota can use a larger one, and any such member
  // owns at least the larger quota, so which of them get the larger quotas moves no more or
  // fewer partitions: member order decides.
  for (const { id } of members) {
    let quota = minQuota;
    if (held(id).length > minQuota && largerQuotas > 0) {
      quota++;
      largerQuotas--;
    }
    pool.push(...held(id).splice(quota));
  }
  pool.sort(compareTopicPartitions);

  // One partition per member per pass, so a fresh group gets partitions spread like round robin.
  let next = 0;
  let short = members.filter(({ id }) => held(id).length < minQuota);
  while (short.length > 0) {
    for (const { id } of short) held(id).push(pool[next++]);
    short = short.filter(({ id }) => held(id).length < minQuota);
  }
  for (const { id } of members) {
    if (largerQuotas === 0) break;
    if (held(id).length === minQuota) {
      held(id).push(pool[next++]);
      largerQuotas--;
    }
  }
}

function assignByCounts(
  members: readonly BalancerMember[],
  holdings: Map<MemberId, TopicPartition[]>,
  unowned: TopicPartition[],
  subscribers: ReadonlyMap<string, MemberId[]>,
  partitionsPerTopic: ReadonlyMap<string, number>,
): void {
  const held = (id: MemberId): TopicPartition[] => holdings.get(id) ?? [];
  const index = new Map(members.map(({ id }, i) => [id, i]));
  const topicList = [...subscribers.keys()].sort(compareStrings);
  const topicIndex = new Map(topicList.map((topic, t) => [topic, t]));

  const owned = members.map(() => topicList.map(() => 0));
  members.forEach(({ id }, m) => {
    for (const tp of held(id)) owned[m][topicIndex.get(tp.topic) ?? 0]++;
  });
  const counts = balancedCounts(
    members.length,
    topicList.map((topic) => partitionsPerTopic.get(topic) ?? 0),
    topicList.map((topic) => (subscribers.get(topic) ?? []).map((id) => index.get(id) ?? 0)),
    owned,
  );

  // Each member keeps the first of its own partitions up to its count; the rest of every topic
  // goes round the members still short of their count, one at a time, in member order.
  const free = topicList.map(() => [] as TopicPartition[]);
  for (const tp of unowned) free[topicIndex.get(tp.topic) ?? 0].push(tp);
  const missing = counts.map((row) => [...row]);
  members.forEach(({ id }, m) => {
    const kept: TopicPartition[] = [];
    for (const tp of held(id)) {
      const t = topicIndex.get(tp.topic) ?? 0;
      if (missing[m][t] > 0) {
        missing[m][t]--;
        kept.push(tp);
      } else {
        free[t].push(tp);
      }
    }
    holdings.set(id, kept);
  });
  topicList.forEach((topic, t) => {
    const pool = free[t].sort(compareTopicPartitions);
    let next = 0;
    let short = (subscribers.get(topic) ?? []).filter((id) => missing[index.get(id) ?? 0][t] > 0);
    while (short.length > 0) {
      for (const id of short) {
        held(id).push(pool[next++]);
        missing[index.get(id) ?? 0][t]--;
      }
      short = short.filter((id) => missing[index.get(id) ?? 0][t] > 0);
    }
  });
}
