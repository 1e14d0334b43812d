/**
 * SQL columns <-> Avro schemas, as ksqlDB maps them (through Kafka Connect's AvroData).
 *
 * Columns to a schema, for the AVRO format to register:
 *
 *   wrapped row     record named by VALUE_SCHEMA_FULL_NAME (default
 *                   io.confluent.ksql.avro_schemas.KsqlDataSourceSchema), one field per column:
 *                   {"name": "COL", "type": ["null", T], "default": null}
 *   unwrapped col   T itself (not nullable)
 *
 *   BOOLEAN boolean   INTEGER int   BIGINT long   DOUBLE double   STRING string   BYTES bytes
 *   DECIMAL(p, s)     bytes, logicalType decimal, precision p, scale s (+ Connect's Decimal props)
 *   DATE              int, logicalType date            TIME  int, logicalType time-millis
 *   TIMESTAMP         long, logicalType timestamp-millis
 *   ARRAY<E>          {"type": "array", "items": ["null", E]}
 *   MAP<STRING, V>    {"type": "map", "values": ["null", V], "connect.name": <context name>}
 *   STRUCT<...>       a record named <context name>, fields as for a row
 *
 * A nested record's name is its parent's name, "_", and the field's name
 * (KsqlDataSourceSchema_ADDRESS); a map's value type adds "_MapValue". Records carry
 * "connect.name" with their full name, as ksqlDB's schemas do.
 *
 * Schemas to SQL types (schema inference): boolean, int, long, float and double, string and
 * enum, bytes and fixed map as their SQL counterparts (float widens to DOUBLE, enum to STRING,
 * fixed to BYTES); the logical types decimal, date, time-millis and timestamp-millis (or
 * Connect's names for them) to DECIMAL, DATE, TIME and TIMESTAMP; ["null", X] to X; other
 * unions to a STRUCT with a field per branch, named by the branch's type or name.
 */
import { Types, type SqlType } from '../../types/sql-type.js';
import { AvroSchemaError, isNamed, logicalType, nullableBranch, shortName, validateName, type AvroRecord, type AvroSchema } from '../../schema-registry/avro-schema.js';
import { FormatError } from '../errors.js';
import { findType, type Column } from '../format.js';

export const DEFAULT_AVRO_FULL_NAME = 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema';

/**
 * The full name ksqlDB gives a source's Avro key schema: the source name in upper camel case,
 * "Key" appended, in ksqlDB's namespace (OUTPUT -> io.confluent.ksql.avro_schemas.OutputKey,
 * MY_STREAM -> ...MyStreamKey), as Guava's UPPER_UNDERSCORE to UPPER_CAMEL converts it.
 */
export function avroKeySchemaFullName(sourceName: string): string {
  const camel = sourceName
    .split('_')
    .map((word) => (word === '' ? '' : word[0]!.toUpperCase() + word.slice(1).toLowerCase()))
    .join('');
  return `io.confluent.ksql.avro_schemas.${camel}Key`;
}

/** Avro field names cannot hold dots; ksqlDB writes them as underscores. */
export function avroFieldName(name: string): string {
  return name.replace(/\./g, '_');
}

/** Why these columns cannot be written as Avro (ksqlDB's words), or null. */
export function avroUnsupported(columns: readonly Column[]): string | null {
  try {
    for (const c of columns) {
      validateName(avroFieldName(c.name));
      const bad = findType(c.type, (t) => {
        if (t.kind === 'STRUCT') t.fields.forEach((f) => validateName(avroFieldName(f.name)));
        return t.kind === 'MAP' && t.key.kind !== 'STRING';
      });
      if (bad) return 'Avro only supports MAPs with STRING keys';
    }
  } catch (err) {
    if (err instanceof AvroSchemaError) return `Schema is not compatible with Avro: ${err.message}`;
    throw err;
  }
  return null;
}

