import { describe, expect, it } from 'vitest';
import { decodeCooperativeStickyUserData, encodeCooperativeStickyUserData } from '../../../../storage/broker/consumer-protocol.js';
import { CooperativeStickyAssignor } from '../../../../storage/broker/assignors/cooperative-sticky-assignor.js';
import { byMember, expectValid, GroupSimulation, members, names, spread, sub, topics, tps } from './helpers.js';

const cooperative = new CooperativeStickyAssignor();

function snapshot(group: GroupSimulation): Record<string, string[]> {
  return Object.fromEntries([...group.owned].map(([id, partitions]) => [id, names(partitions)]));
}

describe('CooperativeStickyAssignor', () => {
  it('goes by the protocol name "cooperative-sticky" under the cooperative protocol', () => {
    expect(cooperative.name).toBe('cooperative-sticky');
    expect(cooperative.rebalanceProtocol).toBe('COOPERATIVE');
  });

  it('assigns a fresh group in one round, balanced', () => {
    const partitions = topics({ t0: 3, t1: 4 });
    const group = members({ a: sub(['t0', 't1']), b: sub(['t0', 't1']), c: sub(['t0', 't1']) });
    const result = cooperative.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(spread(result)).toBe(1);
  });

  it('first only revokes the partition a joining member needs, then assigns it in the follow-up round', () => {
    const group = new GroupSimulation(cooperative, topics({ t: 6 }));
    for (const id of ['m1', 'm2', 'm3']) group.join(id, ['t']);
    group.rebalance();
    const before = snapshot(group);

    group.join('m4', ['t']);
    const round1 = group.rebalance();
    expect(byMember(round1.result).m4).toEqual([]);
    const revoked = ['m1', 'm2', 'm3'].flatMap((id) => (before[id] ?? []).filter((label) => !byMember(round1.result)[id].includes(label)));
    expect(revoked).toHaveLength(1);
    for (const id of ['m1', 'm2', 'm3']) {
      // Round 1 takes away, never adds.
      expect(before[id]).toEqual(expect.arrayContaining(byMember(round1.result)[id]));
    }

    const round2 = group.rebalance();
    expectValid(group.partitionsPerTopic, group.subscriptions(), round2.result);
    expect(byMember(round2.result).m4).toEqual(revoked);
    expect(spread(round2.result)).toBe(1);

    const round3 = group.rebalance();
    expect(byMember(round3.result)).toEqual(byMember(round2.result));
  });

  it('hands out the partitions of a member that left in a single round: nobody owns them any more', () => {
    const group = new GroupSimulation(cooperative, topics({ a: 4, b: 4 }));
    for (const id of ['m1', 'm2', 'm3', 'm4']) group.join(id, ['a', 'b']);
    group.rebalance();
    const before = snapshot(group);
    group.leave('m4');
    const { result, moved } = group.rebalance();
    expectValid(group.partitionsPerTopic, group.subscriptions(), result);
    expect(moved).toBe(0);
    for (const id of ['m1', 'm2', 'm3']) expect(byMember(result)[id]).toEqual(expect.arrayContaining(before[id] ?? []));
    expect(group.settle()).toBe(0);
  });

  it('revokes the partitions of a topic a member unsubscribed from before another member gets them', () => {
    const group = new GroupSimulation(cooperative, topics({ a: 2, b: 2 }));
    group.join('m1', ['a', 'b']);
    group.join('m2', ['a', 'b']);
    group.rebalance();
    const bOfM1 = (snapshot(group).m1 ?? []).filter((label) => label.startsWith('b-'));
    expect(bOfM1.length).toBeGreaterThan(0);

    group.topicsOf.set('m1', ['a']);
    const round1 = group.rebalance();
    for (const label of bOfM1) {
      expect(byMember(round1.result).m1).not.toContain(label);
      expect(byMember(round1.result).m2).not.toContain(label);
    }
    group.rebalance();
    expect(snapshot(group).m2).toEqual(expect.arrayContaining(bOfM1));
    expectValid(group.partitionsPerTopic, group.subscriptions(), new Map([...group.owned].map(([id, partitions]) => [id, { partitions, userData: null }])));
  });

  it('never gives a member a partition another member still claims, even from an older generation', () => {
    const partitions = topics({ t: 4 });
    const group = members({
      fresh: sub(['t'], { ownedPartitions: tps('t-0', 't-1'), generationId: 7 }),
      stale: sub(['t'], { ownedPartitions: tps('t-1', 't-2', 't-3'), generationId: 5 }),
      joiner: sub(['t']),
    });
    const result = cooperative.assign(partitions, group);
    expectValid(partitions, group, result, false);
    const assigned = byMember(result);
    expect(assigned.fresh).toContain('t-1'); // the newer generation keeps it
    expect(assigned.stale).not.toContain('t-1');
    expect(assigned.joiner).toEqual([]); // whatever it should get, someone still owns
  });

  it('reads the generation from user data when the subscription is older than v2', () => {
    const partitions = topics({ t: 2 });
    const stale = (generation: number, owned: string[]) =>
      sub(['t'], { ownedPartitions: tps(...owned), userData: encodeCooperativeStickyUserData(generation) });
    expect(byMember(cooperative.assign(partitions, members({ A: stale(9, ['t-0', 't-1']), B: stale(4, ['t-0']) })))).toEqual({
      A: ['t-0'],
      B: [],
    });
    expect(byMember(cooperative.assign(partitions, members({ A: stale(3, ['t-0', 't-1']), B: stale(4, ['t-0']) })))).toEqual({
      A: ['t-1'],
      B: ['t-0'],
    });
  });

  it('writes the generation as its user data', () => {
    const data = cooperative.userData({ topics: ['t'], previousAssignment: tps('t-0'), generationId: 12 });
    expect(decodeCooperativeStickyUserData(data ?? Buffer.alloc(0))).toBe(12);
  });

  it('returns the same assignment for the same group, whatever order the members come in', () => {
    const partitions = topics({ x: 5, y: 7 });
    const entries = Object.entries({
      m3: sub(['x', 'y'], { ownedPartitions: tps('y-1', 'y-2', 'x-0'), generationId: 2 }),
      m1: sub(['y']),
      m2: sub(['x'], { ownedPartitions: tps('x-1'), generationId: 2 }),
    });
    const first = cooperative.assign(partitions, new Map(entries));
    expect(byMember(cooperative.assign(partitions, new Map([...entries].reverse())))).toEqual(byMember(first));
  });
});
