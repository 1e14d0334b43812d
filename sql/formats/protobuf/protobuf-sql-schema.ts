/**
 * SQL columns <-> Protobuf schemas, as ksqlDB maps them (through Confluent's ProtobufData).
 *
 * Columns to a schema: one proto3 message (PROTOBUF always wraps), named by the schema full
 * name (a dotted name gives a package) or ConnectDefault1; nested messages for structs and map
 * entries are numbered on, depth first, and declared inside the message that uses them:
 *
 *   syntax = "proto3";
 *
 *   message ConnectDefault1 {
 *     int64 ID = 1;
 *     repeated ConnectDefault2Entry TAGS = 2;
 *
 *     message ConnectDefault2Entry {
 *       string key = 1;
 *       int32 value = 2;
 *     }
 *   }
 *
 *   BOOLEAN bool   INTEGER int32   BIGINT int64   DOUBLE double   STRING string   BYTES bytes
 *   DECIMAL confluent.type.Decimal (precision and scale in confluent.field_meta params)
 *   DATE google.type.Date   TIME google.type.TimeOfDay   TIMESTAMP google.protobuf.Timestamp
 *   ARRAY<E> repeated E     MAP<K, V> repeated <Name>Entry { K key = 1; V value = 2; }
 *   STRUCT a nested message
 *
 * Schemas to SQL types (inference): int32/sint32/sfixed32 INTEGER; uint32, fixed32 and the 64-bit
 * integers BIGINT; float/double DOUBLE; bool BOOLEAN; string and enums STRING; bytes BYTES; the
 * well-known messages above (and google.protobuf wrappers) their SQL types; repeated ARRAY; maps
 * MAP; other messages STRUCT; a oneof a STRUCT of its fields, named after the oneof.
 */
import { Types, type SqlType } from '../../types/sql-type.js';
import type { ProtoField, ProtoMessage, ProtoType } from '../../schema-registry/protobuf-schema.js';
import { FormatError } from '../errors.js';
import { findType, quoteName, type Column } from '../format.js';

export const TIMESTAMP_MESSAGE = 'google.protobuf.Timestamp';
export const DATE_MESSAGE = 'google.type.Date';
export const TIME_MESSAGE = 'google.type.TimeOfDay';
export const DECIMAL_MESSAGE = 'confluent.type.Decimal';

