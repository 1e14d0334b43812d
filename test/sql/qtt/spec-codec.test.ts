import { LosslessNumber, parse } from 'lossless-json';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FormatInfo } from '../../../sql/catalog/data-source.js';
import type { Column } from '../../../sql/formats/index.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { Types } from '../../../sql/types/sql-type.js';
import { formatSpec, specCodec, SpecCodecError, type SpecCodec } from '../../../scripts/qtt/spec-codec.js';
import { fromHex, hex } from '../formats/helpers.js';

let registry: SchemaRegistry;

beforeEach(async () => {
  registry = await SchemaRegistry.open(new InMemorySchemaStore());
});

const codec = (format: FormatInfo['format'], columns: Column[], options: { isKey?: boolean; topic?: string; format?: Partial<FormatInfo>; exact?: boolean } = {}): Promise<SpecCodec> =>
  specCodec({
    topic: options.topic ?? 't',
    isKey: options.isKey ?? false,
    columns,
    format: { format, ...options.format },
    registry,
    exactNumericComparison: options.exact,
  });

/** A spec as a case parsed losslessly holds it: numbers keep their digits. */
const spec = (json: string): unknown => parse(json);
const n = (digits: string) => new LosslessNumber(digits);
const text = (bytes: Buffer | null) => bytes?.toString('utf8') ?? null;
const decoded = (c: SpecCodec, bytes: Buffer | null) => formatSpec(c.decode(bytes));

describe('JSON', () => {
  const columns = [
    { name: 'V', type: Types.INTEGER },
    { name: 'D', type: Types.decimal(4, 2) },
  ];

  it('writes the spec as its own JSON text, numbers as the case wrote them', async () => {
    const c = await codec('JSON', columns);
    expect(text(c.encode(spec('{"V": 1, "D": 10.10}')))).toBe('{"V":1,"D":10.10}');
    expect(c.encode(null)).toBeNull();
    expect(c.encode(undefined)).toBeNull();
  });

  it('passes input the columns cannot hold through as it is, for the engine to reject', async () => {
    const c = await codec('JSON', columns);
    expect(text(c.encode({ V: 'not a number' }))).toBe('{"V":"not a number"}');
    expect(text(c.encode('just text'))).toBe('"just text"');
    expect(text(c.encode([1, 2]))).toBe('[1,2]');
  });

  it('decodes JSON with numbers as written', async () => {
    const c = await codec('JSON', columns);
    const bytes = Buffer.from('{"V":1,"D":1.50,"A":[9223372036854775807,"x"],"M":{"k":true,"n":null}}');
    expect(decoded(c, bytes)).toBe('{"V":1,"D":1.50,"A":[9223372036854775807,"x"],"M":{"k":true,"n":null}}');
    expect(c.decode(null)).toBeNull();
  });

  it('matches decimals at their scale and integers by truncation (ksqlDB decimal.json, json.json)', async () => {
    const c = await codec('JSON', columns);
    const out = Buffer.from('{"V":1,"D":1.10}');
    expect(c.matches(spec('{"V": 1, "D": 1.10}'), out)).toBe(true);
    expect(c.matches(spec('{"V": 1, "D": 1.1}'), out)).toBe(false);
    expect(c.matches(spec('{"V": 1.0, "D": 1.10}'), out)).toBe(true);
    // A decimal result never equals an expected integer when it has fractional digits.
    expect(c.matches(spec('{"V": 1, "D": 1}'), Buffer.from('{"V":1,"D":1.0}'))).toBe(false);
    expect(c.matches(spec('{"V": 1, "D": 1}'), Buffer.from('{"V":1,"D":1}'))).toBe(true);
    // A string may stand for a decimal of the same digits.
    expect(c.matches(spec('{"V": 1, "D": "1.10"}'), out)).toBe(true);
    // Plain JS numbers have lost their digits; they compare by value.
    expect(c.matches({ V: 1, D: 1.1 }, out)).toBe(true);
  });

  it('matches field names as written or upper-cased, and the field count', async () => {
    const c = await codec('JSON', columns);
    expect(c.matches({ v: 1 }, Buffer.from('{"V":1}'))).toBe(true);
    expect(c.matches({ V: 1 }, Buffer.from('{"v":1}'))).toBe(false);
    expect(c.matches({ V: 1 }, Buffer.from('{"V":1,"D":null}'))).toBe(false);
    expect(c.matches({ V: 1, D: null }, Buffer.from('{"V":1,"D":null}'))).toBe(true);
    expect(c.matches({ V: [1, 2] }, Buffer.from('{"V":[1,2]}'))).toBe(true);
    expect(c.matches({ V: [1, 2] }, Buffer.from('{"V":[1,2,3]}'))).toBe(false);
  });

  it('matches tombstones, and never bytes that do not parse', async () => {
    const c = await codec('JSON', columns);
    expect(c.matches(null, null)).toBe(true);
    expect(c.matches(undefined, null)).toBe(true);
    expect(c.matches({ V: 1 }, null)).toBe(false);
    expect(c.matches(null, Buffer.from('{"V":1}'))).toBe(false);
    expect(c.matches({ V: 1 }, Buffer.from('{"V":'))).toBe(false);
    expect(() => c.decode(Buffer.from('{"V":'))).toThrow();
  });

  it('compares fractions within 1e-6 with use.exact.numeric.comparison=false (geodistance.json)', async () => {
    const columns = [{ name: 'D', type: Types.DOUBLE }];
    const out = Buffer.from('{"D":8634.659796579544}');
    expect((await codec('JSON', columns, { exact: false })).matches(spec('{"D": 8634.6597965795}'), out)).toBe(true);
    expect((await codec('JSON', columns)).matches(spec('{"D": 8634.6597965795}'), out)).toBe(false);
    expect((await codec('JSON', columns)).matches(spec('{"D": 8634.659796579544}'), out)).toBe(true);
  });

  it('writes an unwrapped key as the bare value (json.json "DECIMAL - key")', async () => {
    const c = await codec('JSON', [{ name: 'K', type: Types.decimal(6, 4) }], { isKey: true });
    expect(text(c.encode(spec('12.3650')))).toBe('12.3650');
    expect(c.matches(spec('12.3650'), Buffer.from('12.3650'))).toBe(true);
    expect(c.matches(spec('12.365'), Buffer.from('12.3650'))).toBe(false);
  });
});

