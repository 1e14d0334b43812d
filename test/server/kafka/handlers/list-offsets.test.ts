/** ListOffsets: earliest, latest, by time, max timestamp, v0's offset lists, per-partition errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../../storage/log/record-batch.js';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  k = await startKafka();
  k.broker.createTopic('lo', { partitions: 1 });
  // Offsets 0-9 with timestamps T0, T0+10, ..., and the largest at offset 4.
  const records = Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: i === 4 ? T0 + 1000 : T0 + i * 10 }));
  for (const r of records) await k.broker.produce('lo', 0, encodeBatch([r]));
  await k.broker.deleteRecords('lo', 0, 2);
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

async function lookup(version: number, timestamp: bigint, partitionIndex = 0) {
  const r = await c.request(2, version, { replicaId: -1, topics: [{ name: 'lo', partitions: [{ partitionIndex, timestamp, maxNumOffsets: 1 }] }] });
  return r.topics[0]!.partitions[0]!;
}

describe('ListOffsets', () => {
  it('answers earliest, latest, by time and max timestamp', async () => {
    expect(await lookup(7, -2n)).toMatchObject({ errorCode: 0, offset: 2n, leaderEpoch: 0 });
    expect(await lookup(7, -1n)).toMatchObject({ errorCode: 0, offset: 10n });
    expect(await lookup(7, BigInt(T0 + 25))).toMatchObject({ errorCode: 0, offset: 3n, timestamp: BigInt(T0 + 30) });
    expect(await lookup(7, -3n)).toMatchObject({ errorCode: 0, offset: 4n, timestamp: BigInt(T0 + 1000) });
    // Later than every record: no offset.
    expect(await lookup(7, BigInt(T0 + 5000))).toMatchObject({ errorCode: 0, offset: -1n, leaderEpoch: -1 });
    // -4 earliest-local is earliest; -5 latest-tiered has nothing tiered.
    expect(await lookup(9, -4n)).toMatchObject({ offset: 2n });
    expect(await lookup(9, -5n)).toMatchObject({ errorCode: 0, offset: -1n });
    expect(await lookup(1, -1n)).toMatchObject({ errorCode: 0, offset: 10n, timestamp: -1n });
  });

  it('answers v0 with a list of offsets', async () => {
    expect(await lookup(0, -1n)).toMatchObject({ errorCode: 0, oldStyleOffsets: [10n] });
  });

  it('reports unknown partitions per partition', async () => {
    expect(await lookup(7, -1n, 3)).toMatchObject({ errorCode: 3, offset: -1n });
    const r = await c.request(2, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'lo-none', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(3);
  });
});
