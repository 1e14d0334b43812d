/**
 * The same producer and consumer API over the Kafka protocol: against `npm start` (or any Kafka
 * cluster). Run: npx tsx examples/remote-client.ts   (FRESHET_BOOTSTRAP=host:port to point elsewhere)
 */
import { RemoteClient } from 'freshet';

const client = new RemoteClient({ brokers: [process.env.FRESHET_BOOTSTRAP ?? '127.0.0.1:9092'] });
const admin = client.admin();
const topic = `remote-demo-${Date.now()}`;
await admin.createTopics([{ name: topic, partitions: 2 }]);

const producer = client.producer();
await producer.sendBatch(['alice', 'bob', 'carol'].map((user) => ({ topic, key: user, value: `signed up: ${user}` })));

const consumer = client.consumer({ groupId: `${topic}-readers`, autoOffsetReset: 'earliest' });
consumer.subscribe([topic]);
let seen = 0;
while (seen < 3) {
  for (const r of await consumer.poll(500)) {
    console.log(`${r.key}: ${r.value} (partition ${r.partition})`);
    seen++;
  }
}
await consumer.commitSync();
console.log(await admin.listGroupOffsets(`${topic}-readers`));

await consumer.close();
await producer.close();
await admin.close();
