/** TopicTail's catch-up, which pull queries wait on: every record written before the call is seen. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../storage/broker/broker.js';
import type { Admin, Producer, StorageClient } from '../../../storage/client/types.js';
import { silentLogger } from '../../../storage/logger.js';
import { TopicTail } from '../../../server/ksql/transient.js';
import { tempDir } from '../../helpers/tmp.js';

let tmp: { dir: string; cleanup: () => void };
let broker: Broker;
let producer: Producer;

beforeAll(async () => {
  tmp = tempDir();
  broker = await Broker.open({ dataDir: tmp.dir, logger: silentLogger });
  producer = broker.client().producer();
});

afterAll(async () => {
  await producer?.close();
  await broker?.close();
  tmp?.cleanup();
});

/** A tail from the beginning of `topic` and the values it has handed on. */
function tail(client: StorageClient, topic: string): { tail: TopicTail; seen: string[] } {
  const t = new TopicTail(client, topic, 'earliest', silentLogger);
  const seen: string[] = [];
  t.subscribe((_partition, records) => records.forEach((r) => seen.push(r.value!.toString())));
  return { tail: t, seen };
}

const send = (topic: string, value: string, partition: number) => producer.send({ topic, value: Buffer.from(value), partition });

describe('TopicTail', () => {
  it('tells without waiting whether it has caught up, when the broker runs in this process', async () => {
    broker.createTopic('local', { partitions: 2 });
    await send('local', 'a', 0);
    const { tail: t, seen } = tail(broker.client(), 'local');
    try {
      await t.catchUp();
      expect(seen).toEqual(['a']);
      expect(t.caughtUpNow()).toBe(true);
      await send('local', 'b', 1);
      expect(t.caughtUpNow()).toBe(false);
      await t.catchUp();
      expect(seen).toEqual(['a', 'b']);
      expect(t.caughtUpNow()).toBe(true);
    } finally {
      await t.close();
    }
    expect(t.caughtUpNow()).toBe(false);
  });

  it('shares one read of end offsets among the callers that come during it, with a remote cluster', async () => {
    broker.createTopic('remote', { partitions: 3 });
    for (let i = 0; i < 9; i++) await send('remote', `r${i}`, i % 3);
    // The embedded client behind another face: what the tail does with a Kafka cluster, round trips counted.
    const inner = broker.client();
    let reads = 0;
    const client: StorageClient = {
      producer: (config) => inner.producer(config),
      consumer: (config) => inner.consumer(config),
      admin: (): Admin => {
        const admin = inner.admin();
        return Object.assign(Object.create(admin) as Admin, {
          listOffsets: (...args: Parameters<Admin['listOffsets']>) => {
            reads++;
            return admin.listOffsets(...args);
          },
        });
      },
    };
    const { tail: t, seen } = tail(client, 'remote');
    try {
      await t.ready;
      expect(t.caughtUpNow()).toBe(false);
      reads = 0;
      await Promise.all(Array.from({ length: 64 }, () => t.catchUp()));
      expect(seen.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
      expect(reads).toBeLessThanOrEqual(2);
      // A caller that comes while a read is under way gets a read that began after it did.
      for (let i = 0; i < 5; i++) {
        const first = t.catchUp();
        await send('remote', `late${i}`, i % 3);
        await Promise.all([first, t.catchUp()]);
        expect(seen).toContain(`late${i}`);
      }
    } finally {
      await t.close();
    }
  });
});
