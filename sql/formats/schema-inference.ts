/**
 * Schema inference: the columns of a CREATE without columns, taken from the registry.
 *
 * The schema is the subject's latest version (`<topic>-key` / `<topic>-value`), or the one
 * KEY_SCHEMA_ID / VALUE_SCHEMA_ID names. Wrapped columns are the record's (object's, message's)
 * fields; an unwrapped key or value is one column, ROWKEY or ROWVAL. Keys are unwrapped where
 * the format allows it (PROTOBUF keys are messages, so their fields are the key columns).
 *
 * Names are upper-cased from the latest schema, so `c1` is the column C1 that statements can
 * name without quotes; with a schema id they are kept exactly (`c1` stays `c1`), since that
 * schema will also write the records and its names must match. Records read either way, as
 * field names match columns case-insensitively when the column is upper-case.
 */
import type { SchemaRegistryClient } from '../schema-registry/client.js';
import { findMessage } from '../schema-registry/protobuf-schema.js';
import { FormatError } from './errors.js';
import { formatColumns, subjectOf, type Column, type Format } from './format.js';
import { formatSqlType } from '../types/sql-type.js';
import { getFormat } from './formats.js';
import { parseResolvedAvro } from './avro/avro-format.js';
import { avroColumns } from './avro/avro-sql-schema.js';
import { parseResolvedJsonSchema } from './json-sr-format.js';
import { jsonSchemaColumns } from './json-sr-schema.js';
import { parseResolvedProtobuf } from './protobuf/protobuf-format.js';
import { protobufColumns } from './protobuf/protobuf-sql-schema.js';

export interface InferenceOptions {
  readonly registry: SchemaRegistryClient;
  readonly isKey: boolean;
  /** The topic whose subject (`<topic>-key|-value`) holds the schema. */
  readonly topic?: string;
  /** Another subject than the topic's. */
  readonly subject?: string;
  /** KEY_SCHEMA_ID / VALUE_SCHEMA_ID. */
  readonly schemaId?: number;
  /** KEY_SCHEMA_FULL_NAME / VALUE_SCHEMA_FULL_NAME: which Protobuf message. */
  readonly schemaFullName?: string;
  /** WRAP_SINGLE_VALUE; false reads the whole value as one column. */
  readonly wrapSingleValue?: boolean;
}

export interface InferredColumns {
  readonly columns: Column[];
  /** The id of the schema the columns came from. */
  readonly schemaId: number;
}

export async function inferColumns(format: Format | string, options: InferenceOptions): Promise<InferredColumns> {
  const f = typeof format === 'string' ? getFormat(format) : format;
  const which = options.isKey ? 'KEY' : 'VALUE';
  if (!f.supportsSchemaInference) {
    throw new FormatError(
      'FORMAT_INVALID_PROPERTY',
      options.schemaId !== undefined
        ? `${which}_FORMAT should support schema inference when ${which}_SCHEMA_ID is provided. Current format is ${f.name}.`
        : `The '${f.name}' format does not support schema inference: declare the columns.`,
    );
  }
  let id = options.schemaId;
  if (id === undefined) {
    const subject = subjectOf(options);
    if (subject === undefined) throw new FormatError('FORMAT_SCHEMA_MISMATCH', 'Schema inference needs the topic (or subject) whose schema to read.');
    const latest = await options.registry.getLatest(subject);
    if (!latest) {
      throw new FormatError(
        'FORMAT_SCHEMA_MISMATCH',
        `Schema for message ${options.isKey ? 'keys' : 'values'} on topic '${options.topic ?? subject}' does not exist in the Schema Registry.Subject: ${subject}`,
      );
    }
    id = latest.id;
  }
  let resolved;
  try {
    resolved = await options.registry.getById(id);
  } catch (err) {
    throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Failed to fetch schema ${id} from the Schema Registry: ${(err as Error).message}`, { cause: err });
  }
  const expected = f.name === 'AVRO' ? 'AVRO' : f.name === 'PROTOBUF' ? 'PROTOBUF' : 'JSON';
  if (resolved.schemaType !== expected) {
    throw new FormatError('FORMAT_SCHEMA_MISMATCH', `The registered schema ${id} is ${resolved.schemaType}, which the ${f.name} format does not read.`);
  }
  const upperCase = options.schemaId === undefined;
  const wrapped = f.canUnwrap ? (options.isKey ? options.wrapSingleValue === true : options.wrapSingleValue !== false) : true;
  let columns: Column[];
  switch (f.name) {
    case 'AVRO':
      columns = avroColumns(parseResolvedAvro(resolved), { isKey: options.isKey, wrapped, upperCase });
      break;
    case 'PROTOBUF': {
      const message = findMessage(parseResolvedProtobuf(resolved), options.schemaFullName?.trim());
      if (!message) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `Schema ${id} has no message named '${options.schemaFullName}'.`);
      columns = protobufColumns(message, upperCase);
      break;
    }
    default:
      columns = jsonSchemaColumns(parseResolvedJsonSchema(resolved), { isKey: options.isKey, wrapped, upperCase });
  }
  return { columns, schemaId: id };
}

/**
 * Declared columns against the ones a registered schema gives (CREATE ... AS SELECT with a
 * schema id): each declared column must be the registry's column at the same position, same
 * name and type. Throws ksqlDB's message listing the columns that are not.
 */
export function checkColumnsMatchSchema(declared: readonly Column[], registered: readonly Column[], isKey: boolean): void {
  const bad = declared.filter((c, i) => {
    const r = registered[i];
    return r === undefined || r.name !== c.name || formatSqlType(r.type) !== formatSqlType(c.type);
  });
  if (bad.length === 0) return;
  const which = isKey ? 'key' : 'value';
  throw new FormatError(
    'FORMAT_SCHEMA_MISMATCH',
    `The following ${which} columns are changed, missing or reordered: ${formatColumns(bad, false)}. Schema from schema registry is ${formatColumns(registered, false)}`,
  );
}
