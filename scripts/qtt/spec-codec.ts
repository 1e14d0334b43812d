/**
 * Record keys and values as ksqlDB's query-validation tests (QTT) write them, to and from record
 * bytes. A case's `inputs[].key|value` are JSON values ("specs") that become the bytes the engine
 * reads; the bytes the engine writes become specs again, to compare with `outputs[].key|value`.
 * The rules are those of ksqlDB's test framework, so a case passes here when it would there:
 *
 *   format           spec -> bytes                               bytes -> compared as
 *   JSON             the spec's own JSON text, numbers as        JSON parsed: integers as Integer/Long,
 *                    written (malformed input stays malformed)   other numbers exact (BigDecimal)
 *   DELIMITED        the string as UTF-8                         the UTF-8 string
 *   KAFKA            the spec as the column's type, Kafka's      INTEGER/BIGINT integers; DOUBLE as
 *                    serdes; BYTES from the string's UTF-8       Java's text, exact; STRING; BYTES as
 *                                                                UTF-8 text
 *   AVRO, PROTOBUF,  the spec mapped onto the subject's latest   the row's columns as an object (or the
 *   JSON_SR          registered schema and written with it       bare value when unwrapped): DOUBLE a
 *   PROTOBUF_NOSR    the spec mapped onto the columns            double, DECIMAL exact at its scale,
 *                                                                BYTES base64, MAP keys as text
 *   NONE             nothing                                     nothing (null)
 *
 * Spec objects match fields by upper-cased name (`{"c1": 4}` fills column C1); numbers for
 * DECIMAL may be strings; BYTES are base64 strings; DATE is days, TIME ms of the day, TIMESTAMP
 * epoch ms. A side without columns (a keyless stream's key) writes a string as its UTF-8 bytes.
 *
 * Comparing (ksqlDB's ExpectedRecordComparator): objects need the same number of fields, each
 * expected field found by its name or its upper-cased name; an integer result equals any number
 * that truncates to it; a double is equal within 1e-6; an exact decimal equals an expected integer
 * only with no fractional digits, and an expected decimal only at the same scale (1.10 is not
 * 1.1). Exact comparison needs the case parsed with numbers as text: pass `LosslessNumber`s
 * (lossless-json); plain JS numbers are compared by value, as they have lost their digits.
 */
import { Decimal } from 'decimal.js';
import { isLosslessNumber, LosslessNumber, stringify } from 'lossless-json';
import type { FormatInfo } from '../../sql/catalog/data-source.js';
import { createRowSerde, FormatError, getFormat, inferColumns, resolveWrapping, type Column, type Format, type Row, type RowSerde, type SerdeOptions } from '../../sql/formats/index.js';
import { asDecimal, decimalText, fitDecimal, parseDecimalText } from '../../sql/formats/decimal-codec.js';
import { decodeBase64, javaDoubleToString, parseJavaBoolean, parseJavaDouble, parseJavaInt, parseJavaLong } from '../../sql/formats/java-text.js';
import { parseJson } from '../../sql/formats/json-codec.js';
import type { SchemaRegistryClient } from '../../sql/schema-registry/index.js';
import type { SqlType } from '../../sql/types/sql-type.js';
import { FreshetError } from '../../storage/errors.js';

export interface SpecSide {
  topic: string;
  isKey: boolean;
  /** The key or value columns of the source or sink on the topic. */
  columns: readonly Column[];
  /** Its key or value format; `wrapSingleValue` must be the effective setting (WITH or config). */
  format: FormatInfo;
  registry: SchemaRegistryClient;
  /**
   * The case property `use.exact.numeric.comparison` (default true). When false, JSON numbers
   * with a fraction are read as doubles and compared within 1e-6.
   */
  exactNumericComparison?: boolean;
}