describe('DELIMITED', () => {
  it('writes and reads the text as it is', async () => {
    const c = await codec('DELIMITED', [
      { name: 'A', type: Types.INTEGER },
      { name: 'B', type: Types.STRING },
    ]);
    expect(text(c.encode('1,foo'))).toBe('1,foo');
    expect(c.decode(Buffer.from('1,foo'))).toBe('1,foo');
    expect(c.matches('1,foo', Buffer.from('1,foo'))).toBe(true);
    // QTT reads DELIMITED records as strings, which never equal a number.
    const single = await codec('DELIMITED', [{ name: 'A', type: Types.INTEGER }]);
    expect(text(single.encode(n('10')))).toBe('10');
    expect(single.matches(10, Buffer.from('10'))).toBe(false);
    expect(single.matches('10', Buffer.from('10'))).toBe(true);
  });
});

describe('KAFKA', () => {
  it('writes numbers with Kafka serdes by the column type (kafka.json)', async () => {
    const int = await codec('KAFKA', [{ name: 'K', type: Types.INTEGER }], { isKey: true });
    expect(hex(int.encode(7))).toBe('00000007');
    expect(int.decode(fromHex('00000007'))).toBe(7);
    expect(int.matches(7, fromHex('00000007'))).toBe(true);

    const big = await codec('KAFKA', [{ name: 'V', type: Types.BIGINT }]);
    expect(hex(big.encode(n('9223372036854775807')))).toBe('7fffffffffffffff');
    expect(decoded(big, fromHex('7fffffffffffffff'))).toBe('9223372036854775807');
    expect(big.matches(n('9223372036854775807'), fromHex('7fffffffffffffff'))).toBe(true);
    expect(big.matches(n('9223372036854775806'), fromHex('7fffffffffffffff'))).toBe(false);
    // Kafka's Long serializer takes a number's long value.
    expect(hex(big.encode(n('1.9')))).toBe('0000000000000001');
  });

  it('reads a DOUBLE as Java prints it, compared exactly', async () => {
    const c = await codec('KAFKA', [{ name: 'V', type: Types.DOUBLE }]);
    expect(hex(c.encode(n('1.5')))).toBe('3ff8000000000000');
    const one = fromHex('3ff0000000000000');
    expect(decoded(c, one)).toBe('1.0');
    expect(c.matches(n('1.0'), one)).toBe(true);
    expect(c.matches(n('1'), one)).toBe(false);
  });

  it('writes STRING and BYTES specs as their UTF-8 text (bytes.json "KAFKA in/out")', async () => {
    const str = await codec('KAFKA', [{ name: 'V', type: Types.STRING }]);
    expect(hex(str.encode('hé'))).toBe('68c3a9');
    const bytes = await codec('KAFKA', [{ name: 'B', type: Types.BYTES }]);
    expect(text(bytes.encode('dmFyaWF0aW9ucw=='))).toBe('dmFyaWF0aW9ucw==');
    expect(bytes.decode(Buffer.from('dmFyaWF0aW9ucw=='))).toBe('dmFyaWF0aW9ucw==');
    expect(bytes.matches('dmFyaWF0aW9ucw==', Buffer.from('dmFyaWF0aW9ucw=='))).toBe(true);
  });
});

