/**
 * kafkajs 2.2 against the listener: what a Node user of the integrated broker does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { partitionForKey } from '../../../storage/broker/partitioner.js';
import { eventually, readTopic, startKafka, type KafkaHarness } from './helpers.js';

let k: KafkaHarness;
let kafka: Kafka;

beforeAll(async () => {
  k = await startKafka();
  kafka = new Kafka({ clientId: 'kafkajs-test', brokers: [k.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });
});

afterAll(async () => {
  await k?.stop();
});

/** Consumer settings that make rebalances quick: short heartbeats, short long polls. */
const FAST = { sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 100, maxWaitTimeInMs: 100 } as const;

describe('kafkajs admin', () => {
  it('creates, lists, describes, alters and deletes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'admin-a', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
      // Again: kafkajs reports an existing topic as "not created" rather than failing.
      expect(await admin.createTopics({ topics: [{ topic: 'admin-a', numPartitions: 3 }] })).toBe(false);
      await expect(admin.createTopics({ topics: [{ topic: 'admin-bad', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: 'soon' }] }] })).rejects.toMatchObject({
        errors: [{ type: 'INVALID_CONFIG', topic: 'admin-bad' }],
      });
      await expect(admin.createTopics({ topics: [{ topic: 'admin-rf', numPartitions: 1, replicationFactor: 3 }] })).rejects.toMatchObject({
        errors: [{ type: 'INVALID_REPLICATION_FACTOR', topic: 'admin-rf' }],
      });
      expect(k.broker.topics.has('admin-bad') || k.broker.topics.has('admin-rf')).toBe(false);

      expect(await admin.listTopics()).toContain('admin-a');
      const meta = await admin.fetchTopicMetadata({ topics: ['admin-a'] });
      expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      expect(meta.topics[0]!.partitions.every((p) => p.leader === k.broker.nodeId && p.replicas.length === 1)).toBe(true);

      const cluster = await admin.describeCluster();
      expect(cluster).toMatchObject({ clusterId: k.broker.clusterId, controller: k.broker.nodeId, brokers: [{ nodeId: k.broker.nodeId, host: '127.0.0.1', port: k.port }] });

      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: 2, name: 'admin-a', configNames: ['retention.ms', 'cleanup.policy'] },
          { type: 4, name: String(k.broker.nodeId) },
        ],
      });
      const topicConfigs = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
      expect(topicConfigs['retention.ms']).toMatchObject({ configValue: '3600000', isDefault: false, configSource: 1 });
      expect(topicConfigs['cleanup.policy']).toMatchObject({ configValue: 'delete', isDefault: true, configSource: 5 });
      expect(described.resources[1]!.configEntries.map((e) => e.configName)).toContain('auto.create.topics.enable');

      // AlterConfigs replaces the topic's overrides: retention.ms goes back to its default.
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'admin-a', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
      expect(k.broker.describeTopic('admin-a').configs).toEqual({ 'cleanup.policy': 'compact' });

      await admin.createPartitions({ topicPartitions: [{ topic: 'admin-a', count: 5 }] });
      expect(k.broker.topics.partitionCount('admin-a')).toBe(5);
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'admin-a', count: 2 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' });

      await admin.deleteTopics({ topics: ['admin-a'] });
      expect(k.broker.topics.has('admin-a')).toBe(false);
    } finally {
      await admin.disconnect();
    }
  });

  it('lists offsets and deletes records', async () => {
    const admin = kafka.admin();
    const producer = kafka.producer();
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      await admin.createTopics({ topics: [{ topic: 'admin-offsets', numPartitions: 1 }] });
      await producer.send({ topic: 'admin-offsets', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
      expect(await admin.fetchTopicOffsets('admin-offsets')).toEqual([{ partition: 0, offset: '10', high: '10', low: '0' }]);
      await admin.deleteTopicRecords({ topic: 'admin-offsets', partitions: [{ partition: 0, offset: '4' }] });
      expect(await admin.fetchTopicOffsets('admin-offsets')).toEqual([{ partition: 0, offset: '10', high: '10', low: '4' }]);
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });
});

describe('kafkajs producer', () => {
  it('sends keyed records to the partition of the Java partitioner, with acks all and acks 0', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'keyed', numPartitions: 4 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      const acked = await producer.send({ topic: 'keyed', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ key: `key-${i}`, value: `all-${i}` })) });
      expect(acked.every((r) => r.errorCode === 0)).toBe(true);
      await producer.send({ topic: 'keyed', acks: 0, messages: Array.from({ length: 50 }, (_, i) => ({ key: `key-${i}`, value: `zero-${i}` })) });
      const records = await eventually(async () => {
        const all = await readTopic(k.broker, 'keyed');
        return all.length === 100 && all;
      }, 10_000, 'the acks=0 records');
      for (const r of records) expect(r.partition).toBe(partitionForKey(r.key!, 4));
      expect(records.map((r) => r.value!.toString()).sort()).toEqual([...Array.from({ length: 50 }, (_, i) => `all-${i}`), ...Array.from({ length: 50 }, (_, i) => `zero-${i}`)].sort());
    } finally {
      await producer.disconnect();
    }
  });

  it('is idempotent: its batches carry a producer id and sequences, stored once', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let i = 0; i < 5; i++) await producer.send({ topic: 'idempotent', messages: [{ key: 'k', value: `v${i}` }, { key: 'k', value: `w${i}` }] });
    } finally {
      await producer.disconnect();
    }
    const records = await readTopic(k.broker, 'idempotent');
    expect(records.map((r) => r.value!.toString())).toEqual(['v0', 'w0', 'v1', 'w1', 'v2', 'w2', 'v3', 'w3', 'v4', 'w4']);
    const [fetched] = await k.broker.fetch([{ topic: 'idempotent', partition: 0, offset: 0, maxBytes: 1 << 20 }], { maxWaitMs: 0 });
    const producerId = fetched!.records.readBigInt64BE(43);
    expect(producerId >= 0n).toBe(true);
    // The first batch starts at sequence 0.
    expect(fetched!.records.readInt32BE(53)).toBe(0);
  });
});

