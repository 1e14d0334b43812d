import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { registerSchemas } from '../../../scripts/qtt/topic-schemas.js';
import type { QttCase } from '../../../scripts/qtt/runner.js';

const open = () => SchemaRegistry.open(new InMemorySchemaStore(), { defaultCompatibility: 'NONE' });
const avroRecord = (fields: string[]) => ({ name: 'r', type: 'record', fields: fields.map((name) => ({ name, type: 'int' })) });

describe('registerSchemas (the ids a case names its schemas by)', () => {
  it("registers each topic's key schema before its value schema", async () => {
    const registry = await open();
    const c: QttCase = { name: 'c', statements: [], topics: [{ name: 'input', keyFormat: 'AVRO', keySchema: avroRecord(['K']), valueFormat: 'AVRO', valueSchema: avroRecord(['V']) }] };
    await registerSchemas(registry, c);
    expect((await registry.getLatest('input-key'))?.id).toBe(1);
    expect((await registry.getLatest('input-value'))?.id).toBe(2);
  });

  it('also registers the schemas of sources declared with columns, in the order of a Java HashMap of topic names', async () => {
    const registry = await open();
    const c: QttCase = {
      name: 'c',
      statements: ["CREATE STREAM INPUT (`id` INT KEY, `c1` INT) WITH (kafka_topic='input', value_format='avro');", 'CREATE STREAM OUTPUT WITH (value_schema_id=2) AS SELECT * FROM input;'],
      topics: [{ name: 'OUTPUT', valueFormat: 'AVRO', valueSchema: avroRecord(['c1']) }],
    };
    await registerSchemas(registry, c);
    // "input" hashes to an earlier bucket than "OUTPUT"; the KAFKA key has no schema.
    expect((await registry.getLatest('input-value'))?.id).toBe(1);
    expect((await registry.getLatest('OUTPUT-value'))?.id).toBe(2);
    expect(await registry.getLatest('input-key')).toBeNull();
  });

  it('keeps the ids a topic asks for', async () => {
    const registry = await open();
    await registerSchemas(registry, { name: 'c', statements: [], topics: [{ name: 't', valueFormat: 'AVRO', valueSchema: avroRecord(['A']), valueSchemaId: 101 }] });
    expect((await registry.getLatest('t-value'))?.id).toBe(101);
  });
});