describe('keyless and NONE', () => {
  it('writes a keyless key spec as text and NONE as nothing (none.json)', async () => {
    const keyless = await codec('KAFKA', [], { isKey: true });
    expect(text(keyless.encode('data that should be ignored'))).toBe('data that should be ignored');
    expect(keyless.matches(null, null)).toBe(true);
    const none = await codec('NONE', [], { isKey: true });
    expect(none.encode('ignored')).toBeNull();
    expect(none.decode(Buffer.from('x'))).toBeNull();
    expect(none.matches(null, null)).toBe(true);
  });
});

describe('AVRO', () => {
  const columns: Column[] = [
    { name: 'ID', type: Types.BIGINT },
    { name: 'DEC', type: Types.decimal(21, 19) },
    { name: 'D', type: Types.DOUBLE },
    { name: 'TS', type: Types.TIMESTAMP },
    { name: 'DT', type: Types.DATE },
    { name: 'B', type: Types.BYTES },
    { name: 'S', type: Types.struct([{ name: 'F', type: Types.STRING }]) },
    { name: 'M', type: Types.map(Types.STRING, Types.INTEGER) },
    { name: 'A', type: Types.array(Types.decimal(4, 2)) },
  ];

  it('round trips values of every kind, registering the columns schema when the subject has none', async () => {
    const c = await codec('AVRO', columns);
    expect(await registry.getLatest('t-value')).not.toBeNull();
    const input = spec(
      '{"id": 9007199254740993, "dec": 10.1234512345123451234, "d": 1.5, "ts": 1700000000000, "dt": 19000, "b": "dmFy", "s": {"f": "x"}, "m": {"a": 1}, "a": [1.5, "2.25", null]}',
    );
    const bytes = c.encode(input);
    expect(hex(bytes?.subarray(0, 5) ?? null)).toBe('0000000001');
    expect(decoded(c, bytes)).toBe(
      '{"ID":9007199254740993,"DEC":10.1234512345123451234,"D":1.5,"TS":1700000000000,"DT":19000,"B":"dmFy","S":{"F":"x"},"M":{"a":1},"A":[1.50,2.25,null]}',
    );
    const expected = spec(
      '{"ID": 9007199254740993, "DEC": 10.1234512345123451234, "D": 1.5000000001, "TS": 1700000000000, "DT": 19000, "B": "dmFy", "S": {"F": "x"}, "M": {"a": 1}, "A": [1.50, 2.25, null]}',
    );
    expect(c.matches(expected, bytes)).toBe(true);
    expect(c.matches({ ...(expected as object), A: spec('[1.5, 2.25, null]') }, bytes)).toBe(false);
    expect(c.matches({ ...(expected as object), DEC: spec('10.123451234512345123') }, bytes)).toBe(false);
  });

  it('writes with the subject\'s registered schema, its field names as they are (elements.json)', async () => {
    const id = await registry.register('input-value', JSON.stringify({ name: 'blah', type: 'record', fields: [{ name: 'c1', type: 'int' }] }));
    // The source took its columns from the schema, upper-cased.
    const c = await codec('AVRO', [{ name: 'C1', type: Types.INTEGER }], { topic: 'input' });
    const bytes = c.encode({ c1: 4 });
    // magic, id, and c1 = 4 as a plain (not nullable) int: zigzag 08.
    expect(hex(bytes)).toBe(hex(Buffer.concat([fromHex('00'), Buffer.from([0, 0, 0, id]), fromHex('08')])));
    expect(registry.listVersions('input-value')).toEqual([1]);
    expect(decoded(c, bytes)).toBe('{"C1":4}');
    expect(c.matches({ C1: 4 }, bytes)).toBe(true);
    expect(c.matches({ c1: 4 }, bytes)).toBe(true);
  });

  it('leaves fields of the registered schema that the spec lacks null (bytes.json "AVRO in/out")', async () => {
    await registry.register(
      'test-value',
      JSON.stringify({
        type: 'record',
        name: 'KsqlDataSourceSchema',
        namespace: 'io.confluent.ksql.avro_schemas',
        fields: [
          { name: 'ID', type: ['null', 'string'], default: null },
          { name: 'B', type: ['null', 'bytes'], default: null },
        ],
      }),
    );
    const c = await codec('AVRO', [{ name: 'B', type: Types.BYTES }], { topic: 'test' });
    const bytes = c.encode({ B: 'dmFyaWF0aW9ucw==' });
    expect(c.matches({ B: 'dmFyaWF0aW9ucw==' }, bytes)).toBe(true);
    // QTT turns empty top-level bytes into null.
    expect(formatSpec(c.decode(c.encode({ B: '' })))).toBe('{"B":null}');
  });

  it('writes an unwrapped key or value as the bare value', async () => {
    const key = await codec('AVRO', [{ name: 'K', type: Types.INTEGER }], { isKey: true });
    const bytes = key.encode(42);
    expect(key.decode(bytes)).toBe(42);
    expect(key.matches(42, bytes)).toBe(true);
    const value = await codec('AVRO', [{ name: 'FOO', type: Types.array(Types.STRING) }], { format: { wrapSingleValue: false } });
    expect(value.decode(value.encode(['a', null]))).toEqual(['a', null]);
    expect(value.encode(null)).toBeNull();
  });

  it('rejects a spec the schema cannot hold, naming where', async () => {
    const c = await codec('AVRO', [{ name: 'V', type: Types.INTEGER }]);
    expect(() => c.encode({ V: 'abc' })).toThrow(SpecCodecError);
    expect(() => c.encode({ V: 'abc' })).toThrow('at $.V as INTEGER');
    expect(() => c.encode(7)).toThrow('not an object');
  });
});

