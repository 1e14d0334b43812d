/**
 * SQL columns <-> JSON Schemas, as ksqlDB maps them (through Confluent's JsonSchemaData), for
 * JSON_SR.
 *
 * Columns to a schema: a wrapped row is an object of its columns; every column and nested field
 * is nullable (`oneOf` null and its type) and carries its position in "connect.index":
 *
 *   {"type":"object","properties":{"ID":{"connect.index":0,"oneOf":[{"type":"null"},
 *     {"type":"integer","connect.type":"int64"}]}}}
 *
 *   BOOLEAN {"type":"boolean"}          STRING  {"type":"string"}
 *   INTEGER integer, connect.type int32 BIGINT  integer, connect.type int64
 *   DOUBLE  number, connect.type float64   BYTES string, connect.type bytes
 *   DECIMAL number titled org.apache.kafka.connect.data.Decimal (scale and precision in
 *           connect.parameters)   DATE, TIME, TIMESTAMP integer titled with Connect's names
 *   ARRAY   {"type":"array","items":...}   MAP  {"type":"object","additionalProperties":...,
 *           "connect.type":"map"}          STRUCT an object like a row
 *
 * An unwrapped column is its (nullable) type.
 *
 * Schemas to SQL types (inference): the same in reverse; an integer without connect.type is a
 * BIGINT, a number a DOUBLE; `oneOf`/`anyOf`/`type` lists of null and one type are that type.
 */
import { Types, type SqlType } from '../types/sql-type.js';
import type { JsonSchemaDocument, JsonSchemaNode } from '../schema-registry/json-schema.js';
import { FormatError } from './errors.js';
import type { Column } from './format.js';

const CONNECT = 'org.apache.kafka.connect.data.';

export function jsonSchemaForColumns(columns: readonly Column[], wrapped: boolean): Record<string, unknown> {
  if (!wrapped) return optional(typeSchema(columns[0]!.type));
  return objectSchema(columns);
}

function objectSchema(fields: readonly { name: string; type: SqlType }[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    properties[f.name] = { 'connect.index': i, ...optional(typeSchema(f.type)) };
  });
  return { type: 'object', properties };
}

function optional(schema: Record<string, unknown>): Record<string, unknown> {
  return { oneOf: [{ type: 'null' }, schema] };
}

function typeSchema(type: SqlType): Record<string, unknown> {
  switch (type.kind) {
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'INTEGER':
      return { type: 'integer', 'connect.type': 'int32' };
    case 'BIGINT':
      return { type: 'integer', 'connect.type': 'int64' };
    case 'DOUBLE':
      return { type: 'number', 'connect.type': 'float64' };
    case 'STRING':
      return { type: 'string' };
    case 'BYTES':
      return { type: 'string', 'connect.type': 'bytes' };
    case 'DECIMAL':
      return {
        type: 'number',
        title: `${CONNECT}Decimal`,
        'connect.version': 1,
        'connect.type': 'bytes',
        'connect.parameters': { scale: String(type.scale), 'connect.decimal.precision': String(type.precision) },
      };
    case 'DATE':
      return { type: 'integer', title: `${CONNECT}Date`, 'connect.version': 1, 'connect.type': 'int32' };
    case 'TIME':
      return { type: 'integer', title: `${CONNECT}Time`, 'connect.version': 1, 'connect.type': 'int32' };
    case 'TIMESTAMP':
      return { type: 'integer', title: `${CONNECT}Timestamp`, 'connect.version': 1, 'connect.type': 'int64' };
    case 'ARRAY':
      return { type: 'array', items: optional(typeSchema(type.element)) };
    case 'MAP':
      return { type: 'object', additionalProperties: optional(typeSchema(type.value)), 'connect.type': 'map' };
    case 'STRUCT':
      return objectSchema(type.fields);
    default:
      throw new FormatError('FORMAT_UNSUPPORTED_SCHEMA', `The 'JSON_SR' format does not support type '${type.kind}'`);
  }
}