export interface SpecCodec {
  /** A QTT input key/value (JSON as parsed from the case) → record bytes (null stays null). */
  encode(spec: unknown): Buffer | null;
  /**
   * Record bytes → the value as QTT writes it in outputs (null for null). Integers beyond 2^53
   * and decimals are `LosslessNumber`s, to keep their digits: print with `formatSpec`.
   */
  decode(bytes: Buffer | null): unknown;
  /** Whether an expected QTT output value matches the record bytes. */
  matches(expected: unknown, bytes: Buffer | null): boolean;
  /** Fetches what reading these bytes needs (their writer's schema); call before decode/matches. */
  prepare(bytes: Buffer | null): Promise<void>;
}

/** A spec that cannot be written in the side's format and columns (the case is broken, or we are). */
export class SpecCodecError extends FreshetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QTT_SPEC_INVALID', message, options);
  }
}

/**
 * The codec for one side (key or value) of a topic. For AVRO, PROTOBUF and JSON_SR, a subject
 * with no schema yet gets the columns' schema registered when the codec is made, as ksqlDB
 * registers it when the source is created; a subject with one is only read.
 */
export async function specCodec(side: SpecSide): Promise<SpecCodec> {
  const codec = await sideCodec(side);
  return {
    prepare: async (bytes) => {
      if (bytes !== null) await codec.prepare?.(bytes);
    },
    encode: (spec) => (spec === null || spec === undefined ? null : codec.encode(spec)),
    decode: (bytes) => (bytes === null ? null : toSpec(codec.read(bytes))),
    matches(expected, bytes) {
      let actual: Actual;
      try {
        actual = bytes === null ? null : codec.read(bytes);
      } catch {
        // ksqlDB's test deserializer would fail the case on these bytes.
        return false;
      }
      return matchesActual(actual, expected);
    },
  };
}

/** A spec (as `decode` returns it, or as parsed from a case) as JSON text, numbers as written. */
export function formatSpec(spec: unknown): string {
  return stringify(spec) ?? 'undefined';
}

// ---------------------------------------------------------------------------------------------
// What a record holds, as the Java side of QTT holds it: numbers keep their Java kind.

/** Integer or Long; BigInteger (beyond 64 bits, which QTT never matches); Double; BigDecimal. */
type NumberKind = 'integer' | 'big-integer' | 'double' | 'decimal';

class ActualNumber {
  constructor(
    readonly kind: NumberKind,
    readonly text: string,
  ) {}
}

type Actual = null | boolean | string | ActualNumber | Actual[] | { [field: string]: Actual };

interface SideCodec {
  /** Bytes for a non-null spec. */
  encode(spec: unknown): Buffer | null;
  /** What non-null bytes hold; throws when they do not decode. */
  read(bytes: Buffer): Actual;
  prepare?(bytes: Buffer): Promise<void>;
}

async function sideCodec(side: SpecSide): Promise<SideCodec> {
  const format = getFormat(side.format.format);
  if (format.name === 'NONE') return { encode: () => null, read: () => null };
  if (side.columns.length === 0) {
    // Keyless: ksqlDB's tests write whatever the case gives as a string, and the engine ignores it.
    return { encode: (spec) => Buffer.from(typeof spec === 'string' ? spec : formatSpec(spec), 'utf8'), read: (bytes) => bytes.toString('utf8') };
  }
  switch (format.name) {
    case 'JSON': {
      const exact = side.exactNumericComparison !== false;
      return { encode: (spec) => Buffer.from(formatSpec(spec), 'utf8'), read: (bytes) => jsonActual(parseJson(bytes.toString('utf8')), exact) };
    }
    case 'DELIMITED':
      return { encode: (spec) => Buffer.from(typeof spec === 'string' ? spec : scalarText(spec), 'utf8'), read: (bytes) => bytes.toString('utf8') };
    case 'KAFKA':
      return kafkaCodec(side, format);
    default:
      return rowCodec(side, format);
  }
}

function serdeOptions(side: SpecSide): SerdeOptions {
  return {
    isKey: side.isKey,
    // WRAP_SINGLE_VALUE is for values; a key's wrapping follows from its columns.
    wrapSingleValue: side.isKey ? undefined : side.format.wrapSingleValue,
    delimiter: side.format.delimiter,
    schemaFullName: side.format.schemaFullName,
    registry: side.registry,
    topic: side.topic,
  };
}

