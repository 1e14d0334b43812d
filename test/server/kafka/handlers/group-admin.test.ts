/** ListGroups, DescribeGroups and DeleteGroups on the wire. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;
let memberId = '';

beforeAll(async () => {
  k = await startKafka();
  c = await RawClient.connect(k.port);
  k.broker.createTopic('ga', { partitions: 1 });
  // 'ga-stable' has a member; 'ga-empty' only committed offsets.
  const join = { groupId: 'ga-stable', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }] };
  const joined = await c.request(11, 3, join);
  memberId = joined.memberId;
  await c.request(14, 3, { groupId: 'ga-stable', generationId: joined.generationId, memberId, assignments: [{ memberId, assignment: Buffer.from('a') }] });
  await k.broker.groups.offsets.commit({ groupId: 'ga-empty', generationId: -1, memberId: '', offsets: [{ topic: 'ga', partition: 0, offset: 3 }] });
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

describe('ListGroups', () => {
  it('lists groups with their state and type, filtered by state (v4+) and type (v5)', async () => {
    const all = await c.request(16, 5, {});
    expect(all.groups).toEqual([
      { groupId: 'ga-empty', protocolType: 'consumer', groupState: 'Empty', groupType: 'classic' },
      { groupId: 'ga-stable', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
    ]);
    expect((await c.request(16, 4, { statesFilter: ['Stable'] })).groups.map((g) => g.groupId)).toEqual(['ga-stable']);
    expect((await c.request(16, 5, { typesFilter: ['consumer'] })).groups).toEqual([]);
    expect((await c.request(16, 0, {})).groups.map((g) => g.groupId)).toEqual(['ga-empty', 'ga-stable']);
  });
});

describe('DescribeGroups', () => {
  it('describes members with their metadata and assignment; an unknown group is Dead', async () => {
    const r = await c.request(15, 5, { groups: ['ga-stable', 'ga-none'] });
    expect(r.groups[0]).toMatchObject({ errorCode: 0, groupId: 'ga-stable', groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(r.groups[0]!.members).toEqual([{ memberId, groupInstanceId: null, clientId: 'raw-test', clientHost: '/127.0.0.1', memberMetadata: Buffer.from('m'), memberAssignment: Buffer.from('a') }]);
    expect(r.groups[1]).toMatchObject({ errorCode: 0, groupId: 'ga-none', groupState: 'Dead', members: [] });
  });
});

describe('DeleteGroups', () => {
  it('deletes empty groups with their offsets; refuses groups with members and unknown ones', async () => {
    const r = await c.request(42, 2, { groupsNames: ['ga-empty', 'ga-stable', 'ga-none'] });
    expect(r.results).toEqual([
      { groupId: 'ga-empty', errorCode: 0 },
      { groupId: 'ga-stable', errorCode: 68 },
      { groupId: 'ga-none', errorCode: 69 },
    ]);
    expect(k.broker.groups.offsets.fetch('ga-empty', [{ topic: 'ga', partition: 0 }])[0]!.offset).toBe(-1);
  });
});
