/**
 * The Processor API: a hand-written processor with its own state store and a punctuation.
 * Clicks per user are counted in a key-value store; every 10 seconds of stream time the
 * processor emits the leader so far. Run: npx tsx examples/processor-api.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker, Record, Serdes, Stores, StreamsApp, Topology, silentLogger, type KeyValueStore, type ProcessorContext } from 'freshet';

const S = Serdes.String();

class LeaderBoard {
  private ctx!: ProcessorContext<string, string>;
  private counts!: KeyValueStore<string, number>;

  init(context: ProcessorContext<string, string>): void {
    this.ctx = context;
    this.counts = context.getStateStore('clicks-per-user');
    context.schedule(10_000, 'STREAM_TIME', (time) => {
      let best: { user: string; clicks: number } | null = null;
      for (const { key, value } of this.counts.all()) if (!best || value > best.clicks) best = { user: key, clicks: value };
      if (best) this.ctx.forward(new Record('leader', `${best.user} with ${best.clicks} clicks`, time));
    });
  }

  process(record: Record<string, string>): void {
    this.counts.put(record.key, (this.counts.get(record.key) ?? 0) + 1);
  }
}

const topology = new Topology()
  .addSource('clicks', ['clicks'], { keySerde: S, valueSerde: S })
  .addProcessor('leaderboard', () => new LeaderBoard(), 'clicks')
  .addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('clicks-per-user'), S, Serdes.Long()), 'leaderboard')
  .addSink('leaders', 'leaders', { keySerde: S, valueSerde: S }, 'leaderboard');
console.log(topology.describe().toString());

const dir = mkdtempSync(join(tmpdir(), 'freshet-processor-'));
const broker = await Broker.open({ dataDir: join(dir, 'data'), groupInitialRebalanceDelayMs: 0, logger: silentLogger });
broker.createTopic('clicks');
broker.createTopic('leaders');
const app = new StreamsApp(topology, { applicationId: 'leaderboard', stateDir: join(dir, 'state'), commitIntervalMs: 100, logger: silentLogger }, broker.client());
await app.start();

const clicks: [string, number][] = [['ann', 0], ['bob', 1_000], ['ann', 4_000], ['bob', 9_000], ['bob', 12_000], ['cid', 21_000]];
await broker.producer().sendBatch(clicks.map(([user, t]) => ({ topic: 'clicks', key: user, value: 'click', timestamp: 1_700_000_000_000 + t })));

const consumer = broker.consumer({ autoOffsetReset: 'earliest' });
consumer.assign([{ topic: 'leaders', partition: 0 }]);
const leaders: string[] = [];
const deadline = Date.now() + 10_000;
while (leaders.length < 3 && Date.now() < deadline) for (const r of await consumer.poll(200)) leaders.push(r.value!.toString());
console.log(leaders);

await consumer.close();
await app.close();
await broker.close();