async function kafkaCodec(side: SpecSide, format: Format): Promise<SideCodec> {
  const column = side.columns[0]!;
  const serde = await createRowSerde(format, side.columns, serdeOptions(side));
  return {
    encode: (spec) => serde.serialize(side.topic, [kafkaValue(spec, column.type)]),
    read(bytes) {
      const value = serde.deserialize(side.topic, bytes)?.[0];
      if (value === null || value === undefined) return null;
      switch (column.type.kind) {
        case 'DOUBLE': {
          // QTT reads a KAFKA double as BigDecimal.valueOf(d): Java's text, compared exactly.
          const d = value as number;
          return new ActualNumber(Number.isFinite(d) ? 'decimal' : 'double', javaDoubleToString(d));
        }
        case 'BYTES':
          return (value as Buffer).toString('utf8');
        default:
          return sqlActual(value, column.type, false);
      }
    },
  };
}

/** Kafka's serializers as QTT feeds them: BIGINT takes any number's long value, BYTES a string's UTF-8. */
function kafkaValue(spec: unknown, type: SqlType): unknown {
  if (type.kind === 'BYTES' && typeof spec === 'string') return Buffer.from(spec, 'utf8');
  if (type.kind === 'BIGINT' && numberText(spec) !== undefined) return truncateToLong(numberText(spec)!);
  return specToSql(spec, type, '$');
}

/** AVRO, PROTOBUF, JSON_SR and PROTOBUF_NOSR: specs become rows, rows are written by the serde. */
async function rowCodec(side: SpecSide, format: Format): Promise<SideCodec> {
  const options = serdeOptions(side);
  const writer = format.usesSchemaRegistry ? await registeredWriter(side, format, options) : { columns: side.columns, serde: await createRowSerde(format, side.columns, options) };
  const writeWrapped = resolveWrapping(format, writer.columns, options);
  // Reading needs no schema of its own: each record names its writer's.
  const reader = format.usesSchemaRegistry ? await createRowSerde(format, side.columns, { ...options, schemaFullName: undefined, autoRegister: false }) : writer.serde;
  const readWrapped = resolveWrapping(format, side.columns, options);
  const own = { columns: side.columns, serde: reader, wrapped: readWrapped };
  // QTT reads a record with its writer's schema: a schema given by id (VALUE_SCHEMA_ID) may have
  // fields beyond the columns, written with their defaults, and those are part of the record.
  const byWriter = new Map<number, typeof own>();
  const readerFor = (bytes: Buffer): typeof own => {
    const id = writerId(bytes);
    return (id !== undefined ? byWriter.get(id) : undefined) ?? own;
  };
  return {
    encode: (spec) => writer.serde.serialize(side.topic, specToRow(spec, writer.columns, writeWrapped)),
    read: (bytes) => {
      const r = readerFor(bytes);
      return rowActual(r.serde.deserialize(side.topic, bytes), r.columns, r.wrapped);
    },
    async prepare(bytes) {
      const id = writerId(bytes);
      if (!format.usesSchemaRegistry || id === undefined || byWriter.has(id)) return;
      byWriter.set(id, own);
      let columns: readonly Column[];
      try {
        ({ columns } = await inferColumns(format, { registry: side.registry, isKey: side.isKey, topic: side.topic, schemaId: id, schemaFullName: side.format.schemaFullName, wrapSingleValue: options.wrapSingleValue }));
      } catch {
        return;
      }
      const extra = columns.length > side.columns.length && side.columns.every((c) => columns.some((w) => w.name === c.name));
      if (!extra) return;
      const serde = await createRowSerde(format, columns, { ...options, schemaFullName: undefined, autoRegister: false });
      byWriter.set(id, { columns, serde, wrapped: resolveWrapping(format, columns, options) });
    },
  };
}

/** The schema id of Confluent's wire format (magic byte 0, then the id), if the bytes have one. */
function writerId(bytes: Buffer): number | undefined {
  return bytes.length >= 5 && bytes[0] === 0 ? bytes.readInt32BE(1) : undefined;
}