/** The SQL type of values valid under a JSON schema; `upperCase` upper-cases field names. */
export function jsonSchemaToSqlType(doc: JsonSchemaDocument, node: JsonSchemaNode, upperCase: boolean, depth = 0): SqlType {
  if (depth > 64) throw new FormatError('FORMAT_SCHEMA_MISMATCH', 'The JSON schema nests too deeply (is it recursive?); SQL types cannot be recursive.');
  const schema = doc.resolve(node);
  if (typeof schema === 'boolean') throw new FormatError('FORMAT_SCHEMA_MISMATCH', 'A boolean JSON schema has no SQL type.');
  const single = nonNullMember(schema);
  if (single !== undefined) return jsonSchemaToSqlType(doc, single, upperCase, depth + 1);
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  const connectType = schema['connect.type'];
  const title = schema.title;
  switch (type) {
    case 'boolean':
      return Types.BOOLEAN;
    case 'integer':
      if (title === `${CONNECT}Date`) return Types.DATE;
      if (title === `${CONNECT}Time`) return Types.TIME;
      if (title === `${CONNECT}Timestamp`) return Types.TIMESTAMP;
      return connectType === 'int32' || connectType === 'int16' || connectType === 'int8' ? Types.INTEGER : Types.BIGINT;
    case 'number':
      if (title === `${CONNECT}Decimal`) {
        const params = (schema['connect.parameters'] ?? {}) as Record<string, string>;
        return Types.decimal(Number(params['connect.decimal.precision'] ?? 64), Number(params.scale ?? 0));
      }
      return Types.DOUBLE;
    case 'string':
      return connectType === 'bytes' ? Types.BYTES : Types.STRING;
    case 'array':
      if (schema.items === undefined || Array.isArray(schema.items)) throw new FormatError('FORMAT_SCHEMA_MISMATCH', 'A JSON schema array needs one items schema to have a SQL type.');
      return Types.array(jsonSchemaToSqlType(doc, schema.items as JsonSchemaNode, upperCase, depth + 1));
    case 'object':
    case undefined: {
      const properties = schema.properties as Record<string, JsonSchemaNode> | undefined;
      const additional = schema.additionalProperties;
      if (connectType === 'map' || (properties === undefined && typeof additional === 'object' && additional !== null)) {
        return Types.map(Types.STRING, jsonSchemaToSqlType(doc, additional as JsonSchemaNode, upperCase, depth + 1));
      }
      if (properties === undefined && type === undefined) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `The JSON schema ${JSON.stringify(schema)} has no type.`);
      return Types.struct(objectFields(doc, properties ?? {}, upperCase, depth));
    }
    default:
      throw new FormatError('FORMAT_SCHEMA_MISMATCH', `The JSON schema type ${JSON.stringify(schema.type ?? schema)} has no SQL type.`);
  }
}

function objectFields(doc: JsonSchemaDocument, properties: Record<string, JsonSchemaNode>, upperCase: boolean, depth: number): { name: string; type: SqlType }[] {
  const entries = Object.entries(properties).map(([name, prop], i) => {
    const resolved = doc.resolve(prop);
    const index = typeof resolved === 'object' && typeof resolved['connect.index'] === 'number' ? (resolved['connect.index'] as number) : i;
    return { name: upperCase ? name.toUpperCase() : name, type: jsonSchemaToSqlType(doc, prop, upperCase, depth + 1), index };
  });
  entries.sort((a, b) => a.index - b.index);
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `The JSON schema has two properties named ${e.name} (names are compared upper-cased).`);
    seen.add(e.name);
  }
  return entries.map(({ name, type }) => ({ name, type }));
}

/** X of oneOf/anyOf [null, X] (either order), or of a `type` list of null and X. */
function nonNullMember(schema: Record<string, unknown>): JsonSchemaNode | undefined {
  for (const key of ['oneOf', 'anyOf'] as const) {
    const members = schema[key];
    if (!Array.isArray(members)) continue;
    const others = (members as JsonSchemaNode[]).filter((m) => !(typeof m === 'object' && m.type === 'null'));
    if (others.length === 1) return others[0];
    throw new FormatError('FORMAT_SCHEMA_MISMATCH', `A JSON schema ${key} of several types has no SQL type: ${JSON.stringify(members)}`);
  }
  return undefined;
}

/** The columns a JSON schema describes: an object's properties when wrapped, else ROWKEY/ROWVAL. */
export function jsonSchemaColumns(doc: JsonSchemaDocument, options: { isKey: boolean; wrapped: boolean; upperCase: boolean }): Column[] {
  const type = jsonSchemaToSqlType(doc, doc.root, options.upperCase);
  if (!options.wrapped) return [{ name: options.isKey ? 'ROWKEY' : 'ROWVAL', type }];
  if (type.kind !== 'STRUCT') {
    throw new FormatError('FORMAT_SCHEMA_MISMATCH', `The registered ${options.isKey ? 'key' : 'value'} schema is not an object, so it has no columns to wrap; set WRAP_SINGLE_VALUE=false to read it as one column.`);
  }
  return type.fields.map((f) => ({ name: f.name, type: f.type }));
}

/** The top-level property names of an object schema, in order, with their defaults. */
export function objectProperties(doc: JsonSchemaDocument): { name: string; default?: unknown; hasDefault: boolean }[] | undefined {
  let root = doc.resolve(doc.root);
  if (typeof root === 'object') {
    const member = (['oneOf', 'anyOf'] as const).map((k) => root !== true && root !== false && Array.isArray(root[k]) ? (root[k] as JsonSchemaNode[]).filter((m) => !(typeof m === 'object' && m.type === 'null')) : []).find((m) => m.length === 1);
    if (member) root = doc.resolve(member[0]!);
  }
  if (typeof root !== 'object' || root.properties === undefined) return undefined;
  return Object.entries(root.properties as Record<string, JsonSchemaNode>).map(([name, prop]) => {
    const p = doc.resolve(prop);
    const hasDefault = typeof p === 'object' && Object.hasOwn(p, 'default');
    return { name, hasDefault, default: hasDefault ? (p as Record<string, unknown>).default : undefined };
  });
}
