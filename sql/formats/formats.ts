/**
 * The formats by name (KEY_FORMAT, VALUE_FORMAT, FORMAT), and the serde factory taking a name.
 */
import { FormatError } from './errors.js';
import { createRowSerde as createWithFormat, type Column, type Format, type FormatName, type RowSerde, type SerdeOptions } from './format.js';
import { avroFormat } from './avro/avro-format.js';
import { delimitedFormat } from './delimited-format.js';
import { jsonFormat } from './json-format.js';
import { jsonSrFormat } from './json-sr-format.js';
import { kafkaFormat } from './kafka-format.js';
import { noneFormat } from './none-format.js';
import { protobufFormat, protobufNoSrFormat } from './protobuf/protobuf-format.js';

export const FORMATS: ReadonlyMap<FormatName, Format> = new Map<FormatName, Format>([
  ['KAFKA', kafkaFormat],
  ['JSON', jsonFormat],
  ['JSON_SR', jsonSrFormat],
  ['AVRO', avroFormat],
  ['PROTOBUF', protobufFormat],
  ['PROTOBUF_NOSR', protobufNoSrFormat],
  ['DELIMITED', delimitedFormat],
  ['NONE', noneFormat],
]);

/** The format with this name, in any case ('AvRo' is AVRO). */
export function getFormat(name: string): Format {
  const format = FORMATS.get(name.trim().toUpperCase() as FormatName);
  if (!format) throw new FormatError('FORMAT_UNKNOWN', `Unknown format: ${name}`);
  return format;
}

/** `createRowSerde` of format.ts, taking a format or its name. */
export function createRowSerde(format: Format | string, columns: readonly Column[], options: SerdeOptions): Promise<RowSerde> {
  return createWithFormat(typeof format === 'string' ? getFormat(format) : format, columns, options);
}