describe('PROTOBUF and PROTOBUF_NOSR', () => {
  it('writes with the registered message, matching fields by upper-cased name (bytes.json "PROTOBUF in/out")', async () => {
    const id = await registry.register('test-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message ConfluentDefault1 {bytes b = 1;}' });
    const c = await codec('PROTOBUF', [{ name: 'B', type: Types.BYTES }], { topic: 'test' });
    const bytes = c.encode({ b: 'dmFyaWF0aW9ucw==' });
    // magic, id, message index [0], field 1 (length-delimited) of 10 bytes.
    expect(hex(bytes?.subarray(0, 8) ?? null)).toBe(hex(Buffer.concat([fromHex('00'), Buffer.from([0, 0, 0, id]), fromHex('00 0a 0a')])));
    expect(decoded(c, bytes)).toBe('{"B":"dmFyaWF0aW9ucw=="}');
    expect(c.matches({ B: 'dmFyaWF0aW9ucw==' }, bytes)).toBe(true);
  });

  it('writes keys as messages (elements.json PROTOBUF key schema)', async () => {
    const c = await codec('PROTOBUF', [{ name: 'K', type: Types.INTEGER }], { isKey: true });
    const bytes = c.encode({ K: 42 });
    expect(c.decode(bytes)).toEqual({ K: 42 });
    expect(c.matches({ k: 42 }, bytes)).toBe(true);
  });

  it('writes PROTOBUF_NOSR from the columns (bytes.json "PROTOBUF_NOSR in/out")', async () => {
    const c = await codec('PROTOBUF_NOSR', [
      { name: 'B', type: Types.BYTES },
      { name: 'DEC', type: Types.decimal(6, 4) },
    ]);
    const bytes = c.encode(spec('{"b": "dmFyaWF0aW9ucw==", "dec": 1}'));
    expect(decoded(c, bytes)).toBe('{"B":"dmFyaWF0aW9ucw==","DEC":1.0000}');
    expect(c.matches(spec('{"B": "dmFyaWF0aW9ucw==", "DEC": 1.0000}'), bytes)).toBe(true);
    expect(c.matches(spec('{"B": "dmFyaWF0aW9ucw==", "DEC": 1}'), bytes)).toBe(false);
  });
});

describe('JSON_SR', () => {
  it('coerces the spec to the column type and writes it after the registry prefix (json_sr.json)', async () => {
    const c = await codec('JSON_SR', [{ name: 'FOO', type: Types.STRING }], { format: { wrapSingleValue: false } });
    const bytes = c.encode(10);
    expect(hex(bytes)).toBe(hex(Buffer.concat([fromHex('00 00000001'), Buffer.from('"10"')])));
    expect(c.decode(bytes)).toBe('10');
    expect(c.matches('10', bytes)).toBe(true);
    expect(c.matches(10, bytes)).toBe(false);
  });

  it('writes a wrapped row with the registered schema (elements.json JSON_SR SCHEMA)', async () => {
    await registry.register('input-value', { schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { c1: { type: 'integer' } } }) });
    const c = await codec('JSON_SR', [{ name: 'C1', type: Types.BIGINT }], { topic: 'input' });
    const bytes = c.encode({ c1: 4 });
    expect(bytes?.subarray(5).toString('utf8')).toBe('{"c1":4}');
    expect(c.matches({ C1: 4 }, bytes)).toBe(true);
  });
});
