/**
 * AVRO: Avro binary in Confluent's wire format, schemas in the registry.
 *
 *   00 | schema id (4 bytes, big-endian) | Avro binary of the row
 *
 *   columns (ID BIGINT, NAME STRING), row [1n, 'a'], schema id 1:
 *     00 00 00 00 01   02 02   02 02 61
 *     magic  id        ID: union branch 1 (long), zigzag 1
 *                             NAME: branch 1 (string), length 1, 'a'
 *
 * The writer's schema is ksqlDB's for the columns (avro-sql-schema.ts) unless
 * KEY_SCHEMA_ID/VALUE_SCHEMA_ID names a registered one; readers use whichever schema the record
 * names and map it onto the columns (avro-values.ts).
 */
import { nullableBranch, parseAvroJson, type AvroNames, type AvroRecord, type AvroSchema } from '../../schema-registry/avro-schema.js';
import type { ResolvedSchema } from '../../schema-registry/client.js';
import { Types } from '../../types/sql-type.js';
import { ByteReader, ByteWriter } from '../byte-io.js';
import { readPrefix, writePrefix } from '../confluent-wire.js';
import { FormatError, SerializationError } from '../errors.js';
import { defineFormat, type Column, type Format, type ResolvedSerdeOptions, type Row } from '../format.js';
import { fetchSchemaById, requireRegistry, SchemaCache, writerIdFor } from '../registry-serde.js';
import { expectColumnCount, rowSerde } from '../row-serde.js';
import { AvroUnionValue, decodeAvro, encodeAvro } from './avro-binary.js';
import { avroFieldName, avroSchemaForColumns, avroUnsupported, DEFAULT_AVRO_FULL_NAME } from './avro-sql-schema.js';
import { fromAvroDatum, recordDatum, toAvroDatum } from './avro-values.js';

export const avroFormat: Format = defineFormat({
  name: 'AVRO',
  usesSchemaRegistry: true,
  supportsSchemaInference: true,
  canUnwrap: true,
  canWrap: true,
  properties: ['fullSchemaName', 'schemaId', 'subjectName'],

  unsupported(columns) {
    return avroUnsupported(columns);
  },

  async createSerde(columns, options) {
    const registry = requireRegistry('AVRO', options);
    let writer: { id: number; schema: AvroSchema } | SerializationError;
    if (options.schemaId !== undefined) {
      const schema = parseResolvedAvro(await fetchSchemaById(registry, options.schemaId, 'AVRO', 'AVRO'));
      checkWriterSchema(schema, columns, options.wrapped);
      writer = { id: options.schemaId, schema };
    } else {
      const json = avroSchemaForColumns(columns, options.wrapped, options.schemaFullName?.trim() || DEFAULT_AVRO_FULL_NAME);
      const schema = parseAvroJson(json);
      const id = await writerIdFor(registry, options, 'AVRO', JSON.stringify(json));
      writer = typeof id === 'number' ? { id, schema } : id;
    }
    const readers = new SchemaCache(registry, 'AVRO', parseResolvedAvro);
    if (!(writer instanceof Error)) readers.set(writer.id, writer.schema);
    const rowType = Types.struct(columns.map((c) => ({ name: c.name, type: c.type })));

    return rowSerde(options.target, {
      serialize(row, topic) {
        if (writer instanceof Error) throw writer;
        expectColumnCount(row, columns.length, topic);
        if (!options.wrapped && (row[0] === null || row[0] === undefined)) return null;
        const out = new ByteWriter();
        writePrefix(out, writer.id);
        encodeAvro(writer.schema, rowDatum(row, columns, writer.schema, options), out);
        return out.toBuffer();
      },
      deserialize(bytes) {
        const prefix = readPrefix(bytes, false);
        const schema = readers.get(prefix.schemaId);
        const datum = decodeAvro(schema, new ByteReader(bytes, prefix.offset));
        if (!options.wrapped) {
          const value = fromAvroDatum(datum, schema, columns[0]!.type, '');
          return value === null ? null : [value];
        }
        const struct = fromAvroDatum(datum, schema, rowType, '') as Record<string, unknown> | null;
        return struct === null ? null : columns.map((c) => struct[c.name]);
      },
    });
  },
});

/** A schema from the registry, with the named types of its references. */
export function parseResolvedAvro(resolved: ResolvedSchema): AvroSchema {
  const names: AvroNames = new Map();
  for (const ref of resolved.referenced.values()) parseAvroJson(JSON.parse(ref.schema), names);
  return parseAvroJson(JSON.parse(resolved.schema), names);
}

function rowDatum(row: Row, columns: readonly Column[], schema: AvroSchema, options: ResolvedSerdeOptions): unknown {
  if (!options.wrapped) return toAvroDatum(row[0], columns[0]!.type, schema, '');
  const record = recordOf(schema);
  const byField = new Map(columns.map((c, i) => [avroFieldName(c.name), i]));
  const datum = recordDatum(record, (name) => {
    const i = byField.get(name);
    return i === undefined ? undefined : { value: row[i], type: columns[i]!.type };
  }, '');
  // A nullable record (["null", record]) writes its record branch.
  return schema.type === 'union' ? new AvroUnionValue(schema.branches.indexOf(record), datum) : datum;
}

function recordOf(schema: AvroSchema): AvroRecord {
  const root = nullableBranch(schema) ?? schema;
  if (root.type !== 'record' && root.type !== 'error') throw new SerializationError('The writer schema is not a record, so it cannot hold several columns.');
  return root;
}

/** Every column must have a field in a given writer schema (ksqlDB checks this when a serde is made). */
function checkWriterSchema(schema: AvroSchema, columns: readonly Column[], wrapped: boolean): void {
  if (!wrapped) return;
  const root = nullableBranch(schema) ?? schema;
  if (root.type !== 'record' && root.type !== 'error') {
    throw new FormatError('FORMAT_SCHEMA_MISMATCH', 'The schema from Schema Registry is not a record, so it cannot hold the columns; set WRAP_SINGLE_VALUE=false for a single column.');
  }
  for (const c of columns) {
    if (!root.fields.some((f) => f.name === avroFieldName(c.name))) {
      throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Schema from Schema Registry misses field with name: ${c.name}`);
    }
  }
}
