/**
 * PROTOBUF: a Protobuf message in Confluent's wire format, schemas in the registry; and
 * PROTOBUF_NOSR: the bare message, its schema generated from the columns on both sides.
 *
 *   PROTOBUF       00 | schema id (4 bytes, big-endian) | message indexes | message
 *   PROTOBUF_NOSR  message
 *
 *   columns (ID BIGINT, NAME STRING), row [150n, 'a'], schema id 1, first message:
 *     00 00 00 00 01   00   08 96 01   12 01 61
 *     magic  id        [0]  ID = 150   NAME = "a"
 *
 * Rows are always messages of their columns (Protobuf has no bare values), keys included. The
 * writer's message is ksqlDB's for the columns (protobuf-sql-schema.ts) unless
 * KEY_SCHEMA_ID/VALUE_SCHEMA_ID names a registered schema, in which case KEY_SCHEMA_FULL_NAME /
 * VALUE_SCHEMA_FULL_NAME picks the message (the first one by default).
 */
import type { ResolvedSchema } from '../../schema-registry/client.js';
import { findMessage, messageAt, parseProtobufSchema, type ProtoFile, type ProtoMessage } from '../../schema-registry/protobuf-schema.js';
import { ByteReader, ByteWriter } from '../byte-io.js';
import { readPrefix, writePrefix } from '../confluent-wire.js';
import { FormatError, SerializationError } from '../errors.js';
import { defineFormat, type Column, type Format, type ResolvedSerdeOptions, type Row, type RowSerde } from '../format.js';
import { fetchSchemaById, requireRegistry, SchemaCache, writerIdFor } from '../registry-serde.js';
import { expectColumnCount, rowSerde } from '../row-serde.js';
import { protobufSchemaForColumns, protobufUnsupported } from './protobuf-sql-schema.js';
import { messageFromSql, structFromMessage } from './protobuf-values.js';
import { decodeMessage, encodeMessage } from './protobuf-wire.js';

export const protobufFormat: Format = defineFormat({
  name: 'PROTOBUF',
  usesSchemaRegistry: true,
  supportsSchemaInference: true,
  canUnwrap: false,
  canWrap: true,
  properties: ['fullSchemaName', 'schemaId', 'subjectName'],

  unsupported(columns) {
    return protobufUnsupported(columns);
  },

  async createSerde(columns, options) {
    const registry = requireRegistry('PROTOBUF', options);
    let writer: { id: number; message: ProtoMessage; file: ProtoFile } | SerializationError;
    if (options.schemaId !== undefined) {
      const file = parseResolvedProtobuf(await fetchSchemaById(registry, options.schemaId, 'PROTOBUF', 'PROTOBUF'));
      const message = findMessage(file, options.schemaFullName?.trim());
      if (!message) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Schema ${options.schemaId} has no message named '${options.schemaFullName}'.`);
      for (const c of columns) {
        if (!message.fields.some((f) => f.name === c.name || f.oneof === c.name)) {
          throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Schema from Schema Registry misses field with name: ${c.name}`);
        }
      }
      writer = { id: options.schemaId, message, file };
    } else {
      const text = protobufSchemaForColumns(columns, options.schemaFullName);
      const file = parseProtobufSchema(text);
      const id = await writerIdFor(registry, options, 'PROTOBUF', text);
      writer = typeof id === 'number' ? { id, message: file.messages[0]!, file } : id;
    }
    const readers = new SchemaCache(registry, 'PROTOBUF', parseResolvedProtobuf);
    if (!(writer instanceof Error)) readers.set(writer.id, writer.file);

    return rowSerde(options.target, {
      serialize(row, topic) {
        if (writer instanceof Error) throw writer;
        expectColumnCount(row, columns.length, topic);
        const out = new ByteWriter();
        writePrefix(out, writer.id, writer.message.indexes);
        encodeMessage(writer.message, messageFromSql(writer.message, columnSource(row, columns), ''), out);
        return out.toBuffer();
      },
      deserialize(bytes) {
        const prefix = readPrefix(bytes, true);
        const file = readers.get(prefix.schemaId);
        const message = messageAt(file, prefix.messageIndexes ?? [0]);
        if (!message) throw new SerializationError(`Schema ${prefix.schemaId} has no message at index [${(prefix.messageIndexes ?? []).join(', ')}].`);
        return rowOf(decodeMessage(message, new ByteReader(bytes, prefix.offset)), message, columns);
      },
    });
  },
});

export const protobufNoSrFormat: Format = defineFormat({
  name: 'PROTOBUF_NOSR',
  usesSchemaRegistry: false,
  supportsSchemaInference: false,
  canUnwrap: false,
  canWrap: true,
  properties: ['fullSchemaName'],

  unsupported(columns) {
    return protobufUnsupported(columns);
  },

  async createSerde(columns, options) {
    return noSrSerde(columns, options);
  },
});

function noSrSerde(columns: readonly Column[], options: ResolvedSerdeOptions): RowSerde {
  const message = parseProtobufSchema(protobufSchemaForColumns(columns, options.schemaFullName)).messages[0]!;
  return rowSerde(options.target, {
    serialize(row, topic) {
      expectColumnCount(row, columns.length, topic);
      const out = new ByteWriter();
      encodeMessage(message, messageFromSql(message, columnSource(row, columns), ''), out);
      return out.toBuffer();
    },
    deserialize(bytes) {
      return rowOf(decodeMessage(message, new ByteReader(bytes)), message, columns);
    },
  });
}

/** A registry schema, parsed with the texts of its references. */
export function parseResolvedProtobuf(resolved: ResolvedSchema): ProtoFile {
  return parseProtobufSchema(resolved.schema, new Map([...resolved.referenced].map(([name, def]) => [name, def.schema])));
}

function columnSource(row: Row, columns: readonly Column[]) {
  const index = new Map(columns.map((c, i) => [c.name, i]));
  return (name: string) => {
    const i = index.get(name);
    return i === undefined ? undefined : { value: row[i], type: columns[i]!.type };
  };
}

function rowOf(value: Map<string, unknown>, message: ProtoMessage, columns: readonly Column[]): Row {
  const struct = structFromMessage(value, message, columns, '');
  return columns.map((c) => struct[c.name]);
}