/**
 * QTT writes with the subject's latest schema (registered by the case's `topics`, or by the
 * statement that made the source). Its columns, named exactly as its fields, take the spec.
 * With nothing registered, the columns' own schema is registered, as creating the source would.
 */
async function registeredWriter(side: SpecSide, format: Format, options: SerdeOptions): Promise<{ columns: readonly Column[]; serde: RowSerde }> {
  const latest = await side.registry.getLatest(`${side.topic}-${side.isKey ? 'key' : 'value'}`);
  if (latest) {
    try {
      const { columns } = await inferColumns(format, {
        registry: side.registry,
        isKey: side.isKey,
        topic: side.topic,
        schemaId: latest.id,
        schemaFullName: side.format.schemaFullName,
        wrapSingleValue: options.wrapSingleValue,
      });
      return { columns, serde: await createRowSerde(format, columns, { ...options, schemaId: latest.id }) };
    } catch (err) {
      // A schema the columns cannot come from: write the columns' own instead.
      if (!(err instanceof FormatError)) throw err;
    }
  }
  return { columns: side.columns, serde: await createRowSerde(format, side.columns, options) };
}

function specToRow(spec: unknown, columns: readonly Column[], wrapped: boolean): Row {
  if (!wrapped) return [specToSql(spec, columns[0]!.type, '$')];
  const struct = specToSql(spec, { kind: 'STRUCT', fields: columns }, '$') as Record<string, unknown>;
  return columns.map((c) => struct[c.name]);
}

// ---------------------------------------------------------------------------------------------
// Spec -> SQL values, as QTT converts specs for a schema: numbers and strings parse as the type
// does from text (Integer.valueOf(spec.toString()) and the like), objects fill fields by name.

function specToSql(spec: unknown, type: SqlType, path: string): unknown {
  if (spec === null || spec === undefined) return null;
  const fail = (why: string): never => {
    throw new SpecCodecError(`Cannot write ${formatSpec(spec)} at ${path} as ${type.kind}: ${why}`);
  };
  const text = () => scalarText(spec);
  try {
    switch (type.kind) {
      case 'BOOLEAN':
        return typeof spec === 'boolean' ? spec : typeof spec === 'string' ? parseJavaBoolean(spec) : fail('not a boolean');
      case 'INTEGER':
      case 'DATE':
      case 'TIME':
        return parseJavaInt(text());
      case 'BIGINT':
        return parseJavaLong(text());
      case 'TIMESTAMP':
        return Number(parseJavaLong(text()));
      case 'DOUBLE':
        return parseJavaDouble(text());
      case 'DECIMAL':
        // A string rounds to the scale (a legacy form); a number must fit it exactly.
        return typeof spec === 'string'
          ? fitDecimal(parseDecimalText(spec).toDecimalPlaces(type.scale), type.precision, type.scale)
          : fitDecimal(parseDecimalText(text()), type.precision, type.scale);
      case 'STRING':
        return text();
      case 'BYTES':
        return Buffer.isBuffer(spec) ? spec : typeof spec === 'string' ? decodeBase64(spec) : fail('bytes are written as base64 strings');
      case 'ARRAY':
        return Array.isArray(spec) ? spec.map((e, i) => specToSql(e, type.element, `${path}[${i}]`)) : fail('not an array');
      case 'MAP':
        if (!isSpecObject(spec)) return fail('not an object');
        return new Map(Object.entries(spec).map(([k, v]) => [specToSql(k, type.key, `${path}.${k}`), specToSql(v, type.value, `${path}.${k}`)]));
      case 'STRUCT': {
        if (!isSpecObject(spec)) return fail('not an object');
        const byUpper = new Map(type.fields.map((f) => [f.name.toUpperCase(), f]));
        const struct: Record<string, unknown> = Object.fromEntries(type.fields.map((f) => [f.name, null]));
        for (const [k, v] of Object.entries(spec)) {
          const field = byUpper.get(k.toUpperCase());
          // Fields the schema does not have are dropped, as QTT drops them.
          if (field) struct[field.name] = specToSql(v, field.type, `${path}.${field.name}`);
        }
        return struct;
      }
      default:
        return fail('the type has no record form');
    }
  } catch (err) {
    if (err instanceof SpecCodecError) throw err;
    return fail((err as Error).message);
  }
}

