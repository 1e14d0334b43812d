/**
 * Formats against ksqlDB's own expectations: every query-validation case that only copies rows
 * (`CREATE STREAM|TABLE … (columns)` then `CREATE … AS SELECT * FROM` it, possibly chained) in
 * the JSON, DELIMITED and KAFKA (STRING) formats is replayed at the serde level: each input
 * record is read with the source's serdes and written with the sink's, and the bytes must be
 * the expected output. No case is singled out; the selection is by shape alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRowSerde, type Column, type RowSerde } from '../../../sql/formats/index.js';
import type { CreateAsSelect, CreateSource, Property } from '../../../sql/ast/statements.js';
import { findProperty } from '../../../sql/ast/statements.js';
import { parseStatement } from '../../../sql/parser/parse.js';
import { fromAstType } from '../../../sql/types/sql-type.js';
import { parseLenientJson } from '../parser/qtt.js';

const root = fileURLToPath(new URL('../../../../shared/ksql-qtt/query-validation-tests', import.meta.url));
const present = existsSync(root);

const FORMATS = new Set(['JSON', 'DELIMITED', 'KAFKA']);

interface Side {
  topic: string;
  keyFormat: string;
  valueFormat: string;
  keyColumns: Column[];
  valueColumns: Column[];
  wrapSingleValue?: boolean;
  keyDelimiter?: string;
  valueDelimiter?: string;
}

interface RawRecord {
  topic: string;
  key?: unknown;
  value?: unknown;
  window?: unknown;
}

interface RawCase {
  name: string;
  statements?: string[];
  format?: string[];
  properties?: Record<string, string>;
  inputs?: RawRecord[];
  outputs?: RawRecord[];
  expectedException?: unknown;
}

function prop(properties: readonly Property[], name: string): string | boolean | undefined {
  const p = findProperty(properties, name);
  if (!p) return undefined;
  const v = p.value as { kind: string; value?: unknown };
  return v.kind === 'BooleanLiteral' ? (v.value as boolean) : String(v.value);
}

/** The source and sink of a copy-only case, or undefined when the case has another shape. */
function plan(testCase: RawCase): { source: Side; sink: Side } | undefined {
  const statements = testCase.statements ?? [];
  if (statements.length < 2 || testCase.expectedException || testCase.format || statements.some((s) => s.includes('{'))) return undefined;
  let create: CreateSource;
  try {
    const first = parseStatement(statements[0]!);
    if (first.kind !== 'CreateSource' || first.columns.length === 0) return undefined;
    create = first;
  } catch {
    return undefined;
  }
  const defaults = testCase.properties ?? {};
  const wrapDefault = defaults['ksql.persistence.wrap.single.values'] === 'false' ? false : undefined;
  const formatsOf = (properties: readonly Property[], inherited?: Side) => {
    const both = prop(properties, 'FORMAT') as string | undefined;
    return {
      keyFormat: ((both ?? prop(properties, 'KEY_FORMAT') ?? inherited?.keyFormat ?? defaults['ksql.persistence.default.format.key'] ?? 'KAFKA') as string).toUpperCase(),
      valueFormat: ((both ?? prop(properties, 'VALUE_FORMAT') ?? inherited?.valueFormat ?? defaults['ksql.persistence.default.format.value'] ?? '') as string).toUpperCase(),
    };
  };
  if (prop(create.properties, 'WINDOW_TYPE') !== undefined) return undefined;
  const columns = create.columns.map((c) => ({ name: c.name, type: fromAstType(c.type), key: c.constraint?.kind === 'Key' || c.constraint?.kind === 'PrimaryKey' }));
  if (create.columns.some((c) => c.constraint?.kind === 'Headers' || c.constraint?.kind === 'Header')) return undefined;
  const source: Side = {
    topic: String(prop(create.properties, 'KAFKA_TOPIC')),
    ...formatsOf(create.properties),
    keyColumns: columns.filter((c) => c.key).map(({ name, type }) => ({ name, type })),
    valueColumns: columns.filter((c) => !c.key).map(({ name, type }) => ({ name, type })),
    wrapSingleValue: (prop(create.properties, 'WRAP_SINGLE_VALUE') as boolean | undefined) ?? wrapDefault,
    keyDelimiter: prop(create.properties, 'KEY_DELIMITER') as string | undefined,
    valueDelimiter: prop(create.properties, 'VALUE_DELIMITER') as string | undefined,
  };
  let previous = { name: create.name, side: source };
  for (const text of statements.slice(1)) {
    let csas: CreateAsSelect;
    try {
      const s = parseStatement(text);
      if (s.kind !== 'CreateAsSelect') return undefined;
      csas = s;
    } catch {
      return undefined;
    }
    const q = csas.query;
    if (q.select.length !== 1 || q.select[0]!.kind !== 'AllColumns' || q.where || q.partitionBy || q.groupBy || q.window || q.having || q.limit !== undefined) return undefined;
    if (q.from.kind !== 'AliasedSource' || q.from.name !== previous.name) return undefined;
    const inherited = previous.side;
    const side: Side = {
      topic: String(prop(csas.properties, 'KAFKA_TOPIC') ?? csas.name),
      ...formatsOf(csas.properties, inherited),
      keyColumns: inherited.keyColumns,
      valueColumns: inherited.valueColumns,
      wrapSingleValue: (prop(csas.properties, 'WRAP_SINGLE_VALUE') as boolean | undefined) ?? wrapDefault,
      keyDelimiter: (prop(csas.properties, 'KEY_DELIMITER') as string | undefined) ?? inherited.keyDelimiter,
      valueDelimiter: (prop(csas.properties, 'VALUE_DELIMITER') as string | undefined) ?? inherited.valueDelimiter,
    };
    previous = { name: csas.name, side };
  }
  const sink = previous.side;
  for (const side of [source, sink]) {
    if (!FORMATS.has(side.keyFormat) || !FORMATS.has(side.valueFormat)) return undefined;
    // KAFKA numbers in QTT are JSON numbers that need the column type to become bytes; only strings are compared here.
    for (const [format, cols] of [[side.keyFormat, side.keyColumns], [side.valueFormat, side.valueColumns]] as const) {
      if (format === 'KAFKA' && cols.some((c) => c.type.kind !== 'STRING')) return undefined;
    }
  }
  return { source, sink };
}

