/**
 * Avro schema resolution (the spec's "Schema Resolution" section, as Avro's SchemaCompatibility
 * checks it): can data written with `writer` be read with `reader`?
 *
 * - same primitive types match; promotions int -> long/float/double, long -> float/double,
 *   float -> double, string <-> bytes
 * - records, enums and fixed match by unqualified name (or a reader alias of the writer's name);
 *   every reader field is in the writer (by name or reader alias) with a readable type, or has
 *   a default; writer fields the reader lacks are skipped
 * - enums: every writer symbol is a reader symbol, unless the reader has a default symbol
 * - fixed: same size; arrays and maps: readable items / values
 * - a writer union: every branch readable; a reader union: some branch reads the writer
 *
 * Each incompatibility comes back as a message with Confluent's error type in front and the
 * path where it was found, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1: ...`.
 */
import { isNamed, printAvroSchema, shortName, type AvroNamed, type AvroRecord, type AvroSchema } from './avro-schema.js';

export function avroIncompatibilities(reader: AvroSchema, writer: AvroSchema): string[] {
  const problems: string[] = [];
  check(reader, writer, '', problems, new Set());
  return problems;
}

function check(reader: AvroSchema, writer: AvroSchema, path: string, out: string[], inProgress: Set<string>): void {
  if (reader.type === writer.type && reader.type !== 'union') {
    switch (reader.type) {
      case 'array':
        return check(reader.items, (writer as typeof reader).items, `${path}/items`, out, inProgress);
      case 'map':
        return check(reader.values, (writer as typeof reader).values, `${path}/values`, out, inProgress);
      case 'fixed': {
        const w = writer as typeof reader;
        if (!namesMatch(reader, w)) return void out.push(nameMismatch(reader, w, path));
        if (reader.size !== w.size) out.push(`FIXED_SIZE_MISMATCH at ${path}/size: expected ${w.size}, found ${reader.size}`);
        return;
      }
      case 'enum': {
        const w = writer as typeof reader;
        if (!namesMatch(reader, w)) return void out.push(nameMismatch(reader, w, path));
        const missing = w.symbols.filter((s) => !reader.symbols.includes(s));
        if (missing.length > 0 && reader.default === undefined) {
          out.push(`MISSING_ENUM_SYMBOLS at ${path}/symbols: the new schema lacks [${missing.join(', ')}]`);
        }
        return;
      }
      case 'record':
      case 'error':
        return checkRecord(reader, writer as AvroRecord, path, out, inProgress);
      default:
        return;
    }
  }
  if (writer.type === 'union') {
    writer.branches.forEach((branch, i) => check(reader, branch, `${path}/${i}`, out, inProgress));
    return;
  }
  if (reader.type === 'union') {
    for (const branch of reader.branches) {
      const sub: string[] = [];
      check(branch, writer, path, sub, inProgress);
      if (sub.length === 0) return;
    }
    out.push(`MISSING_UNION_BRANCH at ${path}: no branch of the new union reads ${printAvroSchema(writer)}`);
    return;
  }
  if (promotes(writer.type, reader.type)) return;
  out.push(`TYPE_MISMATCH at ${path}: the new schema reads ${describe(reader)}, the old one wrote ${describe(writer)}`);
}

function checkRecord(reader: AvroRecord, writer: AvroRecord, path: string, out: string[], inProgress: Set<string>): void {
  if (!namesMatch(reader, writer)) return void out.push(nameMismatch(reader, writer, path));
  // Recursive records: a pair already being compared is assumed compatible (Avro does the same).
  const key = `${reader.name}\u0000${writer.name}`;
  if (inProgress.has(key)) return;
  inProgress.add(key);
  reader.fields.forEach((field, i) => {
    const writerField = writer.fields.find((f) => f.name === field.name) ?? writer.fields.find((f) => field.aliases.includes(f.name));
    if (writerField === undefined) {
      if (!field.hasDefault) {
        out.push(`READER_FIELD_MISSING_DEFAULT_VALUE at ${path}/fields/${i}: the field '${field.name}' in the new schema has no default value and is missing in the old schema`);
      }
      return;
    }
    check(field.type, writerField.type, `${path}/fields/${i}/type`, out, inProgress);
  });
  inProgress.delete(key);
}

function namesMatch(reader: AvroNamed, writer: AvroNamed): boolean {
  return shortName(reader.name) === shortName(writer.name) || reader.aliases.includes(writer.name);
}

function nameMismatch(reader: AvroNamed, writer: AvroNamed, path: string): string {
  return `NAME_MISMATCH at ${path}/name: expected ${writer.name}, found ${reader.name}`;
}

const PROMOTIONS: Record<string, readonly string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  bytes: ['string'],
  string: ['bytes'],
};

function promotes(writer: string, reader: string): boolean {
  return PROMOTIONS[reader]?.includes(writer) ?? false;
}

function describe(schema: AvroSchema): string {
  return isNamed(schema) ? `${schema.type} ${schema.name}` : schema.type;
}
