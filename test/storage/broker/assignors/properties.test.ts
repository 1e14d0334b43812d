/**
 * Randomized groups (seeded, so a failure names a seed to replay): random topics and partition
 * counts, members with equal or different subscriptions, static members, subscriptions to topics
 * that do not exist; then random joins, leaves, subscription changes and partition additions.
 */
import { describe, expect, it } from 'vitest';
import { tpKey } from '../../../../storage/types.js';
import { CooperativeStickyAssignor } from '../../../../storage/broker/assignors/cooperative-sticky-assignor.js';
import type { MemberId, PartitionAssignor, Subscription } from '../../../../storage/broker/assignors/partition-assignor.js';
import { RangeAssignor } from '../../../../storage/broker/assignors/range-assignor.js';
import { RoundRobinAssignor } from '../../../../storage/broker/assignors/round-robin-assignor.js';
import { StickyAssignor } from '../../../../storage/broker/assignors/sticky-assignor.js';
import { byMember, expectBestBalance, expectValid, GroupSimulation, random, spread, sub } from './helpers.js';

const SEEDS = 150;

type Rng = ReturnType<typeof random>;

interface RandomGroup {
  partitionsPerTopic: Map<string, number>;
  topicsOf: Map<MemberId, string[]>;
  instanceOf: Map<MemberId, string | null>;
  sameTopics: boolean;
}

function randomTopics(rng: Rng, universe: string[]): string[] {
  const chosen = universe.filter(() => rng.chance(0.5));
  return chosen.length > 0 ? chosen : [universe[rng.int(universe.length)]];
}

function randomGroup(rng: Rng): RandomGroup {
  const partitionsPerTopic = new Map<string, number>();
  const topicCount = 1 + rng.int(5);
  for (let t = 0; t < topicCount; t++) partitionsPerTopic.set(`topic-${t}`, rng.int(13));
  const universe = [...partitionsPerTopic.keys(), ...(rng.chance(0.2) ? ['not-created-yet'] : [])];
  const sameTopics = rng.chance(0.4);
  const shared = randomTopics(rng, universe);
  const topicsOf = new Map<MemberId, string[]>();
  const instanceOf = new Map<MemberId, string | null>();
  const memberCount = 1 + rng.int(8);
  for (let m = 0; m < memberCount; m++) {
    const id = `member-${rng.int(1000)}-${m}`;
    topicsOf.set(id, sameTopics ? shared : randomTopics(rng, universe));
    instanceOf.set(id, rng.chance(0.25) ? `instance-${rng.int(100)}-${m}` : null);
  }
  return { partitionsPerTopic, topicsOf, instanceOf, sameTopics };
}

function subscriptionsOf(group: RandomGroup): Map<MemberId, Subscription> {
  return new Map([...group.topicsOf].map(([id, topicList]) => [id, sub(topicList, { groupInstanceId: group.instanceOf.get(id) ?? null })]));
}

const eager: PartitionAssignor[] = [new RangeAssignor(), new RoundRobinAssignor(), new StickyAssignor()];