describe('kafkajs consumer group', () => {
  it('splits partitions between two consumers, consumes every record once and commits offsets', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'grouped', numPartitions: 4 }] });
    const groupId = 'kafkajs-group';
    const consumers: Consumer[] = [];
    const seen: { consumer: number; partition: number; value: string }[] = [];
    const assignments: number[][] = [[], []];
    try {
      for (let i = 0; i < 2; i++) {
        const consumer = kafka.consumer({ groupId, ...FAST });
        consumer.on(consumer.events.GROUP_JOIN, (e) => {
          assignments[i] = (e.payload.memberAssignment['grouped'] ?? []).slice().sort();
        });
        await consumer.connect();
        await consumer.subscribe({ topic: 'grouped', fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }: EachMessagePayload) => {
            seen.push({ consumer: i, partition, value: message.value!.toString() });
          },
        });
        consumers.push(consumer);
      }
      await eventually(() => assignments[0]!.length === 2 && assignments[1]!.length === 2, 30_000, 'both consumers to get two partitions');
      expect([...assignments[0]!, ...assignments[1]!].sort()).toEqual([0, 1, 2, 3]);

      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'grouped', messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      await producer.disconnect();

      await eventually(() => seen.length >= 40, 20_000, 'all 40 records');
      expect(seen.map((s) => s.value).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`).sort());
      for (const s of seen) expect(assignments[s.consumer]).toContain(s.partition);

      // kafkajs commits after each batch; the group's offsets reach each partition's end.
      const ends = [0, 1, 2, 3].map((p) => k.broker.listOffset('grouped', p, -1).offset);
      await eventually(() => {
        const committed = k.broker.groups.offsets.fetch(groupId, [0, 1, 2, 3].map((partition) => ({ topic: 'grouped', partition })));
        return committed.every((c, p) => c.offset === ends[p]);
      }, 10_000, 'committed offsets at the end of every partition');

      const groups = await admin.listGroups();
      expect(groups.groups).toContainEqual({ groupId, protocolType: 'consumer' });
      const described = await admin.describeGroups([groupId]);
      expect(described.groups[0]).toMatchObject({ groupId, state: 'Stable', protocolType: 'consumer' });
      expect(described.groups[0]!.members).toHaveLength(2);
      const offsets = await admin.fetchOffsets({ groupId, topics: ['grouped'] });
      expect(offsets[0]!.partitions.map((p) => Number(p.offset))).toEqual(ends);
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect()));
      await admin.disconnect();
    }
    // Both left: the group is empty and can be deleted.
    expect(k.broker.groups.describeGroup(groupId).state).toBe('Empty');
    const admin2 = kafka.admin();
    await admin2.connect();
    await admin2.deleteGroups([groupId]);
    await admin2.disconnect();
    expect(k.broker.groups.describeGroup(groupId).state).toBe('Dead');
  });
});

describe('kafkajs transactions', () => {
  it('shows read_committed consumers the committed transaction only, and commits offsets inside it', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'txn-out', numPartitions: 2 }, { topic: 'txn-in', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic: 'txn-out', messages: Array.from({ length: 6 }, (_, i) => ({ key: `c${i}`, value: `committed-${i}` })) });
      await committed.sendOffsets({ consumerGroupId: 'txn-group', topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '42' }] }] });
      await committed.commit();

      const aborted = await producer.transaction();
      await aborted.send({ topic: 'txn-out', messages: Array.from({ length: 6 }, (_, i) => ({ key: `a${i}`, value: `aborted-${i}` })) });
      await aborted.abort();
    } finally {
      await producer.disconnect();
    }
    expect(k.broker.groups.offsets.fetch('txn-group', [{ topic: 'txn-in', partition: 0 }])[0]!.offset).toBe(42);

    const consumer = kafka.consumer({ groupId: 'txn-reader', ...FAST, readUncommitted: false });
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'txn-out', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    try {
      await eventually(() => values.length >= 6, 20_000, 'the committed records');
      // Give aborted records every chance to show up (they must not).
      await new Promise((r) => setTimeout(r, 500));
      expect(values.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `committed-${i}`));
    } finally {
      await consumer.disconnect();
    }
    // A read_uncommitted reader sees both transactions' records.
    expect((await readTopic(k.broker, 'txn-out', 'read_uncommitted')).length).toBe(12);
  });
});
