import { afterEach, describe, expect, it } from 'vitest';
import { Broker, type BrokerOptions } from '../../../storage/broker/broker.js';
import { silentLogger } from '../../../storage/logger.js';
import { encodeBatch } from '../../../storage/log/record-batch.js';
import { tempDir } from '../../helpers/tmp.js';
import { pollUntil } from '../client/client-suite.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function dataDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function open(dir: string, opts: Partial<BrokerOptions> = {}): Promise<Broker> {
  const broker = await Broker.open({ dataDir: dir, logger: silentLogger, groupInitialRebalanceDelayMs: 0, offsetsTopicPartitions: 3, transactionStateTopicPartitions: 3, ...opts });
  cleanups.push(() => broker.close());
  return broker;
}

describe('Broker', () => {
  it('keeps topics, configs and data across a restart', async () => {
    const dir = dataDir();
    const first = await open(dir);
    first.createTopic('orders', { partitions: 4, configs: { 'retention.ms': '1000000' } });
    await first.producer().send({ topic: 'orders', partition: 2, value: 'o1' });
    const id = first.describeTopic('orders').topicId;
    await first.close();
    const second = await open(dir);
    expect(second.listTopics()).toEqual(['orders']);
    expect(second.describeTopic('orders')).toMatchObject({ topicId: id, configs: { 'retention.ms': '1000000' } });
    expect(second.describeTopic('orders').partitions).toHaveLength(4);
    expect(second.listOffset('orders', 2, -1).offset).toBe(1);
  });

  it('refuses a second broker on the same data directory', async () => {
    const dir = dataDir();
    await open(dir);
    await expect(Broker.open({ dataDir: dir, logger: silentLogger })).rejects.toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
  });

  it('auto-creates topics when enabled, and says what to do when not', async () => {
    const on = await open(dataDir(), { defaultPartitions: 3 });
    expect(on.partitionsFor('fresh')).toBe(3);
    const off = await open(dataDir(), { autoCreateTopics: false });
    expect(() => off.partitionsFor('fresh')).toThrow(expect.objectContaining({ code: 'UNKNOWN_TOPIC_OR_PARTITION', message: expect.stringMatching(/create it first/) }));
    await expect(off.producer().send({ topic: 'fresh', value: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('answers bad requests with typed errors', async () => {
    const broker = await open(dataDir());
    broker.createTopic('t', { partitions: 1, configs: { 'max.message.bytes': '2000' } });
    await expect(broker.produce('t', 5, encodeBatch([{ key: null, value: Buffer.from('x'), timestamp: 1 }]))).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(broker.produce('t', 0, encodeBatch([{ key: null, value: Buffer.alloc(5000), timestamp: 1 }]))).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    await expect(broker.produce('t', 0, encodeBatch([{ key: null, value: Buffer.from('x'), timestamp: 1 }]), { acks: 2 })).rejects.toMatchObject({ code: 'INVALID_REQUIRED_ACKS' });
    await expect(broker.produce('__consumer_offsets', 0, encodeBatch([{ key: null, value: Buffer.from('x'), timestamp: 1 }]))).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION' });
    const [res] = await broker.fetch([{ topic: 't', partition: 0, offset: 99, maxBytes: 1000 }], { maxWaitMs: 0 });
    expect(res!.error?.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(() => broker.createTopic('t2', { partitions: 1, replicationFactor: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_REPLICATION_FACTOR' }));
    expect(() => broker.createTopic('a.b')).not.toThrow();
    expect(() => broker.createTopic('a_b')).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC_EXCEPTION' }));
  });

  it('writes an idempotent retry once', async () => {
    const broker = await open(dataDir());
    broker.createTopic('t');
    const batch = encodeBatch([{ key: null, value: Buffer.from('once'), timestamp: 1 }], { producerId: 77, producerEpoch: 0, baseSequence: 0 });
    const retry = Buffer.from(batch);
    expect(await broker.produce('t', 0, batch)).toMatchObject({ baseOffset: 0, duplicate: false });
    expect(await broker.produce('t', 0, retry)).toMatchObject({ baseOffset: 0, duplicate: true });
    expect(broker.listOffset('t', 0, -1).offset).toBe(1);
  });

  it('wakes a long-polling fetch when data arrives', async () => {
    const broker = await open(dataDir());
    broker.createTopic('t');
    const started = Date.now();
    const pending = broker.fetch([{ topic: 't', partition: 0, offset: 0, maxBytes: 10000 }], { maxWaitMs: 5000, minBytes: 1 });
    setTimeout(() => void broker.producer({ lingerMs: 0 }).send({ topic: 't', value: 'hello' }), 50);
    const [res] = await pending;
    expect(res!.records.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(4000);
    const [empty] = await broker.fetch([{ topic: 't', partition: 0, offset: 1, maxBytes: 10000 }], { maxWaitMs: 100 });
    expect(empty!.records.length).toBe(0);
  });

  it('keeps committed offsets across a restart', async () => {
    const dir = dataDir();
    const first = await open(dir);
    first.createTopic('t', { partitions: 2 });
    const c = first.consumer({ groupId: 'keeper' });
    c.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    await c.commitSync([{ topic: 't', partition: 0, offset: 7, metadata: 'm' }, { topic: 't', partition: 1, offset: 3 }]);
    await c.commitSync([{ topic: 't', partition: 0, offset: 9 }]);
    await first.close();
    const second = await open(dir);
    expect(second.groups.offsets.fetch('keeper', null).map((o) => [o.partition, o.offset]).sort()).toEqual([[0, 9], [1, 3]]);
    expect((await second.admin().listGroups()).map((g) => [g.groupId, g.state])).toEqual([['keeper', 'Empty']]);
  });

  it('aborts a transaction open past its timeout and fences its producer', async () => {
    const broker = await open(dataDir(), { transactionAbortCheckIntervalMs: 50 });
    broker.createTopic('t');
    const p = broker.producer({ transactionalId: 'slow', transactionTimeoutMs: 200 });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 't', value: 'abandoned' });
    await new Promise((r) => setTimeout(r, 600));
    expect(broker.transactions.describe('slow')?.state).toBe('CompleteAbort');
    await expect(p.commitTransaction()).rejects.toMatchObject({ code: expect.stringMatching(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/) });
    const reader = broker.consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'earliest' });
    reader.assign([{ topic: 't', partition: 0 }]);
    expect(await reader.poll(200)).toEqual([]);
    expect(await reader.position({ topic: 't', partition: 0 })).toBe(2);
  });

  it('keeps an open transaction across a restart and commits it afterwards', async () => {
    const dir = dataDir();
    const first = await open(dir);
    first.createTopic('t');
    const p = first.producer({ transactionalId: 'survivor' });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: 't', value: 'in-flight' });
    await first.close();
    const second = await open(dir);
    expect(second.transactions.describe('survivor')?.state).toBe('Ongoing');
    expect(second.listOffset('t', 0, -1, 'read_committed').offset).toBe(0);
    // A new incarnation of the producer aborts the old transaction.
    const again = second.producer({ transactionalId: 'survivor' });
    await again.initTransactions();
    expect(second.transactions.describe('survivor')?.state).toBe('Empty');
    const reader = second.consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'earliest' });
    reader.assign([{ topic: 't', partition: 0 }]);
    again.beginTransaction();
    await again.send({ topic: 't', value: 'after' });
    await again.commitTransaction();
    const got = await pollUntil(reader, 1, 3000);
    expect(got.map((r) => r.value!.toString())).toEqual(['after']);
  });

  it('applies retention through the broker and deleteRecords through admin', async () => {
    const broker = await open(dataDir());
    broker.createTopic('old', { configs: { 'segment.bytes': '1000', 'retention.ms': '1000' } });
    const p = broker.producer();
    for (let i = 0; i < 30; i++) await p.send({ topic: 'old', value: 'x'.repeat(100), timestamp: Date.now() - 60_000 });
    expect(broker.applyRetention()).toBeGreaterThan(0);
    expect(broker.listOffset('old', 0, -2).offset).toBe(30);
    broker.createTopic('trim');
    for (let i = 0; i < 10; i++) await p.send({ topic: 'trim', value: `${i}` });
    expect(await broker.admin().deleteRecords([{ topic: 'trim', partition: 0, offset: -1 }])).toEqual([{ topic: 'trim', partition: 0, lowWatermark: 10 }]);
  });

  it('deletes a topic with its data and committed offsets', async () => {
    const broker = await open(dataDir());
    broker.createTopic('gone', { partitions: 2 });
    await broker.producer().send({ topic: 'gone', value: 'x' });
    const c = broker.consumer({ groupId: 'g' });
    c.assign([{ topic: 'gone', partition: 0 }]);
    await c.commitSync([{ topic: 'gone', partition: 0, offset: 1 }]);
    broker.deleteTopic('gone');
    expect(broker.listTopics()).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(broker.groups.offsets.fetch('g', null)).toEqual([]);
    broker.createTopic('gone', { partitions: 1 });
    expect(broker.listOffset('gone', 0, -1).offset).toBe(0);
  });

  it('compacts a compacted topic to the latest value per key', async () => {
    const broker = await open(dataDir());
    broker.createTopic('table', { configs: { 'cleanup.policy': 'compact', 'segment.bytes': '2000', 'min.cleanable.dirty.ratio': '0.01' } });
    const p = broker.producer();
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 5; k++) await p.send({ topic: 'table', key: `key-${k}`, value: `value-${k}-${round}` });
    }
    const before = broker.topics.log('table', 0).size;
    await broker.runCleaner();
    expect(broker.topics.log('table', 0).size).toBeLessThan(before / 2);
    const c = broker.consumer({ autoOffsetReset: 'earliest' });
    c.assign([{ topic: 'table', partition: 0 }]);
    const got = await pollUntil(c, 1, 2000);
    const more = await c.poll(200);
    const latest = new Map<string, string>();
    for (const r of [...got, ...more]) latest.set(r.key!.toString(), r.value!.toString());
    expect([...latest.entries()].sort()).toEqual([0, 1, 2, 3, 4].map((k) => [`key-${k}`, `value-${k}-19`]));
    expect(got.length + more.length).toBeLessThan(100);
  });
});
