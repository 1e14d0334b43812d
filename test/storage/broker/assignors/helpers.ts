import { expect } from 'vitest';
import { tpKey } from '../../../../storage/types.js';
import type { TopicPartition } from '../../../../storage/types.js';
import { subscriptionOf } from '../../../../storage/broker/assignors/partition-assignor.js';
import type {
  Assignment,
  MemberId,
  PartitionAssignor,
  Subscription,
} from '../../../../storage/broker/assignors/partition-assignor.js';

export { subscriptionOf as sub };

export function topics(counts: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(counts));
}

export function members(entries: Record<MemberId, Subscription>): Map<MemberId, Subscription> {
  return new Map(Object.entries(entries));
}

/** "t-0" style names, sorted, for readable expectations. */
export function names(partitions: readonly TopicPartition[]): string[] {
  return partitions.map(({ topic, partition }) => `${topic}-${partition}`).sort();
}

export function tps(...labels: string[]): TopicPartition[] {
  return labels.map((label) => {
    const cut = label.lastIndexOf('-');
    return { topic: label.slice(0, cut), partition: Number(label.slice(cut + 1)) };
  });
}

export function byMember(result: ReadonlyMap<MemberId, Assignment>): Record<MemberId, string[]> {
  return Object.fromEntries([...result].map(([id, assignment]) => [id, names(assignment.partitions)]));
}

export function loads(result: ReadonlyMap<MemberId, Assignment>): number[] {
  return [...result.values()].map((assignment) => assignment.partitions.length);
}

export function spread(result: ReadonlyMap<MemberId, Assignment>): number {
  const counts = loads(result);
  return Math.max(...counts) - Math.min(...counts);
}

/** Every partition a member may get: the partitions of the existing topics someone subscribes to. */
export function assignable(
  partitionsPerTopic: ReadonlyMap<string, number>,
  subscriptions: ReadonlyMap<MemberId, Subscription>,
): Set<string> {
  const out = new Set<string>();
  for (const subscription of subscriptions.values()) {
    for (const topic of subscription.topics) {
      for (let p = 0; p < (partitionsPerTopic.get(topic) ?? 0); p++) out.add(tpKey(topic, p));
    }
  }
  return out;
}

/**
 * The checks every assignor's result must pass: one entry per member, partitions that exist and
 * that the member subscribes to, no partition twice; with `complete`, every assignable partition.
 */
export function expectValid(
  partitionsPerTopic: ReadonlyMap<string, number>,
  subscriptions: ReadonlyMap<MemberId, Subscription>,
  result: ReadonlyMap<MemberId, Assignment>,
  complete = true,
): Set<string> {
  expect([...result.keys()].sort()).toEqual([...subscriptions.keys()].sort());
  const seen = new Set<string>();
  for (const [member, { partitions }] of result) {
    const subscribed = new Set(subscriptions.get(member)?.topics);
    for (const { topic, partition } of partitions) {
      expect(subscribed.has(topic), `${member} got ${topic}-${partition} without subscribing`).toBe(true);
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(partitionsPerTopic.get(topic) ?? 0);
      const key = tpKey(topic, partition);
      expect(seen.has(key), `${topic}-${partition} assigned twice`).toBe(false);
      seen.add(key);
    }
  }
  if (complete) expect(seen).toEqual(assignable(partitionsPerTopic, subscriptions));
  return seen;
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
export function random(seed: number): { int(maxExclusive: number): number; chance(p: number): boolean } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (max) => Math.floor(next() * max), chance: (p) => next() < p };
}

/**
 * A consumer group driven through rebalances the way consumers behave: EAGER members revoke
 * everything before they join and report their last assignment through the assignor's user
 * data; COOPERATIVE members keep what they own and report it in `ownedPartitions`.
 */
export class GroupSimulation {
  generation = 0;
  readonly owned = new Map<MemberId, TopicPartition[]>();
  readonly topicsOf = new Map<MemberId, string[]>();
  readonly lastGeneration = new Map<MemberId, number>();

