/**
 * JSON_SR: JSON text (exactly as the JSON format writes it) in Confluent's wire format, with a
 * JSON Schema registered for it.
 *
 *   00 | schema id (4 bytes, big-endian) | UTF-8 JSON
 *
 *   columns (ID BIGINT), row [7n], schema id 3:   00 00 00 00 03 7B 22 49 44 22 3A 37 7D  ({"ID":7})
 *
 * Reading ignores the schema and reads the JSON leniently, as ksqlDB does. Writing with a
 * registered schema (VALUE_SCHEMA_ID) writes the schema's properties in its order: columns fill
 * properties of the same name, others are written as their default or null.
 */
import { parseJsonSchema, type JsonSchemaDocument } from '../schema-registry/json-schema.js';
import type { ResolvedSchema } from '../schema-registry/client.js';
import { readPrefix, writePrefix } from './confluent-wire.js';
import { ByteWriter } from './byte-io.js';
import type { SerializationError } from './errors.js';
import { FormatError } from './errors.js';
import { defineFormat, type Column, type Format, type Row } from './format.js';
import { jsonRowCodec, jsonUnsupported } from './json-format.js';
import { sqlToJson } from './json-codec.js';
import { jsonSchemaForColumns, objectProperties } from './json-sr-schema.js';
import { fetchSchemaById, requireRegistry, writerIdFor } from './registry-serde.js';
import { expectColumnCount, rowSerde } from './row-serde.js';

export const jsonSrFormat: Format = defineFormat({
  name: 'JSON_SR',
  usesSchemaRegistry: true,
  supportsSchemaInference: true,
  canUnwrap: true,
  canWrap: true,
  properties: ['schemaId', 'subjectName'],

  unsupported(columns) {
    return jsonUnsupported(columns);
  },

  async createSerde(columns, options) {
    const registry = requireRegistry('JSON_SR', options);
    const codec = jsonRowCodec(columns, options.wrapped, options.rowWidth);
    let writeRow: (row: Row) => string | null = codec.write;
    let id: number | SerializationError;
    if (options.schemaId !== undefined) {
      const doc = parseResolvedJsonSchema(await fetchSchemaById(registry, options.schemaId, 'JSON', 'JSON_SR'));
      if (options.wrapped) writeRow = physicalWriter(doc, columns);
      id = options.schemaId;
    } else {
      id = await writerIdFor(registry, options, 'JSON', JSON.stringify(jsonSchemaForColumns(columns, options.wrapped)));
    }

    return rowSerde(options.target, {
      serialize(row, topic) {
        if (id instanceof Error) throw id;
        expectColumnCount(row, columns.length, topic);
        const text = writeRow(row);
        if (text === null) return null;
        const out = new ByteWriter();
        writePrefix(out, id);
        out.bytes(Buffer.from(text, 'utf8'));
        return out.toBuffer();
      },
      deserialize(bytes) {
        const { offset } = readPrefix(bytes, false);
        return codec.readBytes(bytes, offset);
      },
    });
  },
});

export function parseResolvedJsonSchema(resolved: ResolvedSchema): JsonSchemaDocument {
  return parseJsonSchema(resolved.schema, new Map([...resolved.referenced].map(([name, def]) => [name, def.schema])));
}

/** Writes rows as objects with the registered schema's properties, in its order. */
function physicalWriter(doc: JsonSchemaDocument, columns: readonly Column[]): (row: Row) => string {
  const properties = objectProperties(doc);
  if (properties === undefined) throw new FormatError('FORMAT_SCHEMA_MISMATCH', 'The schema from Schema Registry is not an object, so it cannot hold the columns.');
  for (const c of columns) {
    if (!properties.some((p) => p.name === c.name)) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Schema from Schema Registry misses field with name: ${c.name}`);
  }
  const index = new Map(columns.map((c, i) => [c.name, i]));
  return (row) =>
    `{${properties
      .map((p) => {
        const i = index.get(p.name);
        const text = i !== undefined ? sqlToJson(row[i], columns[i]!.type) : p.hasDefault ? JSON.stringify(p.default) : 'null';
        return `${JSON.stringify(p.name)}:${text}`;
      })
      .join(',')}}`;
}