/** The Avro schema (as JSON) ksqlDB generates for these columns. */
export function avroSchemaForColumns(columns: readonly Column[], wrapped: boolean, fullName: string = DEFAULT_AVRO_FULL_NAME): unknown {
  if (!wrapped) return typeJson(columns[0]!.type, fullName);
  return recordJson(
    columns.map((c) => ({ name: c.name, type: c.type })),
    fullName,
  );
}

function recordJson(fields: readonly { name: string; type: SqlType }[], fullName: string): unknown {
  const dot = fullName.lastIndexOf('.');
  const record: Record<string, unknown> = { type: 'record', name: dot < 0 ? fullName : fullName.slice(dot + 1) };
  if (dot >= 0) record.namespace = fullName.slice(0, dot);
  record.fields = fields.map((f) => ({
    name: avroFieldName(f.name),
    type: ['null', typeJson(f.type, `${fullName}_${avroFieldName(f.name)}`)],
    default: null,
  }));
  record['connect.name'] = fullName;
  return record;
}

function typeJson(type: SqlType, context: string): unknown {
  switch (type.kind) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INTEGER':
      return 'int';
    case 'BIGINT':
      return 'long';
    case 'DOUBLE':
      return 'double';
    case 'STRING':
      return 'string';
    case 'BYTES':
      return 'bytes';
    case 'DECIMAL':
      return {
        type: 'bytes',
        logicalType: 'decimal',
        precision: type.precision,
        scale: type.scale,
        'connect.version': 1,
        'connect.parameters': { scale: String(type.scale), 'connect.decimal.precision': String(type.precision) },
        'connect.name': 'org.apache.kafka.connect.data.Decimal',
      };
    case 'DATE':
      return { type: 'int', logicalType: 'date', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date' };
    case 'TIME':
      return { type: 'int', logicalType: 'time-millis', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Time' };
    case 'TIMESTAMP':
      return { type: 'long', logicalType: 'timestamp-millis', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Timestamp' };
    case 'ARRAY':
      return { type: 'array', items: ['null', typeJson(type.element, context)] };
    case 'MAP':
      return { type: 'map', values: ['null', typeJson(type.value, `${context}_MapValue`)], 'connect.name': context };
    case 'STRUCT':
      return recordJson(type.fields, context);
    default:
      throw new FormatError('FORMAT_UNSUPPORTED_SCHEMA', `The 'AVRO' format does not support type '${type.kind}'`);
  }
}

const CONNECT_DATE = 'org.apache.kafka.connect.data.Date';
const CONNECT_TIME = 'org.apache.kafka.connect.data.Time';
const CONNECT_TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';
const CONNECT_DECIMAL = 'org.apache.kafka.connect.data.Decimal';

/** The SQL type of values of an Avro schema; `upperCase` upper-cases struct field names. */
export function avroToSqlType(schema: AvroSchema, upperCase: boolean, inProgress = new Set<AvroSchema>()): SqlType {
  const lt = logicalType(schema);
  const connectName = 'props' in schema ? schema.props['connect.name'] : undefined;
  switch (schema.type) {
    case 'boolean':
      return Types.BOOLEAN;
    case 'int':
      if (lt === 'date' || connectName === CONNECT_DATE) return Types.DATE;
      if (lt === 'time-millis' || connectName === CONNECT_TIME) return Types.TIME;
      return Types.INTEGER;
    case 'long':
      if (lt === 'timestamp-millis' || connectName === CONNECT_TIMESTAMP) return Types.TIMESTAMP;
      return Types.BIGINT;
    case 'float':
    case 'double':
      return Types.DOUBLE;
    case 'string':
    case 'enum':
      return Types.STRING;
    case 'bytes':
    case 'fixed':
      if (lt === 'decimal' || connectName === CONNECT_DECIMAL) {
        const precision = Number(schema.props.precision ?? (schema.props['connect.parameters'] as Record<string, string> | undefined)?.['connect.decimal.precision'] ?? 64);
        const scale = Number(schema.props.scale ?? 0);
        return Types.decimal(precision, scale);
      }
      return Types.BYTES;
    case 'array': {
      const entry = mapEntryRecord(schema);
      if (entry) return Types.map(avroToSqlType(entry.fields[0]!.type, upperCase, inProgress), avroToSqlType(entry.fields[1]!.type, upperCase, inProgress));
      return Types.array(avroToSqlType(schema.items, upperCase, inProgress));
    }
    case 'map':
      return Types.map(Types.STRING, avroToSqlType(schema.values, upperCase, inProgress));
    case 'record':
    case 'error': {
      if (inProgress.has(schema)) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `The Avro record ${schema.name} is recursive; SQL types cannot be.`);
      inProgress.add(schema);
      const fields = schema.fields.map((f) => ({ name: upperCase ? f.name.toUpperCase() : f.name, type: avroToSqlType(f.type, upperCase, inProgress) }));
      inProgress.delete(schema);
      return Types.struct(uniqueFields(fields, schema.name));
    }
    case 'union': {
      const branch = nullableBranch(schema);
      if (branch) return avroToSqlType(branch, upperCase, inProgress);
      const members = schema.branches.filter((b) => b.type !== 'null');
      if (members.length === 1) return avroToSqlType(members[0]!, upperCase, inProgress);
      return Types.struct(
        uniqueFields(
          members.map((b) => {
            const name = unionBranchName(b);
            return { name: upperCase ? name.toUpperCase() : name, type: avroToSqlType(b, upperCase, inProgress) };
          }),
          'union',
        ),
      );
    }
    case 'null':
      throw new FormatError('FORMAT_SCHEMA_MISMATCH', 'An Avro schema of type null has no SQL type.');
  }
}

/**
 * Connect writes maps whose keys are not plain strings as arrays of {key, value} records marked
 * as map entries; such an array reads as a MAP. Returns the entry record, or undefined.
 */
export function mapEntryRecord(schema: AvroSchema): AvroRecord | undefined {
  if (schema.type !== 'array') return undefined;
  const items = schema.items;
  if (items.type !== 'record' || items.fields.length !== 2 || items.fields[0]!.name !== 'key' || items.fields[1]!.name !== 'value') return undefined;
  return items.props['connect.internal.type'] === 'MapEntry' || items.name === 'io.confluent.connect.avro.MapEntry' ? items : undefined;
}

/** The struct field a branch of a general union becomes (Connect's naming). */
export function unionBranchName(branch: AvroSchema): string {
  return isNamed(branch) ? shortName(branch.name) : branch.type;
}

function uniqueFields<T extends { name: string }>(fields: T[], owner: string): T[] {
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `${owner} has two fields named ${f.name} (names are compared upper-cased).`);
    seen.add(f.name);
  }
  return fields;
}

/**
 * The columns an Avro schema describes: a record's fields when the columns are wrapped, else
 * one column named ROWKEY (keys) or ROWVAL (values) holding the whole value.
 */
export function avroColumns(schema: AvroSchema, options: { isKey: boolean; wrapped: boolean; upperCase: boolean }): Column[] {
  const root = nullableBranch(schema) ?? schema;
  if (!options.wrapped) return [{ name: options.isKey ? 'ROWKEY' : 'ROWVAL', type: avroToSqlType(root, options.upperCase) }];
  if (root.type !== 'record' && root.type !== 'error') {
    throw new FormatError(
      'FORMAT_SCHEMA_MISMATCH',
      `The registered ${options.isKey ? 'key' : 'value'} schema is not a record, so it has no columns to wrap; set WRAP_SINGLE_VALUE=false to read the whole ${options.isKey ? 'key' : 'value'} as one column.`,
    );
  }
  const struct = avroToSqlType(root, options.upperCase);
  return (struct as Extract<SqlType, { kind: 'STRUCT' }>).fields.map((f) => ({ name: f.name, type: f.type }));
}
