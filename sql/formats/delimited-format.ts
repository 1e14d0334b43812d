/**
 * DELIMITED: one line of delimiter-separated fields, one per column, quoted as csv.ts describes:
 *
 *   columns (ID BIGINT, NAME STRING, AMOUNT DECIMAL(6,2)), row [1n, 'a,b', 3.5]
 *     -> 1,"a,b",3.50
 *
 * Field text per type: BOOLEAN true/false, numbers as Java prints them (DOUBLE 1.0E10), DECIMAL
 * plain at the type's scale, BYTES base64, DATE days, TIME and TIMESTAMP milliseconds. An empty
 * field reads as NULL, and NULL writes as an empty field. Only primitive types have a text form.
 * The delimiter is VALUE_DELIMITER/KEY_DELIMITER: one character, or TAB or SPACE (default ',').
 */
import type { SqlType } from '../types/sql-type.js';
import { readCsvRecord, writeCsvRecord } from './csv.js';
import { asDecimal, decimalText, fitDecimal, parseDecimalText } from './decimal-codec.js';
import { FormatError, SerializationError } from './errors.js';
import { defineFormat, quoteName, type Column, type Format } from './format.js';
import { bytesOf } from './json-codec.js';
import { decodeBase64, javaDoubleToString, parseJavaBoolean, parseJavaDouble, parseJavaInt, parseJavaLong } from './java-text.js';
import { expectColumnCount, rowSerde } from './row-serde.js';

const PRIMITIVES = new Set(['BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'DECIMAL', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP']);

export const delimitedFormat: Format = defineFormat({
  name: 'DELIMITED',
  usesSchemaRegistry: false,
  supportsSchemaInference: false,
  canUnwrap: true,
  canWrap: false,
  properties: ['delimiter'],

  unsupported(columns) {
    for (const c of columns) {
      if (!PRIMITIVES.has(c.type.kind)) return `The 'DELIMITED' format does not support type '${c.type.kind}', column: ${quoteName(c.name)}`;
    }
    return null;
  },

  async createSerde(columns, options) {
    const delimiter = parseDelimiter(options.delimiter ?? ',', options.isKey ? 'KEY_DELIMITER' : 'VALUE_DELIMITER');
    const fields = columns.map(fieldCodec);
    return rowSerde(options.target, {
      serialize(row, topic) {
        expectColumnCount(row, columns.length, topic);
        const text = writeCsvRecord(
          row.map((v, i) => (v === null || v === undefined ? null : fields[i]!.write(v))),
          delimiter,
        );
        return Buffer.from(text, 'utf8');
      },
      deserialize(bytes, topic) {
        const record = readCsvRecord(bytes.toString('utf8'), delimiter);
        if (record === null || record.length === 0) throw new SerializationError('No fields in record');
        if (record.length !== columns.length) {
          throw new SerializationError(`Column count mismatch on deserialization. topic: ${topic}, expected: ${columns.length}, got: ${record.length}`);
        }
        return record.map((text, i) => (text === '' ? null : fields[i]!.read(text)));
      },
    });
  },
});

/**
 * A delimiter as given in WITH: one character, or the names TAB and SPACE (a literal tab or
 * space is refused as ksqlDB does, since it would be invisible in the statement).
 */
export function parseDelimiter(value: string, property = 'VALUE_DELIMITER'): string {
  const invalid = (reason: string) =>
    new FormatError('FORMAT_INVALID_PROPERTY', `Configuration ${property} is invalid: ${reason}\nExample valid value: ';'`);
  if (value.trim() === '') {
    throw invalid("Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'");
  }
  const upper = value.toUpperCase();
  if (upper === 'TAB') return '\t';
  if (upper === 'SPACE') return ' ';
  if ([...value].length !== 1) throw invalid(`Invalid delimiter value: '${value}'. Delimiter must be a single character or TAB,SPACE`);
  return value;
}

interface FieldCodec {
  write(value: unknown): string;
  read(text: string): unknown;
}

function fieldCodec(column: Column): FieldCodec {
  const type: SqlType = column.type;
  switch (type.kind) {
    case 'BOOLEAN':
      return { write: (v) => String(Boolean(v)), read: parseJavaBoolean };
    case 'INTEGER':
    case 'DATE':
      return { write: integerText, read: parseJavaInt };
    case 'TIME':
    case 'TIMESTAMP':
      return { write: integerText, read: (t) => Number(parseJavaLong(t)) };
    case 'BIGINT':
      return { write: integerText, read: parseJavaLong };
    case 'DOUBLE':
      return { write: (v) => javaDoubleToString(v as number), read: parseJavaDouble };
    case 'STRING':
      return { write: (v) => String(v), read: (t) => t };
    case 'DECIMAL':
      return {
        write: (v) => decimalText(asDecimal(v), type.scale),
        read: (t) => fitDecimal(parseDecimalText(t), type.precision, type.scale),
      };
    case 'BYTES':
      return { write: (v) => bytesOf(v).toString('base64'), read: decodeBase64 };
    default:
      throw new FormatError('FORMAT_UNSUPPORTED_SCHEMA', `The 'DELIMITED' format does not support type '${type.kind}', column: ${quoteName(column.name)}`);
  }
}

function integerText(value: unknown): string {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return String(value);
  throw new SerializationError(`${String(value)} is not an integer.`);
}