/** A scalar spec as text (numbers as written); objects and arrays as JSON. */
function scalarText(spec: unknown): string {
  if (typeof spec === 'string') return spec;
  return numberText(spec) ?? formatSpec(spec);
}

/** The digits of a numeric spec: a JS number, a bigint, a LosslessNumber or a decimal.js Decimal. */
function numberText(spec: unknown): string | undefined {
  if (typeof spec === 'number') return String(spec);
  if (typeof spec === 'bigint') return spec.toString();
  if (isLosslessNumber(spec)) return (spec as LosslessNumber).value;
  if (Decimal.isDecimal(spec)) return (spec as Decimal).toFixed();
  return undefined;
}

function isSpecObject(spec: unknown): spec is Record<string, unknown> {
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec) && numberText(spec) === undefined && !Buffer.isBuffer(spec);
}

// ---------------------------------------------------------------------------------------------
// Bytes -> what QTT holds.

/** Jackson's reading of JSON into Java values (USE_BIG_DECIMAL_FOR_FLOATS unless inexact). */
function jsonActual(node: unknown, exact: boolean): Actual {
  if (node === null || node === undefined) return null;
  if (isLosslessNumber(node)) {
    const text = (node as LosslessNumber).value;
    if (!/^-?\d+$/.test(text)) return new ActualNumber(exact ? 'decimal' : 'double', text);
    const n = BigInt(text);
    return new ActualNumber(n === BigInt.asIntN(64, n) ? 'integer' : 'big-integer', text);
  }
  if (typeof node === 'string' || typeof node === 'boolean') return node;
  if (Array.isArray(node)) return node.map((e) => jsonActual(e, exact));
  return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, jsonActual(v, exact)]));
}

/**
 * A row read by a serde as QTT's Connect-based deserializers give it. Top-level BYTES fields are
 * base64 text and empty ones null, as QTT's output comparison turns them (nested ones are base64
 * too, which QTT cannot compare at all).
 */
function rowActual(row: Row | null, columns: readonly Column[], wrapped: boolean): Actual {
  if (row === null) return null;
  if (!wrapped) return sqlActual(row[0], columns[0]!.type, false);
  return Object.fromEntries(columns.map((c, i) => [c.name, sqlActual(row[i], c.type, true)]));
}

function sqlActual(value: unknown, type: SqlType, topLevelField: boolean): Actual {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'BOOLEAN':
      return value as boolean;
    case 'INTEGER':
    case 'BIGINT':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return new ActualNumber('integer', String(value));
    case 'DOUBLE':
      return new ActualNumber('double', String(value));
    case 'DECIMAL':
      return new ActualNumber('decimal', decimalText(asDecimal(value), type.scale));
    case 'STRING':
      return String(value);
    case 'BYTES': {
      const bytes = value as Buffer;
      return topLevelField && bytes.length === 0 ? null : bytes.toString('base64');
    }
    case 'ARRAY':
      return (value as unknown[]).map((e) => sqlActual(e, type.element, false));
    case 'MAP': {
      const entries = value instanceof Map ? [...value] : Object.entries(value as object);
      return Object.fromEntries(entries.map(([k, v]) => [String(k), sqlActual(v, type.value, false)]));
    }
    case 'STRUCT': {
      const struct = value as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, sqlActual(struct[f.name], f.type, false)]));
    }
    default:
      throw new SpecCodecError(`A value of type ${type.kind} cannot be in a record.`);
  }
}

/** As `decode` gives it: plain JSON values, with LosslessNumbers for exact decimals and big integers. */
function toSpec(actual: Actual): unknown {
  if (actual instanceof ActualNumber) {
    if (actual.kind === 'double') return Number(actual.text);
    if (actual.kind === 'integer' && Number.isSafeInteger(Number(actual.text))) return Number(actual.text);
    return new LosslessNumber(actual.text);
  }
  if (Array.isArray(actual)) return actual.map(toSpec);
  if (actual !== null && typeof actual === 'object') return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, toSpec(v)]));
  return actual;
}

