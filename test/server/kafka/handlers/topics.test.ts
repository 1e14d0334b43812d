/**
 * Topic administration on the wire: CreateTopics, DeleteTopics, CreatePartitions, DeleteRecords.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../../storage/log/record-batch.js';
import { ZERO_UUID } from '../../../../server/kafka/protocol/index.js';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka({ broker: { defaultPartitions: 2 } });
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

describe('CreateTopics', () => {
  it('creates with defaults (-1), configs and explicit assignments, and reports the result (v5+)', async () => {
    const r = await c.request(19, 7, {
      topics: [
        { name: 'ct-default', numPartitions: -1, replicationFactor: -1, configs: [{ name: 'retention.ms', value: '1000' }] },
        { name: 'ct-assigned', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [1] }, { partitionIndex: 2, brokerIds: [1] }] },
      ],
      timeoutMs: 1000,
    });
    const [a, b] = r.topics;
    expect(a).toMatchObject({ name: 'ct-default', errorCode: 0, numPartitions: 2, replicationFactor: 1, topicId: k.broker.describeTopic('ct-default').topicId });
    expect(a!.configs!.find((e) => e.name === 'retention.ms')).toMatchObject({ value: '1000', configSource: 1 });
    expect(b).toMatchObject({ name: 'ct-assigned', errorCode: 0, numPartitions: 3 });
    expect(k.broker.topics.partitionCount('ct-assigned')).toBe(3);
  });

  it('fails each bad topic on its own, with a message', async () => {
    const r = await c.request(19, 5, {
      topics: [
        { name: 'ct-ok', numPartitions: 1, replicationFactor: 1 },
        { name: 'ct-default', numPartitions: 1, replicationFactor: 1 },
        { name: 'ct-rf', numPartitions: 1, replicationFactor: 2 },
        { name: 'ct-cfg', numPartitions: 1, replicationFactor: 1, configs: [{ name: 'no.such.config', value: '1' }] },
        { name: 'ct-dup', numPartitions: 1, replicationFactor: 1 },
        { name: 'ct-dup', numPartitions: 1, replicationFactor: 1 },
        { name: 'ct-elsewhere', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2] }] },
        { name: 'bad/name', numPartitions: 1, replicationFactor: 1 },
      ],
      timeoutMs: 1000,
    });
    expect(r.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['ct-ok', 0],
      ['ct-default', 36],
      ['ct-rf', 38],
      ['ct-cfg', 40],
      ['ct-dup', 42],
      ['ct-dup', 42],
      ['ct-elsewhere', 39],
      ['bad/name', 17],
    ]);
    expect(r.topics[2]!.errorMessage).toContain('Replication factor 2');
    expect(k.broker.topics.has('ct-dup') || k.broker.topics.has('ct-elsewhere')).toBe(false);
  });

  it('only validates with validateOnly', async () => {
    const r = await c.request(19, 4, { topics: [{ name: 'ct-dry', numPartitions: 4, replicationFactor: 1 }], timeoutMs: 1000, validateOnly: true });
    expect(r.topics[0]!.errorCode).toBe(0);
    expect(k.broker.topics.has('ct-dry')).toBe(false);
  });
});

describe('DeleteTopics', () => {
  it('deletes by name (v0-5) and by id (v6)', async () => {
    k.broker.createTopic('dt-1');
    k.broker.createTopic('dt-2');
    const byName = await c.request(20, 5, { topicNames: ['dt-1', 'dt-none'], timeoutMs: 1000 });
    expect(byName.responses.map((t) => [t.name, t.errorCode])).toEqual([
      ['dt-1', 0],
      ['dt-none', 3],
    ]);
    const id = k.broker.describeTopic('dt-2').topicId;
    const byId = await c.request(20, 6, { topics: [{ name: null, topicId: id }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }], timeoutMs: 1000 });
    expect(byId.responses.map((t) => [t.name, t.topicId, t.errorCode])).toEqual([
      ['dt-2', id, 0],
      [null, 'AAAAAAAAAAAAAAAAAAAAAQ', 100],
    ]);
    expect(k.broker.topics.has('dt-1') || k.broker.topics.has('dt-2')).toBe(false);
    const internal = await c.request(20, 6, { topics: [{ name: '__consumer_offsets', topicId: ZERO_UUID }], timeoutMs: 1000 });
    expect(internal.responses[0]!.errorCode).not.toBe(0);
  });
});

describe('CreatePartitions', () => {
  it('grows a topic, refuses to shrink it or to place replicas elsewhere', async () => {
    k.broker.createTopic('cp', { partitions: 1 });
    const r = await c.request(37, 3, {
      topics: [
        { name: 'cp', count: 3, assignments: null },
        { name: 'cp-none', count: 3, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(r.results.map((t) => [t.name, t.errorCode])).toEqual([
      ['cp', 0],
      ['cp-none', 3],
    ]);
    expect(k.broker.topics.partitionCount('cp')).toBe(3);
    const bad = await c.request(37, 1, { topics: [{ name: 'cp', count: 2, assignments: null }, { name: 'cp', count: 4, assignments: [{ brokerIds: [5] }] }], timeoutMs: 1000, validateOnly: false });
    expect(bad.results.map((t) => t.errorCode)).toEqual([37, 39]);
    const dry = await c.request(37, 0, { topics: [{ name: 'cp', count: 9, assignments: null }], timeoutMs: 1000, validateOnly: true });
    expect(dry.results[0]!.errorCode).toBe(0);
    expect(k.broker.topics.partitionCount('cp')).toBe(3);
  });
});

describe('DeleteRecords', () => {
  it('moves the log start and reports the low watermark per partition', async () => {
    k.broker.createTopic('dr', { partitions: 1 });
    await k.broker.produce('dr', 0, encodeBatch(Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`), timestamp: Date.now() }))));
    const r = await c.request(21, 2, {
      topics: [
        { name: 'dr', partitions: [{ partitionIndex: 0, offset: 6n }, { partitionIndex: 1, offset: 1n }] },
        { name: 'dr-none', partitions: [{ partitionIndex: 0, offset: 1n }] },
      ],
      timeoutMs: 1000,
    });
    expect(r.topics.map((t) => t.partitions.map((p) => [t.name, p.partitionIndex, Number(p.lowWatermark), p.errorCode])).flat()).toEqual([
      ['dr', 0, 6, 0],
      ['dr', 1, -1, 3],
      ['dr-none', 0, -1, 3],
    ]);
    // -1 means up to the high watermark.
    const all = await c.request(21, 0, { topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 1000 });
    expect(Number(all.topics[0]!.partitions[0]!.lowWatermark)).toBe(10);
  });
});
