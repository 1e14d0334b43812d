import { describe, expect, it } from 'vitest';
import { decodeStickyUserData, encodeStickyUserData } from '../../../../storage/broker/consumer-protocol.js';
import { StickyAssignor } from '../../../../storage/broker/assignors/sticky-assignor.js';
import { byMember, expectValid, GroupSimulation, members, names, spread, sub, topics, tps } from './helpers.js';

const sticky = new StickyAssignor();

/** Subscription user data as a Java sticky member that had `labels` in `generation` sends it. */
function had(generation: number | null, ...labels: string[]): Buffer {
  const grouped = new Map<string, number[]>();
  for (const { topic, partition } of tps(...labels)) grouped.set(topic, [...(grouped.get(topic) ?? []), partition]);
  const data = encodeStickyUserData(
    [...grouped].map(([topic, partitions]) => ({ topic, partitions })),
    generation ?? 0,
  );
  return generation === null ? data.subarray(0, data.length - 4) : data; // V0 has no generation
}

describe('StickyAssignor', () => {
  it('goes by the protocol name "sticky" under the eager protocol', () => {
    expect(sticky.name).toBe('sticky');
    expect(sticky.rebalanceProtocol).toBe('EAGER');
  });

  it("starts out like round robin, as in Kafka's documentation (example 1)", () => {
    const partitions = topics({ t0: 2, t1: 2, t2: 2, t3: 2 });
    const all = ['t0', 't1', 't2', 't3'];
    const group = members({ C0: sub(all), C1: sub(all), C2: sub(all) });
    const result = sticky.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result)).toEqual({
      C0: ['t0-0', 't1-1', 't3-0'],
      C1: ['t0-1', 't2-0', 't3-1'],
      C2: ['t1-0', 't2-1'],
    });
  });

  it('keeps every partition of the members that stay when one leaves (example 1 continued)', () => {
    const partitions = topics({ t0: 2, t1: 2, t2: 2, t3: 2 });
    const all = ['t0', 't1', 't2', 't3'];
    const group = members({
      C0: sub(all, { userData: had(1, 't0-0', 't1-1', 't3-0') }),
      C2: sub(all, { userData: had(1, 't1-0', 't2-1') }),
    });
    const result = sticky.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(spread(result)).toBe(0);
    expect(byMember(result).C0).toEqual(expect.arrayContaining(['t0-0', 't1-1', 't3-0']));
    expect(byMember(result).C2).toEqual(expect.arrayContaining(['t1-0', 't2-1']));
  });

  it("balances different subscriptions better than round robin (Kafka's example 2)", () => {
    const partitions = topics({ t0: 1, t1: 2, t2: 3 });
    const group = members({ C0: sub(['t0']), C1: sub(['t0', 't1']), C2: sub(['t0', 't1', 't2']) });
    const result = sticky.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result)).toEqual({ C0: ['t0-0'], C1: ['t1-0', 't1-1'], C2: ['t2-0', 't2-1', 't2-2'] });

    const withoutC0 = members({
      C1: sub(['t0', 't1'], { userData: had(1, 't1-0', 't1-1') }),
      C2: sub(['t0', 't1', 't2'], { userData: had(1, 't2-0', 't2-1', 't2-2') }),
    });
    expect(byMember(sticky.assign(partitions, withoutC0))).toEqual({
      C1: ['t0-0', 't1-0', 't1-1'],
      C2: ['t2-0', 't2-1', 't2-2'],
    });
  });

  it('moves one partition when a fourth member joins three on six partitions', () => {
    const group = new GroupSimulation(sticky, topics({ t: 6 }));
    for (const id of ['m1', 'm2', 'm3']) group.join(id, ['t']);
    group.rebalance();
    const before = new Map([...group.owned].map(([id, partitions]) => [id, names(partitions)]));

    group.join('m4', ['t']);
    const { result, moved } = group.rebalance();
    expectValid(group.partitionsPerTopic, group.subscriptions(), result);
    expect(moved).toBe(1);
    expect(spread(result)).toBe(1);
    for (const id of ['m1', 'm2', 'm3']) {
      const kept = names(result.get(id)?.partitions ?? []).filter((label) => before.get(id)?.includes(label));
      expect(kept.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('moves only the partitions of a member that leaves', () => {
    const group = new GroupSimulation(sticky, topics({ a: 5, b: 4 }));
    for (const id of ['m1', 'm2', 'm3', 'm4']) group.join(id, ['a', 'b']);
    group.rebalance();
    const before = new Map([...group.owned].map(([id, partitions]) => [id, names(partitions)]));
    group.leave('m2');
    const { result, moved } = group.rebalance();
    expect(moved).toBe(0); // between members that stay
    expect(spread(result)).toBe(0);
    for (const id of ['m1', 'm3', 'm4']) expect(byMember(result)[id]).toEqual(expect.arrayContaining(before.get(id) ?? []));
    expect(Object.values(byMember(result)).flat()).toEqual(expect.arrayContaining(before.get('m2') ?? []));
  });

  it('lets the newer generation win when two members claim a partition (KIP-341)', () => {
    const partitions = topics({ t: 4 });
    const stale = members({
      A: sub(['t'], { userData: had(5, 't-0', 't-1') }),
      B: sub(['t'], { userData: had(4, 't-1', 't-2', 't-3') }),
    });
    expect(byMember(sticky.assign(partitions, stale))).toEqual({ A: ['t-0', 't-1'], B: ['t-2', 't-3'] });

    const reversed = members({
      A: sub(['t'], { userData: had(4, 't-0', 't-1') }),
      B: sub(['t'], { userData: had(5, 't-1', 't-2', 't-3') }),
    });
    const result = byMember(sticky.assign(partitions, reversed));
    expect(result.B).toContain('t-1');
    expect(result.A).toContain('t-0');
  });

  it('gives a partition claimed twice in one generation to either, once', () => {
    const partitions = topics({ t: 2 });
    const group = members({ A: sub(['t'], { userData: had(3, 't-0') }), B: sub(['t'], { userData: had(3, 't-0') }) });
    const result = sticky.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(spread(result)).toBe(0);
  });

  it('reads V0 user data (no generation) from old clients', () => {
    const partitions = topics({ t: 4 });
    const group = members({ A: sub(['t'], { userData: had(null, 't-2', 't-3') }), B: sub(['t']) });
    expect(byMember(sticky.assign(partitions, group))).toEqual({ A: ['t-2', 't-3'], B: ['t-0', 't-1'] });
  });

  it('assigns despite unreadable user data, falling back to owned partitions', () => {
    const partitions = topics({ t: 4 });
    const group = members({
      A: sub(['t'], { userData: Buffer.from([0, 0, 0, 9]), ownedPartitions: tps('t-3'), generationId: 2 }),
      B: sub(['t'], { userData: Buffer.from('garbage') }),
    });
    const result = sticky.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result).A).toContain('t-3');
  });

  it('writes its user data only once the member has had an assignment', () => {
    expect(sticky.userData({ topics: ['t'], previousAssignment: [], generationId: -1 })).toBeNull();
    const data = sticky.userData({ topics: ['t'], previousAssignment: tps('t-4', 's-1', 't-0'), generationId: 8 });
    expect(data).not.toBeNull();
    expect(decodeStickyUserData(data ?? Buffer.alloc(0))).toEqual({
      previousAssignment: [
        { topic: 's', partitions: [1] },
        { topic: 't', partitions: [0, 4] },
      ],
      generation: 8,
    });
  });

  it('drops partitions of topics the member no longer subscribes to, and of topics that shrank', () => {
    const partitions = topics({ a: 2, b: 2 });
    const group = members({
      A: sub(['a'], { userData: had(1, 'a-0', 'b-0', 'b-1', 'a-7') }),
      B: sub(['a', 'b'], { userData: had(1, 'a-1') }),
    });
    const result = sticky.assign(partitions, group);
    expectValid(partitions, group, result);
    // b can only go to B, so B's a-1 goes to A for balance: balance comes before stickiness.
    expect(byMember(result)).toEqual({ A: ['a-0', 'a-1'], B: ['b-0', 'b-1'] });
  });

  it('returns the same assignment for the same group, whatever order the members come in', () => {
    const partitions = topics({ x: 5, y: 7 });
    const entries = Object.entries({
      m3: sub(['x', 'y'], { userData: had(2, 'y-1', 'y-2', 'x-0') }),
      m1: sub(['y']),
      m2: sub(['x'], { userData: had(2, 'x-1') }),
    });
    const first = sticky.assign(partitions, new Map(entries));
    expect(byMember(sticky.assign(partitions, new Map([...entries].reverse())))).toEqual(byMember(first));
  });
});
