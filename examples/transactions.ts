/**
 * Consume, transform and produce exactly once: output records and the consumed offsets commit
 * together in one transaction. Run: npx tsx examples/transactions.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from 'freshet';

const broker = await Broker.open({ dataDir: mkdtempSync(join(tmpdir(), 'freshet-')), groupInitialRebalanceDelayMs: 0 });
broker.createTopic('orders-in');
broker.createTopic('orders-out');
await broker.producer().sendBatch(['o1', 'o2', 'o3'].map((id) => ({ topic: 'orders-in', key: id, value: 'placed' })));

const consumer = broker.consumer({ groupId: 'orders-processor', autoOffsetReset: 'earliest', enableAutoCommit: false, isolationLevel: 'read_committed' });
consumer.subscribe(['orders-in']);
const records = await consumer.poll(1000);

const tx = broker.producer({ transactionalId: 'orders-processor' });
await tx.initTransactions();            // fences any older producer with this id
tx.beginTransaction();
for (const r of records) await tx.send({ topic: 'orders-out', key: r.key, value: 'shipped' });
await tx.sendOffsetsToTransaction([{ topic: 'orders-in', partition: 0, offset: records.at(-1)!.offset + 1 }], consumer.groupMetadata());
await tx.commitTransaction();           // or abortTransaction(); read_committed consumers see only commits

const reader = broker.consumer({ autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
reader.assign([{ topic: 'orders-out', partition: 0 }]);
console.log((await reader.poll(1000)).map((r) => `${r.key}: ${r.value}`));
console.log(await broker.admin().listGroupOffsets('orders-processor'));

await Promise.all([reader.close(), consumer.close(), tx.close()]);
await broker.close();
