/** OffsetCommit and OffsetFetch on the wire, old and new layouts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka();
  k.broker.createTopic('oc', { partitions: 2 });
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

describe('OffsetCommit', () => {
  it('commits outside group management, per partition, with metadata', async () => {
    const r = await c.request(8, 8, {
      groupId: 'oc-simple',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        { name: 'oc', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: 0, committedMetadata: 'meta' }, { partitionIndex: 9, committedOffset: 1n, committedMetadata: null }] },
        { name: 'oc-none', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] },
      ],
    });
    expect(r.topics.map((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode])).flat()).toEqual([
      ['oc', 0, 0],
      ['oc', 9, 3],
      ['oc-none', 0, 3],
    ]);
    expect(k.broker.groups.offsets.fetch('oc-simple', [{ topic: 'oc', partition: 0 }])[0]).toMatchObject({ offset: 5, metadata: 'meta' });
    // v0: no generation at all.
    const v0 = await c.request(8, 0, { groupId: 'oc-simple', topics: [{ name: 'oc', partitions: [{ partitionIndex: 1, committedOffset: 7n, committedMetadata: '' }] }] });
    expect(v0.topics[0]!.partitions[0]!.errorCode).toBe(0);
  });

  it('refuses a commit from a stranger to an active group', async () => {
    const joined = await c.request(11, 3, { groupId: 'oc-active', sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }] });
    await c.request(14, 3, { groupId: 'oc-active', generationId: joined.generationId, memberId: joined.memberId, assignments: [] });
    const stranger = await c.request(8, 7, { groupId: 'oc-active', generationIdOrMemberEpoch: joined.generationId, memberId: 'stranger', topics: [{ name: 'oc', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }] });
    expect(stranger.topics[0]!.partitions[0]!.errorCode).toBe(25);
    const member = await c.request(8, 7, { groupId: 'oc-active', generationIdOrMemberEpoch: joined.generationId, memberId: joined.memberId, topics: [{ name: 'oc', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }] });
    expect(member.topics[0]!.partitions[0]!.errorCode).toBe(0);
  });
});

describe('OffsetFetch', () => {
  it('fetches chosen partitions or all of them (v2+), -1 where nothing is committed', async () => {
    const chosen = await c.request(9, 5, { groupId: 'oc-simple', topics: [{ name: 'oc', partitionIndexes: [0, 1] }] });
    expect(chosen.errorCode).toBe(0);
    expect(chosen.topics[0]!.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset), p.metadata])).toEqual([
      [0, 5, 'meta'],
      [1, 7, ''],
    ]);
    const all = await c.request(9, 7, { groupId: 'oc-simple', topics: null, requireStable: true });
    expect(all.topics[0]!.partitions).toHaveLength(2);
    const none = await c.request(9, 1, { groupId: 'oc-nobody', topics: [{ name: 'oc', partitionIndexes: [0] }] });
    expect(Number(none.topics[0]!.partitions[0]!.committedOffset)).toBe(-1);
  });

  it('fetches several groups at once (v8+)', async () => {
    const r = await c.request(9, 8, {
      groups: [
        { groupId: 'oc-simple', topics: [{ name: 'oc', partitionIndexes: [0] }] },
        { groupId: 'oc-nobody', topics: null },
      ],
      requireStable: false,
    });
    expect(r.groups.map((g) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => Number(p.committedOffset)))])).toEqual([
      ['oc-simple', 0, [5]],
      ['oc-nobody', 0, []],
    ]);
  });

  it('with requireStable reports offsets pending in an open transaction as UNSTABLE_OFFSET_COMMIT', async () => {
    const producer = k.broker.producer({ transactionalId: 'oc-txn' });
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.sendOffsetsToTransaction([{ topic: 'oc', partition: 1, offset: 99 }], 'oc-simple');
    const stable = await c.request(9, 7, { groupId: 'oc-simple', topics: [{ name: 'oc', partitionIndexes: [1] }], requireStable: true });
    expect(stable.topics[0]!.partitions[0]!.errorCode).toBe(88);
    const loose = await c.request(9, 7, { groupId: 'oc-simple', topics: [{ name: 'oc', partitionIndexes: [1] }], requireStable: false });
    expect(loose.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, committedOffset: 7n });
    await producer.commitTransaction();
    await producer.close();
    const after = await c.request(9, 8, { groups: [{ groupId: 'oc-simple', topics: [{ name: 'oc', partitionIndexes: [1] }] }], requireStable: true });
    expect(after.groups[0]!.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, committedOffset: 99n });
  });
});
