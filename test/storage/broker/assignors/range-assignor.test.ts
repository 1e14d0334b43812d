import { describe, expect, it } from 'vitest';
import { RangeAssignor } from '../../../../storage/broker/assignors/range-assignor.js';
import { byMember, expectValid, members, spread, sub, topics } from './helpers.js';

const range = new RangeAssignor();

describe('RangeAssignor', () => {
  it('goes by the protocol name "range" under the eager protocol', () => {
    expect(range.name).toBe('range');
    expect(range.rebalanceProtocol).toBe('EAGER');
  });

  it("gives each member a contiguous range of each topic, as in Kafka's documentation", () => {
    // RangeAssignor's javadoc: C0 and C1 on t0 and t1 with 3 partitions each.
    const partitions = topics({ t0: 3, t1: 3 });
    const group = members({ C0: sub(['t0', 't1']), C1: sub(['t0', 't1']) });
    const result = range.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result)).toEqual({ C0: ['t0-0', 't0-1', 't1-0', 't1-1'], C1: ['t0-2', 't1-2'] });
  });

  it('balances one topic to within one partition', () => {
    const partitions = topics({ t: 10 });
    const group = members({ a: sub(['t']), b: sub(['t']), c: sub(['t']), d: sub(['t']) });
    const result = range.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(spread(result)).toBe(1);
    expect(byMember(result)).toEqual({
      a: ['t-0', 't-1', 't-2'],
      b: ['t-3', 't-4', 't-5'],
      c: ['t-6', 't-7'],
      d: ['t-8', 't-9'],
    });
  });

  it('gives the same partition numbers of co-partitioned topics to the same member', () => {
    const partitions = topics({ orders: 4, payments: 4 });
    const group = members({ m1: sub(['orders', 'payments']), m2: sub(['orders', 'payments']), m3: sub(['orders', 'payments']) });
    const result = range.assign(partitions, group);
    for (const { partitions: assigned } of result.values()) {
      const numbers = (topic: string): number[] => assigned.filter((tp) => tp.topic === topic).map((tp) => tp.partition);
      expect(numbers('orders')).toEqual(numbers('payments'));
    }
  });

  it('splits each topic among its own subscribers only', () => {
    const partitions = topics({ t0: 2, t1: 3 });
    const group = members({ a: sub(['t0']), b: sub(['t0', 't1']) });
    const result = range.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result)).toEqual({ a: ['t0-0'], b: ['t0-1', 't1-0', 't1-1', 't1-2'] });
  });

  it('orders static members by group.instance.id, ahead of dynamic members', () => {
    const partitions = topics({ t: 3 });
    const group = members({
      'a-dynamic': sub(['t']),
      'z-static': sub(['t'], { groupInstanceId: 'instance-1' }),
      'b-static': sub(['t'], { groupInstanceId: 'instance-2' }),
    });
    expect(byMember(range.assign(partitions, group))).toEqual({
      'z-static': ['t-0'],
      'b-static': ['t-1'],
      'a-dynamic': ['t-2'],
    });
  });

  it('leaves members beyond the partition count empty and ignores topics that do not exist', () => {
    const partitions = topics({ t: 2 });
    const group = members({ a: sub(['t', 'missing']), b: sub(['t']), c: sub(['t', 'missing']) });
    const result = range.assign(partitions, group);
    expectValid(partitions, group, result);
    expect(byMember(result)).toEqual({ a: ['t-0'], b: ['t-1'], c: [] });
  });

  it('returns the same assignment for the same group, whatever order the members come in', () => {
    const partitions = topics({ x: 5, y: 7 });
    const entries = Object.entries({ m3: sub(['x', 'y']), m1: sub(['y']), m2: sub(['x']) });
    const first = range.assign(partitions, new Map(entries));
    expect(byMember(range.assign(partitions, new Map([...entries].reverse())))).toEqual(byMember(first));
  });
});
