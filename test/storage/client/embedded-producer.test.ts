/**
 * The embedded producer's callback sends (Kafka's send(record, callback)), which the streams
 * runtime uses instead of a promise per record: acknowledgements in order with the offsets a
 * promise would carry, failures reported asynchronously, unsent records told of an abort.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../storage/broker/broker.js';
import type { EmbeddedProducer, SendCallback } from '../../../storage/client/embedded/producer.js';
import type { RecordMetadata } from '../../../storage/client/types.js';
import { silentLogger } from '../../../storage/logger.js';
import { tempDir } from '../../helpers/tmp.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function openBroker(): Promise<Broker> {
  const { dir, cleanup } = tempDir();
  const broker = await Broker.open({ dataDir: dir, groupInitialRebalanceDelayMs: 0, logger: silentLogger, offsetsTopicPartitions: 1, transactionStateTopicPartitions: 1 });
  cleanups.push(cleanup, () => broker.close());
  return broker;
}

interface Outcome {
  error: Error | null;
  metadata: RecordMetadata | null;
}

function recorder(): { outcomes: Outcome[]; callback: SendCallback; settled: Promise<void>; expect(n: number): void } {
  const outcomes: Outcome[] = [];
  let wanted = Infinity;
  let done: () => void = () => {};
  const settled = new Promise<void>((resolve) => (done = resolve));
  return {
    outcomes,
    settled,
    expect(n) {
      wanted = n;
      if (outcomes.length >= n) done();
    },
    callback: {
      onCompletion(error, metadata) {
        outcomes.push({ error, metadata });
        if (outcomes.length >= wanted) done();
      },
    },
  };
}

describe('embedded producer: sendWithCallback', () => {
  it('acknowledges each record with the offset a promise would carry, in send order', async () => {
    const broker = await openBroker();
    broker.createTopic('t', { partitions: 1 });
    const producer = broker.producer() as EmbeddedProducer;
    const r = recorder();
    producer.sendWithCallback({ topic: 't', key: 'a', value: '1', partition: 0, timestamp: 5 }, r.callback);
    const viaPromise = producer.send({ topic: 't', key: 'b', value: '2', partition: 0 });
    producer.sendWithCallback({ topic: 't', key: 'c', value: '3', partition: 0 }, r.callback);
    r.expect(2);
    await r.settled;
    expect(r.outcomes.map((o) => o.error)).toEqual([null, null]);
    expect(r.outcomes.map((o) => [o.metadata!.topic, o.metadata!.partition, o.metadata!.offset])).toEqual([
      ['t', 0, 0],
      ['t', 0, 2],
    ]);
    expect(r.outcomes[0]!.metadata!.timestamp).toBe(5);
    expect((await viaPromise).offset).toBe(1);
    await producer.close();
  });

  it('reports a record it cannot send to the callback, after the call returns', async () => {
    const broker = await openBroker();
    broker.createTopic('t', { partitions: 1 });
    const producer = broker.producer() as EmbeddedProducer;
    const r = recorder();
    producer.sendWithCallback({ topic: 't', value: 'x', partition: 3 }, r.callback);
    expect(r.outcomes).toHaveLength(0);
    r.expect(1);
    await r.settled;
    expect(r.outcomes[0]!.error).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(r.outcomes[0]!.metadata).toBeNull();
    await producer.close();
    const late = recorder();
    producer.sendWithCallback({ topic: 't', value: 'y' }, late.callback);
    late.expect(1);
    await late.settled;
    expect(late.outcomes[0]!.error).toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('tells records still unsent when their transaction aborts', async () => {
    const broker = await openBroker();
    broker.createTopic('t', { partitions: 1 });
    const producer = broker.producer({ transactionalId: 'tx', lingerMs: 60_000 }) as EmbeddedProducer;
    await producer.initTransactions();
    producer.beginTransaction();
    const r = recorder();
    producer.sendWithCallback({ topic: 't', value: 'doomed' }, r.callback);
    await producer.abortTransaction();
    r.expect(1);
    await r.settled;
    expect(r.outcomes[0]!.error).toMatchObject({ code: 'INVALID_TXN_STATE' });
    await producer.close();
  });
});