/** google.protobuf wrapper messages: a nullable scalar in a message's `value` field. */
export const WRAPPERS: Readonly<Record<string, SqlType>> = {
  'google.protobuf.DoubleValue': Types.DOUBLE,
  'google.protobuf.FloatValue': Types.DOUBLE,
  'google.protobuf.Int64Value': Types.BIGINT,
  'google.protobuf.UInt64Value': Types.BIGINT,
  'google.protobuf.Int32Value': Types.INTEGER,
  'google.protobuf.UInt32Value': Types.BIGINT,
  'google.protobuf.BoolValue': Types.BOOLEAN,
  'google.protobuf.StringValue': Types.STRING,
  'google.protobuf.BytesValue': Types.BYTES,
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why these columns have no Protobuf schema, or null. */
export function protobufUnsupported(columns: readonly Column[]): string | null {
  const names: string[] = columns.map((c) => c.name);
  for (const c of columns) {
    const bad = findType(c.type, (t) => {
      if (t.kind === 'STRUCT') names.push(...t.fields.map((f) => f.name));
      if (t.kind === 'MAP' && !['STRING', 'INTEGER', 'BIGINT', 'BOOLEAN'].includes(t.key.kind)) return true;
      const inner = t.kind === 'ARRAY' ? t.element : t.kind === 'MAP' ? t.value : null;
      return inner !== null && (inner.kind === 'ARRAY' || inner.kind === 'MAP');
    });
    if (bad?.kind === 'MAP' && !['STRING', 'INTEGER', 'BIGINT', 'BOOLEAN'].includes(bad.key.kind)) return `Protobuf map keys must be STRING, INTEGER, BIGINT or BOOLEAN, not ${bad.key.kind} (column ${quoteName(c.name)})`;
    if (bad) return `Protobuf cannot hold an ARRAY or MAP directly inside an ARRAY or MAP value (column ${quoteName(c.name)})`;
  }
  const invalid = names.find((n) => !IDENTIFIER.test(n));
  return invalid === undefined ? null : `Schema is not compatible with Protobuf: '${invalid}' is not a valid field name`;
}

/** The .proto text ksqlDB generates for these columns (always a message of them). */
export function protobufSchemaForColumns(columns: readonly Column[], fullName?: string): string {
  // A name in ksqlDB's default style is treated as no name, so nested numbering starts at 2.
  const named = fullName !== undefined && fullName.trim() !== '' && !fullName.trim().startsWith('ConnectDefault') ? fullName.trim() : undefined;
  const dot = named ? named.lastIndexOf('.') : -1;
  const pkg = named && dot >= 0 ? named.slice(0, dot) : '';
  const printer = new Printer();
  const rootName = named ? named.slice(dot + 1) : printer.nextName();
  const body = printer.message(rootName, columns.map((c) => ({ name: c.name, type: c.type })), '');
  let text = 'syntax = "proto3";\n';
  if (pkg !== '') text += `package ${pkg};\n`;
  if (printer.imports.size > 0) text += `\n${[...printer.imports].sort().map((i) => `import "${i}";`).join('\n')}\n`;
  return `${text}\n${body}`;
}

class Printer {
  readonly imports = new Set<string>();
  private counter = 0;

  nextName(): string {
    return `ConnectDefault${++this.counter}`;
  }

  message(name: string, fields: readonly { name: string; type: SqlType }[], indent: string): string {
    const lines: string[] = [];
    const nested: string[] = [];
    fields.forEach((f, i) => lines.push(`${indent}  ${this.field(f.name, f.type, i + 1, indent + '  ', nested)}`));
    let text = `${indent}message ${name} {\n${lines.join('\n')}\n`;
    for (const n of nested) text += `\n${n}`;
    return `${text}${indent}}\n`;
  }

  private field(name: string, type: SqlType, number: number, indent: string, nested: string[]): string {
    if (type.kind === 'MAP') {
      const entry = `${this.nextName()}Entry`;
      nested.push(this.message(entry, [{ name: 'key', type: type.key }, { name: 'value', type: type.value }], indent));
      return `repeated ${entry} ${name} = ${number};`;
    }
    const repeated = type.kind === 'ARRAY';
    const element = type.kind === 'ARRAY' ? type.element : type;
    let options = '';
    if (element.kind === 'DECIMAL') {
      // Decimal messages carry no type; its precision and scale ride along as field metadata.
      this.imports.add('confluent/meta.proto');
      options = ` [(confluent.field_meta) = { params: [ { key: "precision", value: "${element.precision}" }, { key: "scale", value: "${element.scale}" } ] }]`;
    }
    return `${repeated ? 'repeated ' : ''}${this.typeName(element, indent, nested)} ${name} = ${number}${options};`;
  }

  private typeName(type: SqlType, indent: string, nested: string[]): string {
    switch (type.kind) {
      case 'BOOLEAN':
        return 'bool';
      case 'INTEGER':
        return 'int32';
      case 'BIGINT':
        return 'int64';
      case 'DOUBLE':
        return 'double';
      case 'STRING':
        return 'string';
      case 'BYTES':
        return 'bytes';
      case 'DECIMAL':
        this.imports.add('confluent/type/decimal.proto');
        return DECIMAL_MESSAGE;
      case 'DATE':
        this.imports.add('google/type/date.proto');
        return DATE_MESSAGE;
      case 'TIME':
        this.imports.add('google/type/timeofday.proto');
        return TIME_MESSAGE;
      case 'TIMESTAMP':
        this.imports.add('google/protobuf/timestamp.proto');
        return TIMESTAMP_MESSAGE;
      case 'STRUCT': {
        const name = this.nextName();
        nested.push(this.message(name, type.fields, indent));
        return name;
      }
      default:
        throw new FormatError('FORMAT_UNSUPPORTED_SCHEMA', `The 'PROTOBUF' format cannot hold a ${type.kind} here.`);
    }
  }
}

/** The SQL type of a Protobuf field's values. */
export function protoTypeToSql(t: ProtoType, repeated: boolean, upperCase: boolean, inProgress: Set<ProtoMessage>): SqlType {
  if (t.kind === 'map') return Types.map(protoTypeToSql({ kind: 'scalar', scalar: t.key }, false, upperCase, inProgress), protoTypeToSql(t.value, false, upperCase, inProgress));
  if (repeated) return Types.array(protoTypeToSql(t, false, upperCase, inProgress));
  if (t.kind === 'enum') return Types.STRING;
  if (t.kind === 'message') return messageToSql(t.message, upperCase, inProgress);
  switch (t.scalar) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return Types.INTEGER;
    case 'uint32':
    case 'fixed32':
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return Types.BIGINT;
    case 'float':
    case 'double':
      return Types.DOUBLE;
    case 'bool':
      return Types.BOOLEAN;
    case 'string':
      return Types.STRING;
    case 'bytes':
      return Types.BYTES;
  }
}

