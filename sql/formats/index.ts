/** Serialization formats: rows of SQL values to record bytes and back, by ksqlDB's rules. */
export type { Column, Format, FormatName, FormatProperties, Row, RowSerde, SerdeOptions } from './format.js';
export { createRowSerde, FORMATS, getFormat } from './formats.js';
export { formatColumns, resolveWrapping } from './format.js';
export { FormatError, SerializationError } from './errors.js';
export { parseDelimiter } from './delimited-format.js';
export { checkColumnsMatchSchema, inferColumns, type InferenceOptions, type InferredColumns } from './schema-inference.js';
export { avroKeySchemaFullName, avroSchemaForColumns, DEFAULT_AVRO_FULL_NAME } from './avro/avro-sql-schema.js';
export { protobufSchemaForColumns } from './protobuf/protobuf-sql-schema.js';
export { jsonSchemaForColumns } from './json-sr-schema.js';
