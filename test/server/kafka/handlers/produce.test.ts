/** Produce on the wire: batches stored as sent, per-partition errors, idempotent retries. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../../storage/log/record-batch.js';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka();
  k.broker.createTopic('p', { partitions: 2, configs: { 'max.message.bytes': '2000' } });
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

function batch(values: string[], opts: Parameters<typeof encodeBatch>[1] = {}): Buffer {
  return encodeBatch(values.map((v) => ({ key: Buffer.from(`k-${v}`), value: Buffer.from(v), timestamp: 1_700_000_000_000 })), opts);
}

async function produce(partitionData: { index: number; records: Buffer | null }[], topic = 'p', version = 9) {
  const r = await c.request(0, version, { acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData }] });
  return r.responses[0]!.partitionResponses;
}

describe('Produce', () => {
  it('stores the client batch byte for byte (but for the offsets the broker assigns)', async () => {
    const sent = batch(['a', 'b', 'c']);
    const [r] = await produce([{ index: 0, records: Buffer.from(sent) }], 'p', 3);
    expect(r).toMatchObject({ index: 0, errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n });
    const [f] = await k.broker.fetch([{ topic: 'p', partition: 0, offset: 0, maxBytes: 1 << 20 }], { maxWaitMs: 0 });
    // Bytes after the base offset and leader epoch are the client's.
    expect(f!.records.subarray(16)).toEqual(sent.subarray(16));
  });

  it('answers each partition on its own: unknown partition, bad batches, too large', async () => {
    const corrupt = batch(['x']);
    corrupt[corrupt.length - 1] ^= 0xff;
    const oldFormat = batch(['y']);
    oldFormat.writeInt8(1, 16);
    const responses = await produce([
      { index: 1, records: batch(['fine']) },
      { index: 5, records: batch(['nowhere']) },
      { index: 0, records: corrupt },
      { index: 0, records: oldFormat },
      { index: 0, records: batch(['z'.repeat(3000)]) },
      { index: 0, records: null },
    ]);
    expect(responses.map((p) => [p.index, p.errorCode])).toEqual([
      [1, 0],
      [5, 3],
      [0, 2],
      [0, 43],
      [0, 10],
      [0, 87],
    ]);
    expect(responses[4]!.errorMessage).toContain('max.message.bytes');
    expect(responses[1]!.baseOffset).toBe(-1n);
  });

  it('refuses unknown topics without creating them, and internal topics', async () => {
    const [unknown] = await produce([{ index: 0, records: batch(['u']) }], 'p-none');
    expect(unknown!.errorCode).toBe(3);
    expect(k.broker.topics.has('p-none')).toBe(false);
    await k.broker.groups.offsets.commit({ groupId: 'g', generationId: -1, memberId: '', offsets: [{ topic: 'p', partition: 0, offset: 0 }] });
    const [internal] = await produce([{ index: 0, records: batch(['i']) }], '__consumer_offsets');
    expect(internal!.errorCode).toBe(17);
  });

  it('answers an idempotent retry with the offsets of the original', async () => {
    const init = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 0 });
    const b = batch(['once'], { producerId: Number(init.producerId), producerEpoch: init.producerEpoch, baseSequence: 0 });
    const [first] = await produce([{ index: 1, records: Buffer.from(b) }]);
    const [retry] = await produce([{ index: 1, records: Buffer.from(b) }]);
    expect(retry!.errorCode).toBe(0);
    expect(retry!.baseOffset).toBe(first!.baseOffset);
    const skipped = batch(['gap'], { producerId: Number(init.producerId), producerEpoch: init.producerEpoch, baseSequence: 5 });
    expect((await produce([{ index: 1, records: skipped }]))[0]!.errorCode).toBe(45);
    expect(k.broker.listOffset('p', 1, -1).offset).toBe(Number(first!.baseOffset) + 1);
  });

  it('refuses acks other than 0, 1 and -1', async () => {
    const r = await c.request(0, 7, { acks: 2, timeoutMs: 1000, topicData: [{ name: 'p', partitionData: [{ index: 0, records: batch(['a']) }] }] });
    expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(21);
  });
});
