import { describe, expect, it } from 'vitest';
import { placeStandbys, type PlacementMember } from '../../../engine/runtime/standby-placement.js';

const member = (memberId: string, processId: string | null, active: string[]): PlacementMember => ({ memberId, processId, active: new Set(active) });
const sorted = (placement: Map<string, Set<string>>) => Object.fromEntries([...placement].map(([m, tasks]) => [m, [...tasks].sort()]));
const TASKS = ['0_0', '0_1', '0_2', '0_3'];

describe('standby placement', () => {
  it('puts each task\'s standby on the next instance by process id, never on its active one', () => {
    const members = [member('m-b', 'p2', ['0_2', '0_3']), member('m-a', 'p1', ['0_0', '0_1'])];
    expect(sorted(placeStandbys(members, TASKS, 1))).toEqual({ 'm-a': ['0_2', '0_3'], 'm-b': ['0_0', '0_1'] });
    // A ring of three: p1's tasks go to p2, p2's to p3, p3's back to p1.
    const three = [member('x', 'p3', ['0_3']), member('y', 'p1', ['0_0', '0_1']), member('z', 'p2', ['0_2'])];
    expect(sorted(placeStandbys(three, TASKS, 1))).toEqual({ x: ['0_2'], y: ['0_3'], z: ['0_0', '0_1'] });
    expect(sorted(placeStandbys(three, TASKS, 2))).toEqual({ x: ['0_0', '0_1', '0_2'], y: ['0_2', '0_3'], z: ['0_0', '0_1', '0_3'] });
  });

  it('is the same whatever order the group lists its members in', () => {
    const members = [member('a', 'p4', ['0_0']), member('b', 'p2', ['0_1']), member('c', 'p3', ['0_2']), member('d', 'p1', ['0_3'])];
    const expected = sorted(placeStandbys(members, TASKS, 2));
    for (const order of [[3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]]) expect(sorted(placeStandbys(order.map((i) => members[i]!), [...TASKS].reverse(), 2))).toEqual(expected);
  });

  it('places fewer standbys when there are fewer other instances than replicas, and none with one instance or none asked', () => {
    const two = [member('a', 'p1', ['0_0', '0_1']), member('b', 'p2', ['0_2', '0_3'])];
    expect(sorted(placeStandbys(two, TASKS, 3))).toEqual(sorted(placeStandbys(two, TASKS, 1)));
    expect(sorted(placeStandbys([member('a', 'p1', TASKS)], TASKS, 2))).toEqual({ a: [] });
    expect(sorted(placeStandbys(two, TASKS, 0))).toEqual({ a: [], b: [] });
    expect(sorted(placeStandbys([], TASKS, 1))).toEqual({});
  });

  it('gives standbys to instances without tasks, and none to tasks nobody runs or that are not stateful', () => {
    const members = [member('a', 'p1', ['0_0', '1_0']), member('b', 'p2', ['1_1'])];
    // 0_1 has no active instance (a group caught between assignments); 1_x are not in the stateful list.
    expect(sorted(placeStandbys(members, ['0_0', '0_1'], 1))).toEqual({ a: [], b: ['0_0'] });
  });

  it('orders by member id where a member sent no process id', () => {
    const members = [member('m2', null, ['0_0']), member('m1', null, ['0_1']), member('m3', null, ['0_2'])];
    expect(sorted(placeStandbys(members, ['0_0', '0_1', '0_2'], 1))).toEqual({ m1: ['0_2'], m2: ['0_1'], m3: ['0_0'] });
  });
});
