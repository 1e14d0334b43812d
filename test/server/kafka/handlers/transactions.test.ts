/**
 * Transactions driven by hand: InitProducerId, AddPartitionsToTxn (v3 and the v4+ batch),
 * AddOffsetsToTxn, a transactional Produce, TxnOffsetCommit, EndTxn; and the errors on the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../../storage/log/record-batch.js';
import { readTopic, RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka();
  k.broker.createTopic('tx', { partitions: 2 });
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

function txnBatch(producerId: bigint, producerEpoch: number, baseSequence: number, value: string): Buffer {
  return encodeBatch([{ key: null, value: Buffer.from(value), timestamp: Date.now() }], { producerId: Number(producerId), producerEpoch, baseSequence, transactional: true });
}

describe('transactions', () => {
  it('runs a transaction end to end over the wire', async () => {
    const init = await c.request(22, 4, { transactionalId: 'raw-txn', transactionTimeoutMs: 60_000 });
    expect(init.errorCode).toBe(0);
    const { producerId, producerEpoch } = init;

    const added = await c.request(24, 3, { v3AndBelowTransactionalId: 'raw-txn', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch, v3AndBelowTopics: [{ name: 'tx', partitions: [0] }] });
    expect(added.resultsByTopicV3AndBelow).toEqual([{ name: 'tx', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }]);

    const produced = await c.request(0, 9, { transactionalId: 'raw-txn', acks: -1, timeoutMs: 1000, topicData: [{ name: 'tx', partitionData: [{ index: 0, records: txnBatch(producerId, producerEpoch, 0, 'in-txn') }] }] });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    // Partition 1 was not added: the write is refused.
    const refused = await c.request(0, 9, { transactionalId: 'raw-txn', acks: -1, timeoutMs: 1000, topicData: [{ name: 'tx', partitionData: [{ index: 1, records: txnBatch(producerId, producerEpoch, 0, 'stray') }] }] });
    expect(refused.responses[0]!.partitionResponses[0]!.errorCode).toBe(48);
    expect(refused.responses[0]!.partitionResponses[0]!.errorMessage).toContain('not part of the open transaction');

    expect((await c.request(25, 3, { transactionalId: 'raw-txn', producerId, producerEpoch, groupId: 'raw-txn-group' })).errorCode).toBe(0);
    const offsets = await c.request(28, 3, {
      transactionalId: 'raw-txn',
      groupId: 'raw-txn-group',
      producerId,
      producerEpoch,
      topics: [{ name: 'tx', partitions: [{ partitionIndex: 1, committedOffset: 17n, committedMetadata: null }] }],
    });
    expect(offsets.topics[0]!.partitions[0]!.errorCode).toBe(0);

    expect(k.broker.listOffset('tx', 0, -1, 'read_committed').offset).toBe(0);
    expect((await c.request(26, 3, { transactionalId: 'raw-txn', producerId, producerEpoch, committed: true })).errorCode).toBe(0);
    expect((await readTopic(k.broker, 'tx', 'read_committed')).map((r) => r.value!.toString())).toEqual(['in-txn']);
    expect(k.broker.groups.offsets.fetch('raw-txn-group', [{ topic: 'tx', partition: 1 }])[0]!.offset).toBe(17);

    // Nothing is open now: ending again with the other outcome is out of place.
    expect((await c.request(26, 4, { transactionalId: 'raw-txn', producerId, producerEpoch, committed: false })).errorCode).toBe(48);
  });

  it('adds the partitions of several transactions at once (v4+), or only verifies them', async () => {
    const a = await c.request(22, 3, { transactionalId: 'batch-a', transactionTimeoutMs: 60_000 });
    const b = await c.request(22, 3, { transactionalId: 'batch-b', transactionTimeoutMs: 60_000 });
    const r = await c.request(24, 4, {
      transactions: [
        { transactionalId: 'batch-a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: false, topics: [{ name: 'tx', partitions: [0, 1] }] },
        { transactionalId: 'batch-b', producerId: b.producerId, producerEpoch: b.producerEpoch, verifyOnly: false, topics: [{ name: 'tx', partitions: [0] }, { name: 'tx-none', partitions: [0] }] },
      ],
    });
    expect(r.errorCode).toBe(0);
    const codes = r.resultsByTransaction.map((t) => [t.transactionalId, t.topicResults.flatMap((x) => x.resultsByPartition.map((p) => [x.name, p.partitionIndex, p.partitionErrorCode]))]);
    expect(codes).toEqual([
      ['batch-a', [['tx', 0, 0], ['tx', 1, 0]]],
      // An unknown partition fails alone; the others are not attempted.
      ['batch-b', [['tx', 0, 55], ['tx-none', 0, 3]]],
    ]);
    const verify = await c.request(24, 5, {
      transactions: [{ transactionalId: 'batch-a', producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: true, topics: [{ name: 'tx', partitions: [1] }] }, { transactionalId: 'batch-b', producerId: b.producerId, producerEpoch: b.producerEpoch, verifyOnly: true, topics: [{ name: 'tx', partitions: [0] }] }],
    });
    expect(verify.resultsByTransaction.map((t) => t.topicResults[0]!.resultsByPartition[0]!.partitionErrorCode)).toEqual([0, 48]);
    await c.request(26, 3, { transactionalId: 'batch-a', producerId: a.producerId, producerEpoch: a.producerEpoch, committed: false });
  });

  it('fences an older epoch and refuses unknown producer ids', async () => {
    const old = await c.request(22, 4, { transactionalId: 'fenced', transactionTimeoutMs: 60_000 });
    const current = await c.request(22, 4, { transactionalId: 'fenced', transactionTimeoutMs: 60_000 });
    expect(current.producerId).toBe(old.producerId);
    expect(current.producerEpoch).toBe(old.producerEpoch + 1);
    const stale = await c.request(24, 3, { v3AndBelowTransactionalId: 'fenced', v3AndBelowProducerId: old.producerId, v3AndBelowProducerEpoch: old.producerEpoch, v3AndBelowTopics: [{ name: 'tx', partitions: [0] }] });
    expect(stale.resultsByTopicV3AndBelow[0]!.resultsByPartition[0]!.partitionErrorCode).toBe(90);
    expect((await c.request(25, 2, { transactionalId: 'fenced', producerId: 424242n, producerEpoch: 0, groupId: 'g' })).errorCode).toBe(49);
    expect((await c.request(22, 2, { transactionalId: 'bad-timeout', transactionTimeoutMs: 0 })).errorCode).toBe(50);
  });

  it('gives an idempotent producer (no transactional id) a fresh id', async () => {
    const a = await c.request(22, 0, { transactionalId: null, transactionTimeoutMs: 0 });
    const b = await c.request(22, 5, { transactionalId: null, transactionTimeoutMs: 0 });
    expect([a.errorCode, b.errorCode]).toEqual([0, 0]);
    expect(b.producerId).not.toBe(a.producerId);
    expect(a.producerEpoch).toBe(0);
  });
});
