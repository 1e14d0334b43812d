/**
 * Page views enriched with each user's region (a stream-table join), then counted per region in
 * one-minute tumbling windows. The grace period matters: after the repartition by region, views
 * from different users' partitions arrive interleaved, so a window must stay open a little after
 * its end. Run: npx tsx examples/page-views.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, Serdes, StreamsApp, StreamsBuilder, TimeWindows, WindowedSerdes, silentLogger } from 'freshet';

const S = Serdes.String();
const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T12:00:00Z');

const builder = new StreamsBuilder();
const users = builder.table<string, string>('users', { keySerde: S, valueSerde: S });
builder
  .stream<string, string>('page-views', { keySerde: S, valueSerde: S })
  .join(users, (page, region) => ({ page, region }))
  .groupBy((_, view) => view.region, { keySerde: S, valueSerde: Serdes.Json<{ page: string; region: string }>() })
  .windowedBy(TimeWindows.ofSizeAndGrace(MINUTE, 5 * MINUTE))
  .count({ materialized: { storeName: 'views-per-region' } })
  .toStream()
  .to('region-view-counts', { keySerde: WindowedSerdes.timeWindowedSerdeFrom(S, MINUTE), valueSerde: Serdes.Long() });

const dir = mkdtempSync(join(tmpdir(), 'freshet-pageviews-'));
const broker = await Broker.open({ dataDir: join(dir, 'data'), groupInitialRebalanceDelayMs: 0, logger: silentLogger });
for (const topic of ['users', 'page-views', 'region-view-counts']) broker.createTopic(topic, { partitions: 2 });
const app = new StreamsApp(builder.build(), { applicationId: 'page-views', stateDir: join(dir, 'state'), commitIntervalMs: 100, logger: silentLogger }, broker.client());
await app.start();

const producer = broker.producer();
await producer.sendBatch([
  { topic: 'users', key: 'alice', value: 'europe', timestamp: T0 },
  { topic: 'users', key: 'bob', value: 'americas', timestamp: T0 },
]);
const views: [string, string, number][] = [
  ['alice', '/home', 5_000],
  ['bob', '/home', 10_000],
  ['alice', '/pricing', 20_000],
  ['alice', '/docs', 70_000],
  ['bob', '/pricing', 75_000],
  ['bob', '/signup', 80_000],
];
await producer.sendBatch(views.map(([user, page, t]) => ({ topic: 'page-views', key: user, value: page, timestamp: T0 + t })));

const consumer = broker.consumer({ autoOffsetReset: 'earliest' });
consumer.assign([0, 1].map((partition) => ({ topic: 'region-view-counts', partition })));
const windowed = WindowedSerdes.timeWindowedSerdeFrom(S, MINUTE);
const latest = new Map<string, number>();
const deadline = Date.now() + 15_000;
while (Date.now() < deadline && [...latest.values()].reduce((a, b) => a + b, 0) < views.length) {
  for (const r of await consumer.poll(200)) {
    const key = windowed.deserialize('region-view-counts', r.key)!;
    const minute = new Date(key.window.start).toISOString().slice(11, 16);
    latest.set(`${minute} ${key.key}`, Number(r.value!.readBigInt64BE()));
  }
}
for (const [window, count] of [...latest].sort()) console.log(`${window}  ${count} views`);

await consumer.close();
await producer.close();
await app.close();
await broker.close();
