import { afterEach, describe, expect, it } from 'vitest';
import { Broker, type BrokerOptions } from '../../../storage/broker/broker.js';
import type { JoinGroupRequest } from '../../../storage/broker/group-coordinator.js';
import { silentLogger } from '../../../storage/logger.js';
import { tempDir } from '../../helpers/tmp.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function open(opts: Partial<BrokerOptions> = {}): Promise<Broker> {
  const t = tempDir();
  const broker = await Broker.open({ dataDir: t.dir, logger: silentLogger, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 100, offsetsTopicPartitions: 2, ...opts });
  cleanups.push(t.cleanup, () => broker.close());
  return broker;
}

const protocols = [{ name: 'range', metadata: Buffer.from('m') }];
const join = (groupId: string, memberId = '', extra: Partial<JoinGroupRequest> = {}): JoinGroupRequest => ({
  groupId,
  memberId,
  protocolType: 'consumer',
  protocols,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 2000,
  clientId: 'test',
  ...extra,
});

describe('GroupCoordinator', () => {
  it('hands out a member id first when the client asks for it (JoinGroup v4+), then forms generation 1', async () => {
    const b = await open();
    const first = await b.groups.joinGroup(join('g', '', { requireKnownMemberId: true }));
    expect(first.error).toBe('MEMBER_ID_REQUIRED');
    expect(first.memberId).toMatch(/^test-/);
    const joined = await b.groups.joinGroup(join('g', first.memberId));
    expect(joined).toMatchObject({ error: null, generationId: 1, leader: first.memberId, protocolName: 'range' });
    expect(joined.members).toHaveLength(1);
    const sync = await b.groups.syncGroup({ groupId: 'g', generationId: 1, memberId: first.memberId, assignments: new Map([[first.memberId, Buffer.from('A')]]) });
    expect(sync).toMatchObject({ error: null, assignment: Buffer.from('A') });
    expect(b.groups.describeGroup('g').state).toBe('Stable');
  });

  it('waits for every known member to rejoin, and only the leader gets the member list', async () => {
    const b = await open();
    const a = await b.groups.joinGroup(join('g'));
    await b.groups.syncGroup({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, assignments: new Map() });
    const newcomer = b.groups.joinGroup(join('g'));
    expect(b.groups.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: a.generationId })).toBe('REBALANCE_IN_PROGRESS');
    const rejoin = b.groups.joinGroup(join('g', a.memberId));
    const [n, r] = await Promise.all([newcomer, rejoin]);
    expect(n.generationId).toBe(2);
    expect(r.generationId).toBe(2);
    expect(r.leader).toBe(a.memberId);
    expect(r.members).toHaveLength(2);
    expect(n.members).toHaveLength(0);
    // A stale generation is refused.
    expect(b.groups.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1 })).toBe('ILLEGAL_GENERATION');
    expect((await b.groups.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId })).error).toBe('ILLEGAL_GENERATION');
  });

  it('refuses members whose protocols do not match the group', async () => {
    const b = await open();
    await b.groups.joinGroup(join('g'));
    const other = await b.groups.joinGroup(join('g', '', { protocols: [{ name: 'roundrobin', metadata: Buffer.alloc(0) }] }));
    expect(other.error).toBe('INCONSISTENT_GROUP_PROTOCOL');
    const badTimeout = await b.groups.joinGroup(join('g', '', { sessionTimeoutMs: 10 }));
    expect(badTimeout.error).toBe('INVALID_SESSION_TIMEOUT');
    expect((await b.groups.joinGroup(join('', ''))).error).toBe('INVALID_GROUP_ID');
  });

  it('removes a member whose session times out and rebalances the rest', async () => {
    const b = await open();
    const a = await b.groups.joinGroup(join('g', '', { sessionTimeoutMs: 150 }));
    await b.groups.syncGroup({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, assignments: new Map() });
    await new Promise((r) => setTimeout(r, 400));
    expect(b.groups.describeGroup('g')).toMatchObject({ state: 'Empty', members: [] });
    expect(b.groups.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: a.generationId })).toBe('UNKNOWN_MEMBER_ID');
  });

  it('lets a static member restart without a rebalance and fences its old incarnation', async () => {
    const b = await open();
    const a = await b.groups.joinGroup(join('g', '', { groupInstanceId: 'instance-1' }));
    await b.groups.syncGroup({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, assignments: new Map([[a.memberId, Buffer.from('P0')]]) });
    const restarted = await b.groups.joinGroup(join('g', '', { groupInstanceId: 'instance-1' }));
    expect(restarted.error).toBeNull();
    expect(restarted.generationId).toBe(a.generationId);
    expect(restarted.memberId).not.toBe(a.memberId);
    expect(restarted.skipAssignment).toBe(true);
    const sync = await b.groups.syncGroup({ groupId: 'g', generationId: restarted.generationId, memberId: restarted.memberId, groupInstanceId: 'instance-1' });
    expect(sync.assignment.toString()).toBe('P0');
    expect(b.groups.heartbeat({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, groupInstanceId: 'instance-1' })).toBe('FENCED_INSTANCE_ID');
    expect(b.groups.describeGroup('g').state).toBe('Stable');
  });

  it('delays the first rebalance so members starting together land in one generation', async () => {
    const b = await open({ groupInitialRebalanceDelayMs: 200 });
    const first = b.groups.joinGroup(join('g'));
    await new Promise((r) => setTimeout(r, 50));
    const second = b.groups.joinGroup(join('g'));
    const [x, y] = await Promise.all([first, second]);
    expect(x.generationId).toBe(1);
    expect(y.generationId).toBe(1);
  });

  it('rejects commits from members of an old generation and accepts simple (assign) commits', async () => {
    const b = await open();
    b.createTopic('t');
    const a = await b.groups.joinGroup(join('g'));
    await b.groups.syncGroup({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, assignments: new Map() });
    const stale = await b.groups.offsets.commit({ groupId: 'g', generationId: a.generationId - 1, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    expect(stale.error).toBe('ILLEGAL_GENERATION');
    const unknown = await b.groups.offsets.commit({ groupId: 'g', generationId: a.generationId, memberId: 'nobody', offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    expect(unknown.error).toBe('UNKNOWN_MEMBER_ID');
    const ok = await b.groups.offsets.commit({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, offsets: [{ topic: 't', partition: 0, offset: 1 }, { topic: 'nope', partition: 0, offset: 1 }] });
    expect(ok).toEqual({ error: null, partitions: [null, 'UNKNOWN_TOPIC_OR_PARTITION'] });
    const simple = await b.groups.offsets.commit({ groupId: 'solo', generationId: -1, memberId: '', offsets: [{ topic: 't', partition: 0, offset: 4 }] });
    expect(simple.error).toBeNull();
    expect(b.groups.offsets.fetch('solo', [{ topic: 't', partition: 0 }])[0]!.offset).toBe(4);
  });

  it('removes members that leave (LeaveGroup with several members)', async () => {
    const b = await open();
    const a = await b.groups.joinGroup(join('g'));
    await b.groups.syncGroup({ groupId: 'g', generationId: a.generationId, memberId: a.memberId, assignments: new Map() });
    const result = b.groups.leaveGroup('g', [{ memberId: a.memberId }, { memberId: 'ghost' }]);
    expect(result).toEqual({ groupError: null, members: [null, 'UNKNOWN_MEMBER_ID'] });
    expect(b.groups.describeGroup('g').state).toBe('Empty');
  });
});