/** A message as a SQL type: a well-known type's, or a STRUCT of its fields (oneofs grouped). */
export function messageToSql(message: ProtoMessage, upperCase: boolean, inProgress = new Set<ProtoMessage>()): SqlType {
  switch (message.fullName) {
    case TIMESTAMP_MESSAGE:
      return Types.TIMESTAMP;
    case DATE_MESSAGE:
      return Types.DATE;
    case TIME_MESSAGE:
      return Types.TIME;
  }
  const wrapper = WRAPPERS[message.fullName];
  if (wrapper) return wrapper;
  if (inProgress.has(message)) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `The Protobuf message ${message.fullName} is recursive; SQL types cannot be.`);
  inProgress.add(message);
  const fields = structFields(message, upperCase, inProgress);
  inProgress.delete(message);
  return Types.struct(fields);
}

/** A message's fields as struct fields: one per field, a oneof's fields grouped under its name. */
export function structFields(message: ProtoMessage, upperCase: boolean, inProgress = new Set<ProtoMessage>()): { name: string; type: SqlType }[] {
  const name = (n: string) => (upperCase ? n.toUpperCase() : n);
  const out: { name: string; type: SqlType }[] = [];
  const seenOneofs = new Set<string>();
  for (const f of message.fields) {
    if (f.oneof !== undefined) {
      if (seenOneofs.has(f.oneof)) continue;
      seenOneofs.add(f.oneof);
      const members = message.fields.filter((m) => m.oneof === f.oneof);
      out.push({ name: name(f.oneof), type: Types.struct(members.map((m) => ({ name: name(m.name), type: fieldToSql(m, upperCase, inProgress) }))) });
      continue;
    }
    out.push({ name: name(f.name), type: fieldToSql(f, upperCase, inProgress) });
  }
  const seen = new Set<string>();
  for (const f of out) {
    if (seen.has(f.name)) throw new FormatError('FORMAT_SCHEMA_MISMATCH', `${message.fullName} has two fields named ${f.name} (names are compared upper-cased).`);
    seen.add(f.name);
  }
  return out;
}

export function fieldToSql(field: ProtoField, upperCase: boolean, inProgress = new Set<ProtoMessage>()): SqlType {
  if (field.type.kind === 'message' && field.type.message.fullName === DECIMAL_MESSAGE) {
    const precision = Number(field.params.precision ?? 64);
    const scale = Number(field.params.scale ?? 0);
    const decimal = Types.decimal(precision, scale);
    return field.label === 'repeated' ? Types.array(decimal) : decimal;
  }
  return protoTypeToSql(field.type, field.label === 'repeated', upperCase, inProgress);
}

/** The columns a message describes (PROTOBUF always wraps, so keys too are a message's fields). */
export function protobufColumns(message: ProtoMessage, upperCase: boolean): Column[] {
  return structFields(message, upperCase).map((f) => ({ name: f.name, type: f.type }));
}
