/**
 * Session windows: clicks per user, grouped into sessions that end after 30 seconds without a
 * click; a late click that bridges two sessions merges them. Run: npx tsx examples/session-windows.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, Serdes, SessionWindows, StreamsApp, StreamsBuilder, WindowedSerdes, silentLogger } from 'freshet';

const S = Serdes.String();
const T0 = Date.parse('2026-01-01T12:00:00Z');

const builder = new StreamsBuilder();
builder
  .stream<string, string>('clicks', { keySerde: S, valueSerde: S })
  .groupByKey()
  .windowedBy(SessionWindows.ofInactivityGapAndGrace(30_000, 60_000))
  .count({ materialized: { storeName: 'click-sessions' } })
  .toStream()
  .to('sessions', { keySerde: WindowedSerdes.sessionWindowedSerdeFrom(S), valueSerde: Serdes.Long() });

const dir = mkdtempSync(join(tmpdir(), 'freshet-sessions-'));
const broker = await Broker.open({ dataDir: join(dir, 'data'), groupInitialRebalanceDelayMs: 0, logger: silentLogger });
broker.createTopic('clicks');
broker.createTopic('sessions');
const app = new StreamsApp(builder.build(), { applicationId: 'sessions', stateDir: join(dir, 'state'), commitIntervalMs: 100, cacheMaxBytes: 0, logger: silentLogger }, broker.client());
await app.start();

// alice: two bursts 50 s apart (two sessions), then a late click at 25 s that bridges them.
const clicks: [string, number][] = [['alice', 0], ['alice', 10_000], ['alice', 60_000], ['bob', 5_000], ['alice', 35_000]];
await broker.producer().sendBatch(clicks.map(([user, t]) => ({ topic: 'clicks', key: user, value: 'click', timestamp: T0 + t })));

const consumer = broker.consumer({ autoOffsetReset: 'earliest' });
consumer.assign([{ topic: 'sessions', partition: 0 }]);
const serde = WindowedSerdes.sessionWindowedSerdeFrom(S);
const lines: string[] = [];
const deadline = Date.now() + 10_000;
while (Date.now() < deadline && lines.length < 7) {
  for (const r of await consumer.poll(200)) {
    const key = serde.deserialize('sessions', r.key)!;
    const span = `${(key.window.start - T0) / 1000}s..${(key.window.end - T0) / 1000}s`;
    lines.push(`${key.key} ${span}: ${r.value === null ? 'merged away' : `${r.value.readBigInt64BE()} clicks`}`);
  }
}
for (const line of lines) console.log(line);

await consumer.close();
await app.close();
await broker.close();