describe.each(eager.map((assignor) => [assignor.name, assignor] as const))('%s on random groups', (_, assignor) => {
  it('assigns every partition exactly once, to a member subscribed to its topic', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const group = randomGroup(random(seed));
      const subscriptions = subscriptionsOf(group);
      expectValid(group.partitionsPerTopic, subscriptions, assignor.assign(group.partitionsPerTopic, subscriptions));
    }
  });

  it('balances to within one partition when all members subscribe to the same topics', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const group = randomGroup(random(seed));
      if (!group.sameTopics) continue;
      const subscriptions = subscriptionsOf(group);
      const result = assignor.assign(group.partitionsPerTopic, subscriptions);
      if (assignor.name === 'range') {
        // Range balances each topic on its own (the first members collect every topic's extra).
        for (const topic of group.partitionsPerTopic.keys()) {
          const perMember = [...result.values()].map((a) => a.partitions.filter((tp) => tp.topic === topic).length);
          if ([...subscriptions.values()][0].topics.includes(topic)) expect(Math.max(...perMember) - Math.min(...perMember)).toBeLessThanOrEqual(1);
        }
      } else {
        expect(spread(result), `seed ${seed}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('gives the same answer for the same group, whatever order the members come in', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const group = randomGroup(random(seed));
      const subscriptions = subscriptionsOf(group);
      const first = byMember(assignor.assign(group.partitionsPerTopic, subscriptions));
      const reversed = new Map([...subscriptions].reverse());
      expect(byMember(assignor.assign(group.partitionsPerTopic, reversed)), `seed ${seed}`).toEqual(first);
    }
  });
});

describe('sticky on random groups with different subscriptions', () => {
  it('balances as well as the subscriptions allow', () => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const group = randomGroup(random(seed));
      const subscriptions = subscriptionsOf(group);
      expectBestBalance(subscriptions, new StickyAssignor().assign(group.partitionsPerTopic, subscriptions), `seed ${seed}`);
    }
  });
});

/** One random change to a running group. */
function mutate(rng: Rng, group: GroupSimulation, universe: string[], sameTopics: boolean, step: number): void {
  const ids = [...group.topicsOf.keys()];
  const shared = ids.length > 0 ? (group.topicsOf.get(ids[0]) ?? universe) : universe;
  const choice = rng.int(4);
  if (choice === 0 || ids.length <= 1) {
    group.join(`joiner-${step}-${rng.int(1000)}`, sameTopics ? shared : randomTopics(rng, universe));
  } else if (choice === 1) {
    group.leave(ids[rng.int(ids.length)]);
  } else if (choice === 2) {
    if (sameTopics) {
      const topicList = randomTopics(rng, universe);
      for (const id of ids) group.topicsOf.set(id, topicList);
    } else {
      group.topicsOf.set(ids[rng.int(ids.length)], randomTopics(rng, universe));
    }
  } else {
    const topic = universe[rng.int(universe.length)];
    if (group.partitionsPerTopic.has(topic)) group.partitionsPerTopic.set(topic, (group.partitionsPerTopic.get(topic) ?? 0) + 1 + rng.int(3));
  }
}

/** Partitions that stayed with a present, still subscribed member and still had to move, at least. */
function fewestMoves(group: GroupSimulation, ownedBefore: Map<MemberId, string[]>): number {
  const retained: number[] = [];
  let total = 0;
  for (const [id, topicList] of group.topicsOf) {
    const subscribed = new Set(topicList);
    retained.push((ownedBefore.get(id) ?? []).filter((key) => subscribed.has(key.split('\u0000')[0])).length);
  }
  for (const topic of new Set([...group.topicsOf.values()].flat())) total += group.partitionsPerTopic.get(topic) ?? 0;
  const n = retained.length;
  const floor = Math.floor(total / n);
  retained.sort((a, b) => b - a);
  return retained.reduce((sum, count, i) => sum + Math.max(0, count - (i < total % n ? floor + 1 : floor)), 0);
}

function actualMoves(group: GroupSimulation, ownedBefore: Map<MemberId, string[]>): number {
  let moved = 0;
  for (const [id, keys] of ownedBefore) {
    if (!group.topicsOf.has(id)) continue;
    const now = new Set((group.owned.get(id) ?? []).map((tp) => tpKey(tp.topic, tp.partition)));
    const subscribed = new Set(group.topicsOf.get(id));
    moved += keys.filter((key) => subscribed.has(key.split('\u0000')[0]) && !now.has(key)).length;
  }
  return moved;
}

describe.each([new StickyAssignor(), new CooperativeStickyAssignor()].map((a) => [a.name, a] as const))(
  '%s through random membership changes',
  (_, assignor) => {
    it('stays valid and as balanced as the subscriptions allow, and moves the fewest partitions it can', () => {
      for (let seed = 0; seed < SEEDS; seed++) {
        const rng = random(seed);
        const start = randomGroup(rng);
        const universe = [...new Set([...start.partitionsPerTopic.keys(), ...[...start.topicsOf.values()].flat()])];
        const group = new GroupSimulation(assignor, start.partitionsPerTopic);
        for (const [id, topicList] of start.topicsOf) group.join(id, topicList);
        group.settle();

        for (let step = 0; step < 4; step++) {
          const ownedBefore = new Map([...group.owned].map(([id, tps]) => [id, tps.map((tp) => tpKey(tp.topic, tp.partition))]));
          mutate(rng, group, universe, start.sameTopics, step);
          // One rebalance for eager; cooperative needs at most a follow-up to hand out what was revoked.
          const rounds = assignor.rebalanceProtocol === 'EAGER' ? (group.rebalance(), 1) : group.settle();
          expect(rounds, `seed ${seed} step ${step}`).toBeLessThanOrEqual(2);

          const subscriptions = group.subscriptions();
          const current = new Map([...group.owned].map(([id, partitions]) => [id, { partitions, userData: null }]));
          expectValid(group.partitionsPerTopic, subscriptions, current);

          expectBestBalance(subscriptions, current, `seed ${seed} step ${step}`);
          if (start.sameTopics) {
            expect(actualMoves(group, ownedBefore), `seed ${seed} step ${step}`).toBe(fewestMoves(group, ownedBefore));
          }
        }
      }
    });
  },
);

/**
 * Tiny groups checked against every possible assignment: the sticky result must have the best
 * balance (smallest sum of squared loads) and, among the assignments balanced that well, keep
 * the most partitions with their owners.
 */
describe('sticky against exhaustive search on tiny groups', () => {
  it('is optimal in balance first and kept partitions second', () => {
    let checked = 0;
    for (let seed = 0; seed < 3000; seed++) {
      const rng = random(seed);
      const partitionsPerTopic = new Map<string, number>();
      const topicCount = 1 + rng.int(3);
      for (let t = 0; t < topicCount; t++) partitionsPerTopic.set(`t${t}`, 1 + rng.int(4));
      const universe = [...partitionsPerTopic.keys()];
      const ids = Array.from({ length: 1 + rng.int(4) }, (_, m) => `m${m}`);
      const topicsOf = new Map(ids.map((id) => [id, randomTopics(rng, universe)]));
      const subscribed = universe.filter((topic) => ids.some((id) => topicsOf.get(id)?.includes(topic)));
      const all = subscribed.flatMap((topic) => Array.from({ length: partitionsPerTopic.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })));
      if (all.length > 9) continue;
      checked++;
      // A consistent previous owner for some partitions, among members subscribed to the topic.
      const ownerOf = new Map<string, MemberId>();
      for (const tp of all) {
        const candidates = ids.filter((id) => topicsOf.get(id)?.includes(tp.topic));
        if (candidates.length > 0 && rng.chance(0.7)) ownerOf.set(tpKey(tp.topic, tp.partition), candidates[rng.int(candidates.length)]);
      }
      const subscriptions = new Map(
        ids.map((id) => [
          id,
          sub(topicsOf.get(id) ?? [], {
            ownedPartitions: all.filter((tp) => ownerOf.get(tpKey(tp.topic, tp.partition)) === id),
            generationId: 1,
          }),
        ]),
      );

      const score = (ownerPerPartition: MemberId[]): [number, number] => {
        const load = new Map(ids.map((id) => [id, 0]));
        let kept = 0;
        ownerPerPartition.forEach((id, i) => {
          load.set(id, (load.get(id) ?? 0) + 1);
          if (ownerOf.get(tpKey(all[i].topic, all[i].partition)) === id) kept++;
        });
        return [[...load.values()].reduce((sum, n) => sum + n * n, 0), kept];
      };
      let best: [number, number] = [Infinity, -1];
      const choose = (i: number, chosen: MemberId[]): void => {
        if (i === all.length) {
          const [squares, kept] = score(chosen);
          if (squares < best[0] || (squares === best[0] && kept > best[1])) best = [squares, kept];
          return;
        }
        for (const id of ids) if (topicsOf.get(id)?.includes(all[i].topic)) choose(i + 1, [...chosen, id]);
      };
      choose(0, []);

      const result = new StickyAssignor().assign(partitionsPerTopic, subscriptions);
      const owners = all.map((tp) => [...result].find(([, a]) => a.partitions.some((p) => p.topic === tp.topic && p.partition === tp.partition))?.[0] ?? '');
      expect(score(owners), `seed ${seed}`).toEqual(best);
    }
    expect(checked).toBeGreaterThan(1500);
  });
});
