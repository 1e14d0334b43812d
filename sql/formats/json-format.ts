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
import { defineFormat, findType, type Column, type Format, type Row } from './format.js';
import { jsonFieldsWriter, jsonReader, jsonRowReader, jsonWriter, rebase } from './json-codec.js';
import { parseJsonText } from './json-parse.js';
import { jsonRowParser } from './json-row-parser.js';
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
    const codec = jsonRowCodec(columns, options.wrapped, options.rowWidth);
    return rowSerde(options.target, {
      serialize(row, topic) {
        expectColumnCount(row, columns.length, topic);
        const text = codec.write(row);
        return text === null ? null : Buffer.from(text, 'utf8');
      },
      deserialize(bytes) {
        return codec.readBytes(bytes, 0);
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
  /** The row of a document parsed by parseJsonText (json-parse.ts), or null for a JSON null. */
  read(node: unknown): Row | null;
  /** The row of the UTF-8 JSON text from `start` on, or null for a JSON null. */
  readBytes(bytes: Buffer, start: number): Row | null;
}

/** `rowWidth`: rows the one-pass parser reads are that wide (see SerdeOptions.rowWidth). */
export function jsonRowCodec(columns: readonly Column[], wrapped: boolean, rowWidth?: number): JsonRowCodec {
  if (!wrapped) {
    const write = jsonWriter(columns[0]!.type);
    const read = jsonReader(columns[0]!.type);
    const readNode = (node: unknown): Row | null => {
      let value: unknown;
      try {
        value = read(node);
      } catch (err) {
        throw rebase(err, '$');
      }
      return value === null ? null : [value];
    };
    return {
      write: (row) => (row[0] === null || row[0] === undefined ? null : write(row[0])),
      read: readNode,
      readBytes: (bytes, start) => readNode(parseJsonText(bytes.toString('utf8', start))),
    };
  }
  // A wrapped row reads and writes exactly as a STRUCT of its columns; most documents take the one-pass parser.
  const fields = columns.map((c) => ({ name: c.name, type: c.type }));
  const read = jsonRowReader(fields);
  const parser = jsonRowParser(fields, rowWidth);
  return {
    write: jsonFieldsWriter(fields),
    read,
    readBytes: (bytes, start) => {
      const row = parser?.(bytes, start);
      return row !== undefined ? row : read(parseJsonText(bytes.toString('utf8', start)));
    },
  };
}