  constructor(
    readonly assignor: PartitionAssignor,
    readonly partitionsPerTopic: Map<string, number>,
  ) {}

  join(member: MemberId, topicList: string[]): void {
    this.topicsOf.set(member, topicList);
    this.owned.set(member, []);
    this.lastGeneration.set(member, -1);
  }

  leave(member: MemberId): void {
    this.topicsOf.delete(member);
    this.owned.delete(member);
    this.lastGeneration.delete(member);
  }

  subscriptions(): Map<MemberId, Subscription> {
    const cooperative = this.assignor.rebalanceProtocol === 'COOPERATIVE';
    const out = new Map<MemberId, Subscription>();
    for (const [member, topicList] of this.topicsOf) {
      const previousAssignment = this.owned.get(member) ?? [];
      const generationId = this.lastGeneration.get(member) ?? -1;
      out.set(
        member,
        subscriptionOf(topicList, {
          userData: this.assignor.userData?.({ topics: topicList, previousAssignment, generationId }) ?? null,
          ownedPartitions: cooperative ? previousAssignment : [],
          generationId: cooperative ? generationId : -1,
        }),
      );
    }
    return out;
  }

  /**
   * One rebalance: returns the assignment and the partitions that changed owner. Fails the test
   * if a cooperative assignment hands a member a partition another member still owns.
   */
  rebalance(): { result: Map<MemberId, Assignment>; moved: number } {
    const subscriptions = this.subscriptions();
    const result = this.assignor.assign(this.partitionsPerTopic, subscriptions);
    this.generation++;
    const ownerBefore = new Map<string, MemberId>();
    for (const [member, partitions] of this.owned) for (const tp of partitions) ownerBefore.set(tpKey(tp.topic, tp.partition), member);
    let moved = 0;
    for (const [member, { partitions }] of result) {
      for (const { topic, partition } of partitions) {
        const before = ownerBefore.get(tpKey(topic, partition));
        if (before !== undefined && before !== member) {
          moved++;
          if (this.assignor.rebalanceProtocol === 'COOPERATIVE') {
            expect.fail(`${topic}-${partition} given to ${member} while ${before} still owns it`);
          }
        }
      }
      this.owned.set(member, partitions);
      this.lastGeneration.set(member, this.generation);
    }
    return { result, moved };
  }

  /** Rebalances until nothing changes; returns the rounds that changed something. */
  settle(maxRounds = 5): number {
    for (let round = 1; round <= maxRounds; round++) {
      const before = JSON.stringify([...this.owned].map(([m, p]) => [m, names(p)]).sort());
      this.rebalance();
      const after = JSON.stringify([...this.owned].map(([m, p]) => [m, names(p)]).sort());
      if (before === after) return round - 1;
    }
    throw new Error(`group did not settle in ${maxRounds} rebalances`);
  }
}

/**
 * Fails when some member could pass a partition, directly or through a chain of members, to a
 * member with two or more fewer: then a better balanced assignment exists. (Without such a chain
 * the loads are optimal: the condition for optimal semi-matchings, Harvey et al. 2006.)
 */
export function expectBestBalance(
  subscriptions: ReadonlyMap<MemberId, Subscription>,
  result: ReadonlyMap<MemberId, Assignment>,
  label = '',
): void {
  const load = (id: MemberId): number => result.get(id)?.partitions.length ?? 0;
  for (const source of result.keys()) {
    const reached = new Set([source]);
    const queue = [source];
    while (queue.length > 0) {
      const from = queue.shift() as MemberId;
      const held = new Set(result.get(from)?.partitions.map((tp) => tp.topic));
      for (const [to, subscription] of subscriptions) {
        if (reached.has(to) || !subscription.topics.some((topic) => held.has(topic))) continue;
        expect(load(to), `${label}: ${source} (${load(source)}) can pass a partition on to ${to}`).toBeGreaterThan(load(source) - 2);
        reached.add(to);
        queue.push(to);
      }
    }
  }
}
