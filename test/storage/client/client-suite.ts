/**
 * The storage client behaviour suite: one set of tests, run against every implementation of the
 * client interface (embedded broker in process; remote client over the Kafka protocol).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer, ConsumerRecord, GroupInfo, StorageClient, TopicPartition } from '../../../storage/client/types.js';
import { partitionForKey } from '../../../storage/broker/partitioner.js';

export interface ClientContext {
  client: StorageClient;
  /** Creates a topic through whatever means the implementation has (admin). */
  close(): Promise<void>;
}

let topicSeq = 0;
function topicName(prefix: string): string {
  return `${prefix}-${process.pid}-${++topicSeq}`;
}

/** Polls until `count` records arrived or `timeoutMs` passed. */
export async function pollUntil(consumer: Consumer, count: number, timeoutMs = 10_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    out.push(...(await consumer.poll(200)));
  }
  return out;
}

const str = (b: Buffer | null): string | null => (b === null ? null : b.toString());

export function clientSuite(name: string, setup: () => Promise<ClientContext>): void {
  describe(`storage client: ${name}`, () => {
    let ctx: ClientContext;
    let client: StorageClient;

    beforeAll(async () => {
      ctx = await setup();
      client = ctx.client;
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it('creates, lists, describes and deletes topics', async () => {
      const admin = client.admin();
      const t = topicName('admin');
      await admin.createTopics([{ name: t, partitions: 3, configs: { 'retention.ms': '3600000' } }]);
      expect(await admin.listTopics()).toContain(t);
      const [desc] = await admin.describeTopics([t]);
      expect(desc!.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
      const [cfg] = await admin.describeConfigs([{ type: 'topic', name: t }]);
      expect(cfg!.entries.find((e) => e.name === 'retention.ms')).toMatchObject({ value: '3600000', source: 'TOPIC_CONFIG' });
      expect(cfg!.entries.find((e) => e.name === 'cleanup.policy')).toMatchObject({ value: 'delete', isDefault: true });
      await admin.incrementalAlterConfigs(t, { 'cleanup.policy': 'compact' }, ['retention.ms']);
      const [after] = await admin.describeConfigs([{ type: 'topic', name: t }]);
      expect(after!.entries.find((e) => e.name === 'cleanup.policy')!.value).toBe('compact');
      expect(after!.entries.find((e) => e.name === 'retention.ms')!.value).toBe('604800000');
      await admin.createPartitions([{ topic: t, count: 5 }]);
      expect((await admin.describeTopics([t]))[0]!.partitions).toHaveLength(5);
      await admin.deleteTopics([t]);
      expect(await admin.listTopics()).not.toContain(t);
      await admin.close();
    });

    it('refuses bad topic names, partition counts, configs and duplicates with Kafka error codes', async () => {
      const admin = client.admin();
      await expect(admin.createTopics([{ name: 'bad name!', partitions: 1 }])).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION' });
      await expect(admin.createTopics([{ name: 'x'.repeat(250), partitions: 1 }])).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION' });
      await expect(admin.createTopics([{ name: topicName('p'), partitions: 0 }])).rejects.toMatchObject({ code: 'INVALID_PARTITIONS' });
      await expect(admin.createTopics([{ name: topicName('c'), partitions: 1, configs: { 'retention.ms': 'soon' } }])).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
      await expect(admin.createTopics([{ name: topicName('c'), partitions: 1, configs: { 'no.such.config': '1' } }])).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
      const t = topicName('dup');
      await admin.createTopics([{ name: t, partitions: 1 }]);
      await expect(admin.createTopics([{ name: t, partitions: 1 }])).rejects.toMatchObject({ code: 'TOPIC_ALREADY_EXISTS' });
      await admin.close();
    });

    it('produces and consumes records with keys, headers and timestamps, keyed by murmur2', async () => {
      const t = topicName('roundtrip');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 4 }]);
      const producer = client.producer({ lingerMs: 2 });
      const sent = await Promise.all(
        Array.from({ length: 200 }, (_, i) => producer.send({ topic: t, key: `key-${i % 37}`, value: `value-${i}`, headers: { n: String(i) }, timestamp: 1_700_000_000_000 + i })),
      );
      for (let i = 0; i < sent.length; i++) expect(sent[i]!.partition).toBe(partitionForKey(Buffer.from(`key-${i % 37}`), 4));
      const consumer = client.consumer({ autoOffsetReset: 'earliest' });
      consumer.assign([0, 1, 2, 3].map((partition) => ({ topic: t, partition })));
      const got = await pollUntil(consumer, 200);
      expect(got).toHaveLength(200);
      const byValue = new Map(got.map((r) => [str(r.value), r]));
      for (let i = 0; i < 200; i++) {
        const r = byValue.get(`value-${i}`)!;
        expect(str(r.key)).toBe(`key-${i % 37}`);
        expect(r.timestamp).toBe(1_700_000_000_000 + i);
        expect(r.headers.map((h) => [h.key, str(h.value)])).toEqual([['n', String(i)]]);
        expect(r.offset).toBe(sent[i]!.offset);
      }
      // Per partition, offsets come in order.
      for (let p = 0; p < 4; p++) {
        const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
      await consumer.close();
      await producer.close();
      await admin.close();
    });

    it('spreads null-key records over partitions in sticky batches', async () => {
      const t = topicName('sticky');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 3 }]);
      const producer = client.producer({ lingerMs: 0, batchSize: 1024 });
      const metas = [];
      for (let round = 0; round < 30; round++) {
        metas.push(...(await Promise.all(Array.from({ length: 20 }, () => producer.send({ topic: t, value: 'x'.repeat(100) })))));
      }
      const used = new Set(metas.map((m) => m.partition));
      expect(used.size).toBeGreaterThan(1);
      await producer.close();
      await admin.close();
    });

    it('seeks, pauses, resumes and finds offsets by time', async () => {
      const t = topicName('seek');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 1 }]);
      const producer = client.producer();
      for (let i = 0; i < 50; i++) await producer.send({ topic: t, value: `v${i}`, timestamp: 1000 + i * 10 });
      const consumer = client.consumer({ autoOffsetReset: 'latest' });
      const tp: TopicPartition = { topic: t, partition: 0 };
      consumer.assign([tp]);
      expect(await consumer.position(tp)).toBe(50);
      expect(await consumer.offsetsForTimes([{ ...tp, timestamp: 1255 }])).toEqual([{ offset: 26, timestamp: 1260 }]);
      expect(await consumer.offsetsForTimes([{ ...tp, timestamp: 99_999 }])).toEqual([null]);
      consumer.seek(tp, 40);
      consumer.pause([tp]);
      expect(await consumer.poll(100)).toEqual([]);
      consumer.resume([tp]);
      const got = await pollUntil(consumer, 10);
      expect(got.map((r) => str(r.value))).toEqual(Array.from({ length: 10 }, (_, i) => `v${40 + i}`));
      consumer.seekToBeginning([tp]);
      expect((await consumer.poll(1000))[0]!.offset).toBe(0);
      expect(consumer.currentLag(tp)).toBe(50 - (await consumer.position(tp)));
      expect(await consumer.beginningOffsets([tp])).toEqual([0]);
      expect(await consumer.endOffsets([tp])).toEqual([50]);
      await consumer.close();
      await producer.close();
      await admin.close();
    });

    it('lists offsets and deletes records', async () => {
      const t = topicName('offsets');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 1 }]);
      const producer = client.producer();
      for (let i = 0; i < 20; i++) await producer.send({ topic: t, value: `v${i}`, timestamp: 5000 + i });
      const listed = await admin.listOffsets([
        { topic: t, partition: 0, spec: 'earliest' },
        { topic: t, partition: 0, spec: 'latest' },
        { topic: t, partition: 0, spec: { timestamp: 5010 } },
        { topic: t, partition: 0, spec: 'max-timestamp' },
      ]);
      expect(listed.map((l) => l.offset)).toEqual([0, 20, 10, 19]);
      expect(await admin.deleteRecords([{ topic: t, partition: 0, offset: 15 }])).toEqual([{ topic: t, partition: 0, lowWatermark: 15 }]);
      const consumer = client.consumer({ autoOffsetReset: 'earliest' });
      consumer.assign([{ topic: t, partition: 0 }]);
      const got = await pollUntil(consumer, 5);
      expect(got.map((r) => r.offset)).toEqual([15, 16, 17, 18, 19]);
      await consumer.close();
      await producer.close();
      await admin.close();
    });

    it('commits offsets for a group and resumes from them', async () => {
      const t = topicName('commit');
      const group = topicName('g-commit');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 2 }]);
      const producer = client.producer();
      await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: t, key: `k${i}`, value: `v${i}` })));
      const first = client.consumer({ groupId: group, autoOffsetReset: 'earliest', enableAutoCommit: false, heartbeatIntervalMs: 100 });
      first.subscribe([t]);
      const got = await pollUntil(first, 40);
      expect(got).toHaveLength(40);
      await first.commitSync(got.filter((r) => r.partition === 0).slice(0, 5).map((r) => ({ topic: t, partition: 0, offset: r.offset + 1 })));
      await first.commitSync([{ topic: t, partition: 1, offset: (await first.position({ topic: t, partition: 1 })) }]);
      await first.close();
      const offsets = await admin.listGroupOffsets(group);
      const p0 = offsets.find((o) => o.partition === 0)!;
      expect(p0.offset).toBe(5);
      expect(p0.lag).toBe(p0.logEndOffset - 5);
      expect(offsets.find((o) => o.partition === 1)!.lag).toBe(0);
      const second = client.consumer({ groupId: group, autoOffsetReset: 'earliest', heartbeatIntervalMs: 100 });
      second.subscribe([t]);
      const rest = await pollUntil(second, p0.logEndOffset - 5);
      expect(rest.every((r) => r.partition === 0 && r.offset >= 5)).toBe(true);
      expect(rest).toHaveLength(p0.logEndOffset - 5);
      await second.close();
      await producer.close();
      await admin.close();
    });

    it('rebalances 3 consumers over 6 partitions without losing or double-assigning a partition', async () => {
      const t = topicName('rebalance');
      const group = topicName('g-rebalance');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 6 }]);
      const producer = client.producer({ lingerMs: 1 });
      const total = 600;
      await producer.sendBatch(Array.from({ length: total }, (_, i) => ({ topic: t, key: `k${i}`, value: `${i}` })));
      const seen = new Map<string, number>();
      const consumers = [0, 1, 2].map(() => client.consumer({ groupId: group, autoOffsetReset: 'earliest', heartbeatIntervalMs: 50, sessionTimeoutMs: 6000 }));
      const overlaps: string[] = [];
      let running = true;
      const loops = consumers.map(async (c, i) => {
        await new Promise((r) => setTimeout(r, i * 150));
        c.subscribe([t]);
        while (running) {
          for (const r of await c.poll(100)) seen.set(str(r.value)!, (seen.get(str(r.value)!) ?? 0) + 1);
          const all = consumers.flatMap((x) => x.assignment().map((tp) => `${tp.topic}:${tp.partition}`));
          if (new Set(all).size !== all.length) overlaps.push(all.join(','));
        }
      });
      const deadline = Date.now() + 20_000;
      const sizes = () => consumers.map((c) => c.assignment().length).sort();
      while (Date.now() < deadline && (sizes().join() !== '2,2,2' || seen.size < total)) await new Promise((r) => setTimeout(r, 50));
      expect(sizes()).toEqual([2, 2, 2]);
      // One member leaves: the other two take over its partitions.
      running = false;
      await Promise.all(loops);
      await consumers[2]!.close();
      running = true;
      const loops2 = consumers.slice(0, 2).map(async (c) => {
        while (running) {
          for (const r of await c.poll(100)) seen.set(str(r.value)!, (seen.get(str(r.value)!) ?? 0) + 1);
        }
      });
      const deadline2 = Date.now() + 20_000;
      while (Date.now() < deadline2 && consumers.slice(0, 2).map((c) => c.assignment().length).sort().join() !== '3,3') await new Promise((r) => setTimeout(r, 50));
      expect(consumers.slice(0, 2).map((c) => c.assignment().length).sort()).toEqual([3, 3]);
      running = false;
      await Promise.all(loops2);
      expect(overlaps).toEqual([]);
      expect(seen.size).toBe(total);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      await Promise.all(consumers.slice(0, 2).map((c) => c.close()));
      await producer.close();
      await admin.close();
    });

    it('hides aborted and open transactions from read_committed consumers', async () => {
      const t = topicName('txn');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 2 }]);
      const producer = client.producer({ transactionalId: topicName('tx') });
      await producer.initTransactions();
      producer.beginTransaction();
      await producer.sendBatch([0, 1, 2, 3].map((i) => ({ topic: t, key: `k${i}`, value: `aborted-${i}` })));
      await producer.abortTransaction();
      producer.beginTransaction();
      await producer.sendBatch([0, 1, 2, 3].map((i) => ({ topic: t, key: `k${i}`, value: `committed-${i}` })));
      await producer.commitTransaction();
      producer.beginTransaction();
      await producer.send({ topic: t, key: 'k0', value: 'open' });
      const committed = client.consumer({ autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
      committed.assign([0, 1].map((partition) => ({ topic: t, partition })));
      const got = await pollUntil(committed, 4, 3000);
      expect(got.map((r) => str(r.value)).sort()).toEqual(['committed-0', 'committed-1', 'committed-2', 'committed-3']);
      const everything = client.consumer({ autoOffsetReset: 'earliest' });
      everything.assign([0, 1].map((partition) => ({ topic: t, partition })));
      const all = await pollUntil(everything, 9, 3000);
      expect(all.map((r) => str(r.value)).filter((v) => v!.startsWith('aborted'))).toHaveLength(4);
      expect(all.map((r) => str(r.value))).toContain('open');
      await producer.commitTransaction();
      const late = await pollUntil(committed, 1, 3000);
      expect(late.map((r) => str(r.value))).toEqual(['open']);
      await committed.close();
      await everything.close();
      await producer.close();
      await admin.close();
    });

    it('commits consumed offsets atomically with produced records (sendOffsetsToTransaction)', async () => {
      const input = topicName('txn-in');
      const output = topicName('txn-out');
      const group = topicName('g-txn');
      const admin = client.admin();
      await admin.createTopics([{ name: input, partitions: 1 }, { name: output, partitions: 1 }]);
      const plain = client.producer();
      await plain.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: input, value: `${i}` })));
      const consumer = client.consumer({ groupId: group, autoOffsetReset: 'earliest', enableAutoCommit: false, isolationLevel: 'read_committed', heartbeatIntervalMs: 100 });
      consumer.subscribe([input]);
      const records = await pollUntil(consumer, 10);
      const tx = client.producer({ transactionalId: topicName('tx-eos') });
      await tx.initTransactions();
      tx.beginTransaction();
      await tx.sendBatch(records.map((r) => ({ topic: output, value: `out-${str(r.value)}` })));
      await tx.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 5 }], consumer.groupMetadata());
      await tx.abortTransaction();
      expect((await admin.listGroupOffsets(group)).find((o) => o.partition === 0)?.offset ?? -1).toBe(-1);
      tx.beginTransaction();
      await tx.sendBatch(records.map((r) => ({ topic: output, value: `out-${str(r.value)}` })));
      await tx.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 10 }], consumer.groupMetadata());
      await tx.commitTransaction();
      expect((await admin.listGroupOffsets(group)).find((o) => o.partition === 0)!.offset).toBe(10);
      const reader = client.consumer({ autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
      reader.assign([{ topic: output, partition: 0 }]);
      const out = await pollUntil(reader, 10, 3000);
      expect(out.map((r) => str(r.value))).toEqual(Array.from({ length: 10 }, (_, i) => `out-${i}`));
      await Promise.all([reader.close(), consumer.close(), tx.close(), plain.close(), admin.close()]);
    });

    it('fences an older producer with the same transactional.id', async () => {
      const t = topicName('fence');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 1 }]);
      const id = topicName('tx-fence');
      const old = client.producer({ transactionalId: id });
      await old.initTransactions();
      old.beginTransaction();
      await old.send({ topic: t, value: 'zombie-1' });
      const current = client.producer({ transactionalId: id });
      await current.initTransactions();
      await expect(old.commitTransaction()).rejects.toMatchObject({ code: expect.stringMatching(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/) });
      current.beginTransaction();
      await current.send({ topic: t, value: 'live' });
      await current.commitTransaction();
      const reader = client.consumer({ autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
      reader.assign([{ topic: t, partition: 0 }]);
      const got = await pollUntil(reader, 1, 3000);
      expect(got.map((r) => str(r.value))).toEqual(['live']);
      await Promise.all([reader.close(), current.close(), admin.close()]);
    });

    it('describes groups with members and assignments, and deletes empty groups', async () => {
      const t = topicName('groups');
      const group = topicName('g-desc');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 2 }]);
      const c = client.consumer({ groupId: group, autoOffsetReset: 'earliest', heartbeatIntervalMs: 100, clientId: 'describer' });
      c.subscribe([t]);
      await c.poll(500);
      const [desc] = await admin.describeGroups([group]);
      expect(desc).toMatchObject({ groupId: group, state: 'Stable', protocolType: 'consumer' });
      expect(desc!.members).toHaveLength(1);
      expect(desc!.members[0]!.clientId).toBe('describer');
      expect(desc!.members[0]!.assignment.map((tp) => tp.partition).sort()).toEqual([0, 1]);
      expect((await admin.listGroups()).map((g) => g.groupId)).toContain(group);
      await expect(admin.deleteGroups([group])).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP' });
      await c.commitSync([{ topic: t, partition: 0, offset: 0 }]);
      await c.close();
      await admin.deleteGroups([group]);
      expect((await admin.listGroups()).map((g) => g.groupId)).not.toContain(group);
      await admin.close();
    });

    it("carries each member's subscription user data to describeGroups", async () => {
      const t = topicName('userdata');
      const group = topicName('g-userdata');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 2 }]);
      const a = client.consumer({ groupId: group, clientId: 'ud-a', partitionAssignmentStrategy: ['range'], subscriptionUserData: Buffer.from('endpoint-a'), heartbeatIntervalMs: 50 });
      // A Uint8Array works too, under any assignor without user data of its own.
      const b = client.consumer({ groupId: group, clientId: 'ud-b', partitionAssignmentStrategy: ['range', 'roundrobin'], subscriptionUserData: new Uint8Array([0, 1, 2]), heartbeatIntervalMs: 50 });
      const plain = client.consumer({ groupId: topicName('g-plain'), partitionAssignmentStrategy: ['range'] });
      let running = true;
      const loops = [a, b].map(async (c) => {
        c.subscribe([t]);
        while (running) await c.poll(50);
      });
      try {
        const deadline = Date.now() + 20_000;
        const settled = (g: GroupInfo | undefined) => g?.state === 'Stable' && g.members.length === 2 && g.members.every((m) => m.assignment.length === 1);
        let described: GroupInfo | undefined;
        while (Date.now() < deadline && !settled(described)) {
          await new Promise((r) => setTimeout(r, 20));
          [described] = await admin.describeGroups([group]);
        }
        const byClient = Object.fromEntries(described!.members.map((m) => [m.clientId, m.subscriptionUserData]));
        expect(byClient).toEqual({ 'ud-a': Buffer.from('endpoint-a'), 'ud-b': Buffer.from([0, 1, 2]) });

        plain.subscribe([t]);
        await plain.poll(300);
        const [noData] = await admin.describeGroups([plain.groupMetadata().groupId]);
        expect(noData!.members.map((m) => m.subscriptionUserData)).toEqual([null]);

        // The sticky assignors keep their own data there.
        for (const strategy of ['sticky', 'cooperative-sticky'] as const) {
          expect(() => client.consumer({ groupId: group, partitionAssignmentStrategy: ['range', strategy], subscriptionUserData: Buffer.from('x') })).toThrow(
            expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining(`'${strategy}' assignor`) }),
          );
        }
      } finally {
        running = false;
        await Promise.all(loops);
        await Promise.all([a.close(), b.close(), plain.close()]);
        await admin.close();
      }
    });

    it('calls the rebalance listener and rebalances cooperatively without revoking everything', async () => {
      const t = topicName('coop');
      const group = topicName('g-coop');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 4 }]);
      const events: string[] = [];
      const listener = (name: string) => ({
        onPartitionsAssigned: (tps: TopicPartition[]) => void events.push(`${name}+${tps.map((tp) => tp.partition).sort().join(',')}`),
        onPartitionsRevoked: (tps: TopicPartition[]) => void events.push(`${name}-${tps.map((tp) => tp.partition).sort().join(',')}`),
      });
      const a = client.consumer({ groupId: group, partitionAssignmentStrategy: ['cooperative-sticky'], heartbeatIntervalMs: 50 });
      a.subscribe([t], listener('a'));
      while (a.assignment().length < 4) await a.poll(100);
      expect(events).toEqual(['a+0,1,2,3']);
      const b = client.consumer({ groupId: group, partitionAssignmentStrategy: ['cooperative-sticky'], heartbeatIntervalMs: 50 });
      b.subscribe([t], listener('b'));
      // Each consumer polls in its own loop, as applications do.
      const deadline = Date.now() + 15_000;
      const settled = () => a.assignment().length === 2 && b.assignment().length === 2;
      const loop = async (c: Consumer) => {
        while (Date.now() < deadline && !settled()) await c.poll(50);
      };
      await Promise.all([loop(a), loop(b)]);
      expect([a.assignment().length, b.assignment().length]).toEqual([2, 2]);
      // a gave up exactly the two partitions b took, never all four.
      const aRevoked = events.filter((e) => e.startsWith('a-'));
      expect(aRevoked).toHaveLength(1);
      expect(aRevoked[0]!.split('-')[1]!.split(',')).toHaveLength(2);
      expect(events.filter((e) => e.startsWith('b+') && e !== 'b+').map((e) => e.slice(2))).toEqual([b.assignment().map((tp) => tp.partition).sort().join(',')]);
      await Promise.all([a.close(), b.close(), admin.close()]);
    });

    it('subscribes by pattern and picks up new matching topics', async () => {
      const prefix = topicName('pattern');
      const group = topicName('g-pattern');
      const admin = client.admin();
      await admin.createTopics([{ name: `${prefix}-a`, partitions: 1 }, { name: `other-${prefix}`, partitions: 1 }]);
      const c = client.consumer({ groupId: group, autoOffsetReset: 'earliest', heartbeatIntervalMs: 50 });
      c.subscribe(new RegExp(`^${prefix}-`));
      await c.poll(300);
      expect(c.assignment().map((tp) => tp.topic)).toEqual([`${prefix}-a`]);
      await admin.createTopics([{ name: `${prefix}-b`, partitions: 1 }]);
      const producer = client.producer();
      await producer.send({ topic: `${prefix}-b`, value: 'found' });
      const got = await pollUntil(c, 1, 10_000);
      expect(got.map((r) => str(r.value))).toEqual(['found']);
      expect(c.assignment().map((tp) => tp.topic).sort()).toEqual([`${prefix}-a`, `${prefix}-b`]);
      await Promise.all([c.close(), producer.close(), admin.close()]);
    });

    it('auto-commits consumed positions', async () => {
      const t = topicName('autocommit');
      const group = topicName('g-auto');
      const admin = client.admin();
      await admin.createTopics([{ name: t, partitions: 1 }]);
      const producer = client.producer();
      await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: t, value: `${i}` })));
      const c = client.consumer({ groupId: group, autoOffsetReset: 'earliest', autoCommitIntervalMs: 50, heartbeatIntervalMs: 50 });
      c.subscribe([t]);
      await pollUntil(c, 10);
      await new Promise((r) => setTimeout(r, 100));
      await c.poll(50);
      expect((await admin.listGroupOffsets(group))[0]).toMatchObject({ partition: 0, offset: 10, lag: 0 });
      await Promise.all([c.close(), producer.close(), admin.close()]);
    });
  });
}
