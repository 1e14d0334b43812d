import { describe, expect, it } from 'vitest';
import { RoundRobinAssignor } from '../../../../storage/broker/assignors/round-robin-assignor.js';
import { byMember, expectValid, members, spread, sub, topics } from './helpers.js';

const roundRobin = new RoundRobinAssignor();

describe('RoundRobinAssignor', () => {
  it('goes by the protocol name "roundrobin" under the eager protocol', () => {
    expect(roundRobin.name).toBe('roundrobin');
    expect(roundRobin.rebalanceProtocol).toBe('EAGER');
  });

  it("deals all partitions in topic order, as in Kafka's documentation", () => {
    // RoundRobinAssignor's javadoc, first example.
    const partitions = topics({ t0: 3, t1: 3 });
    const group = members({ C0: sub(['t0', 't1']), C1: sub(['t0', 't1']) });
    const result = roundRobin.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result)).toEqual({ C0: ['t0-0', 't0-2', 't1-1'], C1: ['t0-1', 't1-0', 't1-2'] });
  });

  it("passes over members not subscribed to a topic, as in Kafka's documentation", () => {
    // RoundRobinAssignor's javadoc, second example: balanced it is not.
    const partitions = topics({ t0: 1, t1: 2, t2: 3 });
    const group = members({ C0: sub(['t0']), C1: sub(['t0', 't1']), C2: sub(['t0', 't1', 't2']) });
    const result = roundRobin.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result)).toEqual({ C0: ['t0-0'], C1: ['t1-0'], C2: ['t1-1', 't2-0', 't2-1', 't2-2'] });
  });

  it('balances to within one partition across topics when all subscribe to the same topics', () => {
    const partitions = topics({ a: 3, b: 3, c: 3, d: 2 });
    const group = members({ m1: sub(['a', 'b', 'c', 'd']), m2: sub(['a', 'b', 'c', 'd']), m3: sub(['a', 'b', 'c', 'd']), m4: sub(['a', 'b', 'c', 'd']) });
    const result = roundRobin.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(spread(result)).toBe(1);
  });

  it('orders static members by group.instance.id, ahead of dynamic members', () => {
    const partitions = topics({ t: 3 });
    const group = members({
      'a-dynamic': sub(['t']),
      'z-static': sub(['t'], { groupInstanceId: 'instance-1' }),
      'b-static': sub(['t'], { groupInstanceId: 'instance-2' }),
    });
    expect(byMember(roundRobin.assign(partitions, group))).toEqual({
      'z-static': ['t-0'],
      'b-static': ['t-1'],
      'a-dynamic': ['t-2'],
    });
  });

  it('keeps nothing from before: a member leaving reshuffles partitions among those who stay', () => {
    const partitions = topics({ t: 6 });
    const before = byMember(roundRobin.assign(partitions, members({ a: sub(['t']), b: sub(['t']), c: sub(['t']) })));
    const after = byMember(roundRobin.assign(partitions, members({ a: sub(['t']), c: sub(['t']) })));
    expect(before.a).toEqual(['t-0', 't-3']);
    expect(after.a).toEqual(['t-0', 't-2', 't-4']); // t-3 moved away from a although a stayed
  });

  it('returns the same assignment for the same group, whatever order the members come in', () => {
    const partitions = topics({ x: 5, y: 7 });
    const entries = Object.entries({ m3: sub(['x', 'y']), m1: sub(['y']), m2: sub(['x']) });
    const first = roundRobin.assign(partitions, new Map(entries));
    expect(byMember(roundRobin.assign(partitions, new Map([...entries].reverse())))).toEqual(byMember(first));
  });
});
