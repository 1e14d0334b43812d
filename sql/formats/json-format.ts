/**
 * JSON: UTF-8 JSON text. Wrapped rows are one object keyed by column name (as declared, so
 * upper-case unless quoted); an unwrapped single column is the bare value:
 *
 *   columns (ID BIGINT, NAME STRING), row [1n, 'a']   ->  {"ID":1,"NAME":"a"}
 *   single key column K INT (unwrapped), row [7]      ->  7
 *
 * Values are converted as json-codec.ts describes. MAP keys must be STRING, since JSON object
 * keys are strings.
 */
import { Types, type SqlType } from '../types/sql-type.js';
import { defineFormat, findType, type Column, type Format, type Row } from './format.js';
import { jsonToSql, parseJson, sqlToJson } from './json-codec.js';
import { rowSerde, expectColumnCount } from './row-serde.js';

export const jsonFormat: Format = defineFormat({
  name: 'JSON',
  usesSchemaRegistry: false,
  supportsSchemaInference: false,
  canUnwrap: true,
  canWrap: true,
  properties: [],

  unsupported(columns) {
    return jsonUnsupported(columns);
  },

  async createSerde(columns, options) {
    const codec = jsonRowCodec(columns, options.wrapped);
    return rowSerde(options.target, {
      serialize(row, topic) {
        expectColumnCount(row, columns.length, topic);
        const text = codec.write(row);
        return text === null ? null : Buffer.from(text, 'utf8');
      },
      deserialize(bytes) {
        return codec.read(parseJson(bytes.toString('utf8')));
      },
    });
  },
});

/** JSON and JSON_SR hold maps as objects, whose keys are strings. */
export function jsonUnsupported(columns: readonly Column[]): string | null {
  for (const c of columns) {
    if (findType(c.type, (t) => t.kind === 'MAP' && t.key.kind !== 'STRING')) return 'JSON only supports MAP types with STRING keys';
  }
  return null;
}

export interface JsonRowCodec {
  /** JSON text of a row, or null when the row is written as a null record. */
  write(row: Row): string | null;
  /** The row of a parsed document, or null for a JSON null. */
  read(node: unknown): Row | null;
}

export function jsonRowCodec(columns: readonly Column[], wrapped: boolean): JsonRowCodec {
  if (!wrapped) {
    const column = columns[0]!;
    return {
      write: (row) => (row[0] === null || row[0] === undefined ? null : sqlToJson(row[0], column.type)),
      read: (node) => {
        const value = jsonToSql(node, column.type, '$');
        return value === null ? null : [value];
      },
    };
  }
  // A wrapped row reads and writes exactly as a STRUCT of its columns.
  const rowType: SqlType = Types.struct(columns.map((c) => ({ name: c.name, type: c.type })));
  const names = columns.map((c) => JSON.stringify(c.name));
  return {
    write: (row) => `{${columns.map((c, i) => `${names[i]}:${sqlToJson(row[i], c.type)}`).join(',')}}`,
    read: (node) => {
      const struct = jsonToSql(node, rowType, '$') as Record<string, unknown> | null;
      return struct === null ? null : columns.map((c) => struct[c.name]);
    },
  };
}