function encode(format: string, value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (format === 'JSON') return Buffer.from(JSON.stringify(value));
  return Buffer.from(String(value));
}

function decode(format: string, bytes: Buffer | null): unknown {
  if (bytes === null) return null;
  return format === 'JSON' ? JSON.parse(bytes.toString()) : bytes.toString();
}

async function serdes(side: Side): Promise<{ key: RowSerde; value: RowSerde }> {
  return {
    // A delimiter carried over from a DELIMITED source means nothing to another format.
    key: await createRowSerde(side.keyFormat, side.keyColumns, { isKey: true, delimiter: side.keyFormat === 'DELIMITED' ? side.keyDelimiter : undefined }),
    value: await createRowSerde(side.valueFormat, side.valueColumns, {
      isKey: false,
      wrapSingleValue: side.wrapSingleValue,
      delimiter: side.valueFormat === 'DELIMITED' ? side.valueDelimiter : undefined,
    }),
  };
}

const cases: { file: string; testCase: RawCase; source: Side; sink: Side }[] = [];
if (present) {
  for (const file of readdirSync(root).filter((f) => f.endsWith('.json')).sort()) {
    const parsed = parseLenientJson(readFileSync(join(root, file), 'utf8')) as { tests?: RawCase[] };
    for (const testCase of parsed.tests ?? []) {
      const p = plan(testCase);
      const inputs = testCase.inputs ?? [];
      const outputs = testCase.outputs ?? [];
      if (!p || inputs.length === 0 || inputs.length !== outputs.length || inputs.some((r) => r.window !== undefined)) continue;
      cases.push({ file, testCase, ...p });
    }
  }
}

describe.skipIf(!present)(present ? 'QTT copy-only cases, replayed through the serdes' : 'QTT copy-only cases: skipped, ../shared/ksql-qtt is absent', () => {
  it('finds a useful number of cases', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases.map((c) => [`${c.file}: ${c.testCase.name}`, c] as const))('%s', async (_name, { testCase, source, sink }) => {
    const from = await serdes(source);
    const to = await serdes(sink);
    testCase.inputs!.forEach((input, i) => {
      const output = testCase.outputs![i]!;
      const key = from.key.deserialize(input.topic, encode(source.keyFormat, input.key));
      const value = from.value.deserialize(input.topic, encode(source.valueFormat, input.value));
      const keyOut = sink.keyColumns.length === 0 ? null : to.key.serialize(output.topic, key);
      expect(decode(sink.keyFormat, keyOut), `key of record ${i}`).toEqual(output.key ?? null);
      expect(decode(sink.valueFormat, to.value.serialize(output.topic, value)), `value of record ${i}`).toEqual(output.value ?? null);
    });
  });
});
