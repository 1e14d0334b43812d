/**
 * Metadata and DescribeCluster: the node, its advertised address, topics with their
 * partitions and ids, auto-creation as Kafka does it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaListener } from '../../../../server/kafka/index.js';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka({ broker: { defaultPartitions: 3 } });
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

describe('Metadata', () => {
  it('describes this node as broker and controller, and every partition it leads', async () => {
    k.broker.createTopic('m1', { partitions: 2 });
    const r = await c.request(3, 12, { topics: [{ name: 'm1' }], allowAutoTopicCreation: false });
    expect(r.brokers).toEqual([{ nodeId: k.broker.nodeId, host: '127.0.0.1', port: k.port, rack: null }]);
    expect(r.clusterId).toBe(k.broker.clusterId);
    expect(r.controllerId).toBe(k.broker.nodeId);
    const t = r.topics[0]!;
    expect(t).toMatchObject({ errorCode: 0, name: 'm1', topicId: k.broker.describeTopic('m1').topicId, isInternal: false });
    expect(t.partitions).toEqual([0, 1].map((p) => ({ errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })));
  });

  it('auto-creates a requested topic: LEADER_NOT_AVAILABLE first, then the partitions', async () => {
    const first = await c.request(3, 12, { topics: [{ name: 'auto-1' }], allowAutoTopicCreation: true });
    expect(first.topics[0]).toMatchObject({ errorCode: 5, name: 'auto-1', partitions: [] });
    const again = await c.request(3, 12, { topics: [{ name: 'auto-1' }], allowAutoTopicCreation: true });
    expect(again.topics[0]!.errorCode).toBe(0);
    expect(again.topics[0]!.partitions).toHaveLength(3);
    // Before v4 there is no flag: auto-creation is on.
    expect((await c.request(3, 3, { topics: [{ name: 'auto-2' }] })).topics[0]!.errorCode).toBe(5);
    expect(k.broker.topics.has('auto-2')).toBe(true);
  });

  it('does not create when the request or the broker says no, or the name is illegal', async () => {
    const r = await c.request(3, 12, { topics: [{ name: 'not-auto' }, { name: 'bad name!' }], allowAutoTopicCreation: false });
    expect(r.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['not-auto', 3],
      ['bad name!', 17],
    ]);
    const illegal = await c.request(3, 12, { topics: [{ name: 'bad name!' }], allowAutoTopicCreation: true });
    expect(illegal.topics[0]!.errorCode).toBe(17);
    expect(k.broker.topics.has('not-auto')).toBe(false);

    const off = await startKafka({ broker: { autoCreateTopics: false } });
    const oc = await RawClient.connect(off.port);
    try {
      expect((await oc.request(3, 12, { topics: [{ name: 'x' }], allowAutoTopicCreation: true })).topics[0]!.errorCode).toBe(3);
      expect(off.broker.topics.has('x')).toBe(false);
    } finally {
      oc.close();
      await off.stop();
    }
  });

  it('lists all topics (null on v1+, empty on v0), internal ones flagged; none for an empty list', async () => {
    await k.broker.groups.offsets.commit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 'm1', partition: 0, offset: 1 }] });
    const all = await c.request(3, 9, { topics: null });
    const internal = all.topics.find((t) => t.name === '__consumer_offsets');
    expect(internal?.isInternal).toBe(true);
    expect(all.topics.map((t) => t.name)).toEqual(expect.arrayContaining(['m1', 'auto-1']));
    expect((await c.request(3, 0, { topics: [] })).topics.length).toBe(all.topics.length);
    expect((await c.request(3, 9, { topics: [] })).topics).toEqual([]);
  });

  it('looks topics up by id (v10+), UNKNOWN_TOPIC_ID for an unknown one', async () => {
    const topicId = k.broker.describeTopic('m1').topicId;
    const r = await c.request(3, 12, { topics: [{ name: null, topicId }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }] });
    expect(r.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['m1', 0],
      [null, 100],
    ]);
  });

  it('advertises the configured host and port', async () => {
    const other = new KafkaListener(k.broker, { port: 0, advertisedHost: 'kafka.internal', advertisedPort: 29092, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const { port } = await other.start();
    const oc = await RawClient.connect(port);
    try {
      expect((await oc.request(3, 9, { topics: [] })).brokers).toEqual([{ nodeId: 1, host: 'kafka.internal', port: 29092, rack: null }]);
      expect(await oc.request(10, 3, { key: 'g', keyType: 0 })).toMatchObject({ errorCode: 0, nodeId: 1, host: 'kafka.internal', port: 29092 });
      expect((await oc.request(60, 0, {})).brokers).toEqual([{ brokerId: 1, host: 'kafka.internal', port: 29092, rack: null }]);
    } finally {
      oc.close();
      await other.close();
    }
  });
});

describe('DescribeCluster', () => {
  it('describes the one-node cluster', async () => {
    const r = await c.request(60, 1, { endpointType: 1 });
    expect(r).toMatchObject({ errorCode: 0, clusterId: k.broker.clusterId, controllerId: 1, endpointType: 1, brokers: [{ brokerId: 1, host: '127.0.0.1', port: k.port }] });
    expect((await c.request(60, 1, { endpointType: 2 })).errorCode).toBe(42);
  });
});
