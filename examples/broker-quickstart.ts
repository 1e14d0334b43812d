/**
 * The broker API in a few lines: open a broker on a directory, create a topic, produce keyed
 * records, consume them in a group, commit. Run: npx tsx examples/broker-quickstart.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from 'freshet';

const broker = await Broker.open({ dataDir: mkdtempSync(join(tmpdir(), 'freshet-')), groupInitialRebalanceDelayMs: 0 });
broker.createTopic('page-views', { partitions: 3, configs: { 'retention.ms': String(24 * 3600_000) } });

const producer = broker.producer();
const meta = await producer.send({ topic: 'page-views', key: 'alice', value: '/index.html' });
await producer.sendBatch([
  { topic: 'page-views', key: 'bob', value: '/about.html' },
  { topic: 'page-views', key: 'alice', value: '/pricing.html', headers: { source: 'mobile' } },
]);
console.log(`first record: partition ${meta.partition}, offset ${meta.offset}`);

const consumer = broker.consumer({ groupId: 'reporting', autoOffsetReset: 'earliest' });
consumer.subscribe(['page-views']);
let seen = 0;
while (seen < 3) {
  for (const r of await consumer.poll(500)) {
    console.log(`${r.key} -> ${r.value} (partition ${r.partition}, offset ${r.offset})`);
    seen++;
  }
}
await consumer.commitSync();
console.log(await broker.admin().listGroupOffsets('reporting'));

await consumer.close();
await producer.close();
await broker.close();