// ---------------------------------------------------------------------------------------------
// Comparing, as ExpectedRecordComparator compares a JSON node with what a deserializer gave.

function matchesActual(actual: Actual, expected: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null;
  if (typeof expected === 'boolean') return actual === expected;
  if (typeof expected === 'string') return matchesText(actual, expected);
  const digits = numberText(expected);
  if (digits !== undefined) return actual instanceof ActualNumber && matchesNumber(actual, digits, typeof expected !== 'number');
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesActual(actual[i]!, e));
  if (!isSpecObject(expected) || !isActualObject(actual)) return false;
  const entries = Object.entries(expected);
  if (entries.length !== Object.keys(actual).length) return false;
  return entries.every(([name, e]) => matchesActual(fieldOf(actual, name) ?? fieldOf(actual, name.toUpperCase()) ?? null, e));
}

function isActualObject(actual: Actual): actual is { [field: string]: Actual } {
  return actual !== null && typeof actual === 'object' && !Array.isArray(actual) && !(actual instanceof ActualNumber);
}

function fieldOf(actual: { [field: string]: Actual }, name: string): Actual | undefined {
  return Object.hasOwn(actual, name) ? actual[name] : undefined;
}

function matchesText(actual: Actual, expected: string): boolean {
  if (typeof actual === 'string') return actual === expected;
  // A decimal result may be expected as a string of the same digits and scale.
  if (actual instanceof ActualNumber && actual.kind === 'decimal') return sameBigDecimal(actual.text, expected);
  return false;
}

/**
 * `exact`: the expected digits are as the case wrote them (not a JS number that has lost them),
 * so the expected node's kind is known: integer digits are an Integer/Long node, others a decimal.
 */
function matchesNumber(actual: ActualNumber, expected: string, exact: boolean): boolean {
  switch (actual.kind) {
    case 'double':
      return Math.abs(Number(expected) - Number(actual.text)) < 0.000_001;
    case 'big-integer':
      return false;
    case 'integer':
      // intValue()/longValue() of the expected number: truncated, wrapped to 64 bits.
      return exact ? truncateToLong(expected) === BigInt(actual.text) : Number(expected) === Number(actual.text);
    case 'decimal': {
      if (!exact) return Number(expected) === Number(actual.text);
      if (!/^[+-]?\d+$/.test(expected)) return sameBigDecimal(actual.text, expected);
      const e = BigInt(expected);
      const a = bigDecimal(actual.text);
      // An integer matches only a decimal without fractional digits; a BigInteger node never.
      return e === BigInt.asIntN(64, e) && a !== undefined && a.scale <= 0 && a.unscaled * 10n ** BigInt(-a.scale) === e;
    }
  }
}

/** BigDecimal's text as unscaled digits and scale: 1.10 is (110, 2), 1E+3 is (1, -3). */
function bigDecimal(text: string): { unscaled: bigint; scale: number } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  const digits = (m[2] ?? '') + fraction;
  if (digits === '') return undefined;
  return { unscaled: (m[1] === '-' ? -1n : 1n) * BigInt(digits), scale: fraction.length - Number(m[4] ?? 0) };
}

/** BigDecimal.equals: the same value at the same scale. */
function sameBigDecimal(a: string, b: string): boolean {
  const x = bigDecimal(a);
  const y = bigDecimal(b);
  return x !== undefined && y !== undefined && x.unscaled === y.unscaled && x.scale === y.scale;
}

/** Number.longValue of a number's text: the integer part, wrapped to 64 bits. */
function truncateToLong(text: string): bigint {
  const d = bigDecimal(text);
  if (d === undefined) throw new SpecCodecError(`'${text}' is not a number.`);
  const whole = d.scale <= 0 ? d.unscaled * 10n ** BigInt(-d.scale) : d.unscaled / 10n ** BigInt(d.scale);
  return BigInt.asIntN(64, whole);
}
