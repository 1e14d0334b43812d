/**
 * The classic group protocol driven by hand: JoinGroup (with MEMBER_ID_REQUIRED from v4),
 * SyncGroup, Heartbeat, LeaveGroup (batched from v3), and FindCoordinator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka();
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

const protocols = [{ name: 'range', metadata: Buffer.from('subscription') }];

describe('FindCoordinator', () => {
  it('names this node for groups and transactions, one key (v0-3) or several (v4+)', async () => {
    expect(await c.request(10, 0, { key: 'g' })).toMatchObject({ errorCode: 0, nodeId: 1, host: '127.0.0.1', port: k.port });
    expect(await c.request(10, 3, { key: 'txn', keyType: 1 })).toMatchObject({ errorCode: 0, nodeId: 1, errorMessage: null });
    const batched = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    expect(batched.coordinators).toEqual([
      { key: 'a', nodeId: 1, host: '127.0.0.1', port: k.port, errorCode: 0, errorMessage: null },
      { key: 'b', nodeId: 1, host: '127.0.0.1', port: k.port, errorCode: 0, errorMessage: null },
    ]);
    // Share groups (key type 2) are not served.
    expect((await c.request(10, 6, { keyType: 2, coordinatorKeys: ['s'] })).coordinators[0]!.errorCode).toBe(42);
  });
});

describe('group membership', () => {
  it('joins (MEMBER_ID_REQUIRED, then with the id), syncs, heartbeats and leaves', async () => {
    const join = { groupId: 'gm', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols };
    const first = await c.request(11, 9, { ...join, memberId: '' });
    expect(first.errorCode).toBe(79);
    expect(first.memberId).toMatch(/^raw-test-/);
    const joined = await c.request(11, 9, { ...join, memberId: first.memberId });
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, memberId: first.memberId, skipAssignment: false });
    expect(joined.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: Buffer.from('subscription') }]);

    const synced = await c.request(14, 5, { groupId: 'gm', generationId: 1, memberId: first.memberId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: Buffer.from('mine') }] });
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.from('mine') });
    expect(await c.request(12, 4, { groupId: 'gm', generationId: 1, memberId: first.memberId })).toMatchObject({ errorCode: 0 });
    expect((await c.request(12, 4, { groupId: 'gm', generationId: 7, memberId: first.memberId })).errorCode).toBe(22);
    expect((await c.request(12, 0, { groupId: 'gm', generationId: 1, memberId: 'stranger' })).errorCode).toBe(25);

    const described = k.broker.groups.describeGroup('gm');
    expect(described.members[0]).toMatchObject({ clientId: 'raw-test', clientHost: '/127.0.0.1' });

    const left = await c.request(13, 5, { groupId: 'gm', members: [{ memberId: first.memberId, groupInstanceId: null }, { memberId: 'stranger', groupInstanceId: null }] });
    expect(left.errorCode).toBe(0);
    expect(left.members.map((m) => [m.memberId, m.errorCode])).toEqual([
      [first.memberId, 0],
      ['stranger', 25],
    ]);
    expect(k.broker.groups.describeGroup('gm').state).toBe('Empty');
  });

  it('joins in one step before v4, and leaves by member id before v3', async () => {
    const joined = await c.request(11, 3, { groupId: 'gm-old', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols });
    expect(joined.errorCode).toBe(0);
    expect(joined.leader).toBe(joined.memberId);
    expect((await c.request(13, 2, { groupId: 'gm-old', memberId: joined.memberId })).errorCode).toBe(0);
    expect((await c.request(13, 0, { groupId: 'gm-old', memberId: joined.memberId })).errorCode).toBe(25);
  });

  it('holds the connection while a rebalance waits for the other member', async () => {
    const other = await RawClient.connect(k.port);
    try {
      const join = { groupId: 'gm-two', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer', protocols };
      const a = await c.request(11, 5, { ...join, memberId: '' });
      const aJoined = await c.request(11, 5, { ...join, memberId: a.memberId });
      await c.request(14, 3, { groupId: 'gm-two', generationId: aJoined.generationId, memberId: a.memberId, assignments: [] });
      // B joins: the group rebalances and B's JoinGroup waits until A rejoins.
      const b = await other.request(11, 5, { ...join, memberId: '' });
      const bJoin = other.request(11, 5, { ...join, memberId: b.memberId });
      const hb = await c.request(12, 3, { groupId: 'gm-two', generationId: aJoined.generationId, memberId: a.memberId });
      expect(hb.errorCode).toBe(27);
      const aRejoined = await c.request(11, 5, { ...join, memberId: a.memberId });
      const bJoined = await bJoin;
      expect(aRejoined.generationId).toBe(aJoined.generationId + 1);
      expect(bJoined.generationId).toBe(aRejoined.generationId);
      expect(aRejoined.members.length + bJoined.members.length).toBe(2);
    } finally {
      other.close();
    }
  });

  it('refuses a session timeout outside the broker bounds', async () => {
    const r = await c.request(11, 5, { groupId: 'gm-bad', sessionTimeoutMs: 10, rebalanceTimeoutMs: 10, memberId: '', protocolType: 'consumer', protocols });
    expect(r.errorCode).toBe(26);
  });
});
