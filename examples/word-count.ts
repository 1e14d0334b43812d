/**
 * Word count: the streams engine's hello world, on the embedded broker. Lines go into a topic;
 * the app splits them into words, counts each word in a state store (backed by a changelog
 * topic) and writes every updated count to an output topic. Run: npx tsx examples/word-count.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, Serdes, StreamsApp, StreamsBuilder, silentLogger } from 'freshet';

const dir = mkdtempSync(join(tmpdir(), 'freshet-wordcount-'));
const broker = await Broker.open({ dataDir: join(dir, 'data'), groupInitialRebalanceDelayMs: 0, logger: silentLogger });
broker.createTopic('lines', { partitions: 2 });
broker.createTopic('word-counts', { partitions: 2 });

const builder = new StreamsBuilder();
builder
  .stream<string, string>('lines', { keySerde: Serdes.String(), valueSerde: Serdes.String() })
  .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w !== ''))
  .groupBy((_, word) => word, { keySerde: Serdes.String(), valueSerde: Serdes.String() })
  .count({ materialized: { storeName: 'word-counts-store' } })
  .toStream()
  .to('word-counts', { keySerde: Serdes.String(), valueSerde: Serdes.Long() });

const app = new StreamsApp(builder.build(), { applicationId: 'word-count', stateDir: join(dir, 'state'), commitIntervalMs: 100, logger: silentLogger }, broker.client());
await app.start();

await broker.producer().sendBatch(
  ['The quick brown fox', 'jumps over the lazy dog', 'The dog sleeps'].map((line) => ({ topic: 'lines', value: line })),
);

// Read the counts back: the last value per word is its count.
const consumer = broker.consumer({ autoOffsetReset: 'earliest' });
consumer.assign([0, 1].map((partition) => ({ topic: 'word-counts', partition })));
const counts = new Map<string, number>();
const deadline = Date.now() + 10_000;
while (Date.now() < deadline && (counts.get('the') !== 3 || counts.get('dog') !== 2)) {
  for (const r of await consumer.poll(200)) counts.set(r.key!.toString(), Number(r.value!.readBigInt64BE()));
}
console.log(Object.fromEntries([...counts].sort()));

// Interactive query: the store itself.
const store = app.store<{ get(key: string): { value: number } | null }>('word-counts-store');
console.log(`store says: "the" -> ${store.get('the')?.value}`);

await consumer.close();
await app.close();
await broker.close();
