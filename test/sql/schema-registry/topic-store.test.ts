import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../../storage/broker/broker.js';
import type { ConsumerRecord, StorageClient } from '../../../storage/client/types.js';
import { silentLogger } from '../../../storage/logger.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { decodeRecord, encodeKey, encodeValue, schemaKey, type StoreRecord } from '../../../sql/schema-registry/store.js';
import { TopicSchemaStore } from '../../../sql/schema-registry/topic-store.js';
import { tempDir } from '../../helpers/tmp.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function openBroker(dir: string): Promise<Broker> {
  const broker = await Broker.open({ dataDir: dir, logger: silentLogger, groupInitialRebalanceDelayMs: 0 });
  cleanups.push(() => broker.close());
  return broker;
}

async function readTopic(client: StorageClient, topic: string): Promise<ConsumerRecord[]> {
  const consumer = client.consumer({ enableAutoCommit: false, autoOffsetReset: 'earliest' });
  try {
    const tp = { topic, partition: 0 };
    consumer.assign([tp]);
    consumer.seekToBeginning([tp]);
    const [end] = await consumer.endOffsets([tp]);
    const records: ConsumerRecord[] = [];
    while ((await consumer.position(tp)) < end!) records.push(...(await consumer.poll(200)));
    return records;
  } finally {
    await consumer.close();
  }
}

const V1 = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] });
const V2 = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: ['null', 'string'], default: null }] });

describe('the _schemas record format', () => {
  it('writes keys with their fields in a fixed order, so compaction sees equal keys as equal bytes', () => {
    expect(encodeKey(schemaKey('orders-value', 2)).toString()).toBe('{"keytype":"SCHEMA","subject":"orders-value","version":2,"magic":1}');
    expect(encodeKey({ magic: 0, subject: null, keytype: 'CONFIG' } as never).toString()).toBe('{"keytype":"CONFIG","subject":null,"magic":0}');
    const record: StoreRecord = { key: schemaKey('s', 1), value: { subject: 's', version: 1, id: 3, schemaType: 'PROTOBUF', references: [], schema: 'x', deleted: false } };
    expect(encodeValue(record)!.toString()).toBe('{"subject":"s","version":1,"id":3,"schemaType":"PROTOBUF","references":[],"schema":"x","deleted":false}');
    expect(decodeRecord(encodeKey(record.key), encodeValue(record))).toEqual(record);
    expect(decodeRecord(encodeKey(record.key), null)).toEqual({ key: record.key, value: null });
    // AVRO is the default type and is left out, as Confluent does.
    expect(encodeValue({ key: schemaKey('s', 1), value: { ...record.value!, schemaType: 'AVRO' } } as StoreRecord)!.toString()).not.toContain('schemaType');
  });
});

describe('TopicSchemaStore', () => {
  it('keeps the registry on a compacted topic of the embedded broker, across registry and broker restarts', async () => {
    const tmp = tempDir('freshet-schemas-');
    cleanups.push(tmp.cleanup);
    let broker = await openBroker(tmp.dir);

    const registry = await SchemaRegistry.open(new TopicSchemaStore(broker.client()));
    expect(await registry.register('orders-value', V1)).toBe(1);
    expect(await registry.register('orders-value', V2)).toBe(2);
    expect(await registry.register('orders-value', V1)).toBe(1);
    await registry.register('gone-value', JSON.stringify({ type: 'record', name: 'G', fields: [] }));
    await registry.setCompatibility('FULL', 'orders-value');
    await registry.deleteVersion('orders-value', 1);
    await registry.deleteSubject('gone-value');
    await registry.deleteSubject('gone-value', { permanent: true });
    await registry.close();

    const admin = broker.client().admin();
    const [configs] = await admin.describeConfigs([{ type: 'topic', name: '_schemas' }]);
    await admin.close();
    expect(configs!.entries.find((e) => e.name === 'cleanup.policy')?.value).toBe('compact');
    const raw = await readTopic(broker.client(), '_schemas');
    expect(raw[0]!.key!.toString()).toBe('{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}');
    expect(JSON.parse(raw[0]!.value!.toString())).toMatchObject({ subject: 'orders-value', version: 1, id: 1, deleted: false });
    // The permanent delete is a tombstone.
    expect(raw[raw.length - 1]!.value).toBeNull();

    const check = (r: SchemaRegistry) => {
      expect(r.listVersions('orders-value')).toEqual([2]);
      expect(r.getCompatibility('orders-value')).toBe('FULL');
      expect(r.getByIdSync(1).schema).toBe(V1);
    };
    const reopened = await SchemaRegistry.open(new TopicSchemaStore(broker.client()));
    check(reopened);
    expect(reopened.listSubjects({ deleted: true })).toEqual(['orders-value']);
    expect(await reopened.register('other-value', V2)).toBe(2);
    await reopened.close();

    await broker.close();
    cleanups.pop();
    broker = await openBroker(tmp.dir);
    const afterRestart = await SchemaRegistry.open(new TopicSchemaStore(broker.client()));
    check(afterRestart);
    expect(afterRestart.listSubjects()).toEqual(['orders-value', 'other-value']);
    expect(await afterRestart.register('new-value', JSON.stringify({ type: 'record', name: 'N', fields: [] }))).toBe(4);
    await afterRestart.close();
  });
});
