import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { createRowSerde, SerializationError, type Column } from '../../../sql/formats/index.js';
import { Types } from '../../../sql/types/sql-type.js';
import { plain } from './helpers.js';

const text = (b: Buffer | null) => b?.toString('utf8') ?? null;
const bytes = (s: string) => Buffer.from(s, 'utf8');

const ALL_TYPES: Column[] = [
  { name: 'B', type: Types.BOOLEAN },
  { name: 'I', type: Types.INTEGER },
  { name: 'L', type: Types.BIGINT },
  { name: 'D', type: Types.DOUBLE },
  { name: 'DEC', type: Types.decimal(6, 2) },
  { name: 'S', type: Types.STRING },
  { name: 'BY', type: Types.BYTES },
  { name: 'DT', type: Types.DATE },
  { name: 'TM', type: Types.TIME },
  { name: 'TS', type: Types.TIMESTAMP },
  { name: 'A', type: Types.array(Types.INTEGER) },
  { name: 'M', type: Types.map(Types.STRING, Types.BIGINT) },
  { name: 'ST', type: Types.struct([{ name: 'X', type: Types.STRING }, { name: 'y', type: Types.DOUBLE }]) },
];

const ALL_VALUES = [
  true,
  -7,
  998877665544332211n,
  1.5,
  new Decimal('12.30'),
  'a "quoted"\nline',
  Buffer.from('variations'),
  19000,
  3723004,
  1600000000123,
  [1, null, 3],
  new Map<string, bigint | null>([['k', 9007199254740993n], ['n', null]]),
  { X: 'x', y: 0.25 },
];

describe('JSON format', () => {
  it('writes a row as an object keyed by the declared column names, every type as ksqlDB writes it', async () => {
    const serde = await createRowSerde('JSON', ALL_TYPES, { isKey: false });
    expect(text(serde.serialize('t', ALL_VALUES))).toBe(
      '{"B":true,"I":-7,"L":998877665544332211,"D":1.5,"DEC":12.30,"S":"a \\"quoted\\"\\nline","BY":"dmFyaWF0aW9ucw==",' +
        '"DT":19000,"TM":3723004,"TS":1600000000123,"A":[1,null,3],"M":{"k":9007199254740993,"n":null},"ST":{"X":"x","y":0.25}}',
    );
  });

  it('round trips every type exactly (BIGINT and DECIMAL beyond double precision)', async () => {
    const serde = await createRowSerde('JSON', ALL_TYPES, { isKey: false });
    const back = serde.deserialize('t', serde.serialize('t', ALL_VALUES))!;
    expect(plain(back)).toEqual(plain(ALL_VALUES));
    expect((back[4] as Decimal).toFixed(2)).toBe('12.30');
  });

  it('writes nulls out and reads missing fields as null', async () => {
    const serde = await createRowSerde('JSON', ALL_TYPES, { isKey: false });
    const nulls = ALL_TYPES.map(() => null);
    expect(text(serde.serialize('t', nulls))).toBe(`{${ALL_TYPES.map((c) => `"${c.name}":null`).join(',')}}`);
    expect(serde.deserialize('t', bytes('{}'))).toEqual(nulls);
    expect(serde.deserialize('t', bytes('null'))).toBeNull();
    expect(serde.deserialize('t', null)).toBeNull();
  });

  it('writes doubles as Java prints them', async () => {
    const serde = await createRowSerde('JSON', [{ name: 'D', type: Types.DOUBLE }], { isKey: true });
    expect(text(serde.serialize('t', [1]))).toBe('1.0');
    expect(text(serde.serialize('t', [1e10]))).toBe('1.0E10');
    expect(text(serde.serialize('t', [0.0001]))).toBe('1.0E-4');
    expect(text(serde.serialize('t', [NaN]))).toBe('"NaN"');
    expect(serde.deserialize('t', bytes('"NaN"'))).toEqual([NaN]);
  });

  it('pads decimals to their scale and refuses values that would need rounding (QTT decimal.json)', async () => {
    const serde = await createRowSerde('JSON', [{ name: 'DEC', type: Types.decimal(6, 4) }], { isKey: false });
    for (const [input, output] of [['10', '10.0000'], ['0.1', '0.1000'], ['0.0001', '0.0001'], ['"1.5"', '1.5000']]) {
      const row = serde.deserialize('t', bytes(`{"DEC":${input}}`))!;
      expect(text(serde.serialize('t', row))).toBe(`{"DEC":${output}}`);
    }
    expect(() => serde.deserialize('t', bytes('{"DEC":0.00001}'))).toThrow(/without rounding/);
    expect(() => serde.deserialize('t', bytes('{"DEC":123.4}'))).toThrow(/truncate left digits/);
  });

  describe('single columns', () => {
    it('unwraps single keys by default and wraps single values (QTT json.json)', async () => {
      const key = await createRowSerde('JSON', [{ name: 'K', type: Types.INTEGER }], { isKey: true });
      expect(text(key.serialize('t', [33]))).toBe('33');
      expect(key.deserialize('t', bytes('33'))).toEqual([33]);
      const value = await createRowSerde('JSON', [{ name: 'V', type: Types.INTEGER }], { isKey: false });
      expect(text(value.serialize('t', [33]))).toBe('{"V":33}');
    });

    it('follows WRAP_SINGLE_VALUE both ways', async () => {
      const unwrapped = await createRowSerde('JSON', [{ name: 'FOO', type: Types.array(Types.BIGINT) }], { isKey: false, wrapSingleValue: false });
      expect(text(unwrapped.serialize('t', [[12n, 34n, null]]))).toBe('[12,34,null]');
      expect(unwrapped.deserialize('t', bytes('[1,2]'))).toEqual([[1n, 2n]]);
      // A null column unwrapped is a null record (a tombstone), as ksqlDB writes it.
      expect(unwrapped.serialize('t', [null])).toBeNull();
      expect(unwrapped.deserialize('t', bytes('null'))).toBeNull();
      const wrappedKey = await createRowSerde('JSON', [{ name: 'K', type: Types.STRING }], { isKey: true, wrapSingleValue: true });
      expect(text(wrappedKey.serialize('t', ['a']))).toBe('{"K":"a"}');
    });

    it('refuses WRAP_SINGLE_VALUE with several columns', async () => {
      await expect(
        createRowSerde('JSON', [{ name: 'A', type: Types.STRING }, { name: 'B', type: Types.STRING }], { isKey: false, wrapSingleValue: false }),
      ).rejects.toThrow("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
    });
  });

  it('reads scalar rows exactly on the one-pass route too (DECIMAL scale, big BIGINTs, numbers into STRING)', async () => {
    const columns: Column[] = [
      { name: 'L', type: Types.BIGINT },
      { name: 'DEC', type: Types.decimal(6, 2) },
      { name: 'S', type: Types.STRING },
      { name: 'I', type: Types.INTEGER },
      { name: 'D', type: Types.DOUBLE },
    ];
    const serde = await createRowSerde('JSON', columns, { isKey: false });
    const row = serde.deserialize('t', bytes('{"L":9007199254740993,"DEC":12.3,"S":1.50,"I":"42","D":1e3}'))!;
    expect(row[0]).toBe(9007199254740993n);
    expect(row[2]).toBe('1.50');
    expect(row.slice(3)).toEqual([42, 1000]);
    expect(text(serde.serialize('t', row))).toBe('{"L":9007199254740993,"DEC":12.30,"S":"1.50","I":42,"D":1000.0}');
    expect(serde.deserialize('t', bytes('{"L":-12,"S":7,"extra":[1,{"x":2}]}'))).toEqual([-12n, null, '7', null, null]);
    expect(() => serde.deserialize('t', bytes('{"I":"x"}'))).toThrow(/Can't coerce string to type. targetType: INTEGER, path: \$\.I/);
  });

  describe('reading', () => {
    it('matches upper-case columns to fields of any case, quoted columns exactly (QTT json.json, elements.json)', async () => {
      const serde = await createRowSerde(
        'JSON',
        [
          { name: 'FOO', type: Types.INTEGER },
          { name: 'c1', type: Types.INTEGER },
          { name: 'ST', type: Types.struct([{ name: 'F', type: Types.DOUBLE }]) },
        ],
        { isKey: false },
      );
      expect(serde.deserialize('t', bytes('{"foo":1,"C1":2,"st":{"f":4.5}}'))).toEqual([1, null, { F: 4.5 }]);
      expect(serde.deserialize('t', bytes('{"Foo":1,"c1":2}'))).toEqual([1, 2, null]);
    });

    it('coerces where ksqlDB does', async () => {
      const serde = await createRowSerde(
        'JSON',
        [
          { name: 'S', type: Types.array(Types.STRING) },
          { name: 'I', type: Types.INTEGER },
          { name: 'L', type: Types.BIGINT },
          { name: 'D', type: Types.DOUBLE },
          { name: 'T', type: Types.TIMESTAMP },
          { name: 'O', type: Types.STRING },
        ],
        { isKey: false },
      );
      expect(serde.deserialize('t', bytes('{"S":[1,2.50,true,"x",{"a":1},[1,null]],"I":"12","L":1.9,"D":"2.5","T":"10","O":10}'))).toEqual([
        ['1', '2.50', 'true', 'x', '{"a":1}', '[1, null]'],
        12,
        1n,
        2.5,
        10,
        '10',
      ]);
    });

    it('keeps the last of repeated keys, as Jackson does', async () => {
      const serde = await createRowSerde('JSON', [{ name: 'A', type: Types.INTEGER }], { isKey: false });
      expect(serde.deserialize('t', bytes('{"A":1,"A":2}'))).toEqual([2]);
    });

    it('fails bad records with a typed error that says where', async () => {
      const serde = await createRowSerde('JSON', [{ name: 'A', type: Types.BOOLEAN }, { name: 'B', type: Types.array(Types.INTEGER) }], { isKey: false });
      const failure = (json: string) => {
        try {
          serde.deserialize('orders', bytes(json));
        } catch (e) {
          return e as SerializationError;
        }
        throw new Error('expected a failure');
      };
      const notJson = failure('{"A":tru');
      expect(notJson).toBeInstanceOf(SerializationError);
      expect(notJson.message).toMatch(/^Failed to deserialize value from topic: orders\./);
      expect(failure('{"A":"yes"}').message).toContain("Can't convert type. sourceType: TextNode, requiredType: BOOLEAN, path: $.A");
      expect(failure('{"B":[1,"x"]}').message).toContain("Can't coerce string to type. targetType: INTEGER, path: $.B[1]");
      expect(failure('[1]').message).toContain('sourceType: ArrayNode');
      expect(failure('\u0000\u0000\u0000\u0000\u0001{}')).toBeInstanceOf(SerializationError);
    });
  });

  it('refuses MAP columns with keys other than STRING', async () => {
    await expect(createRowSerde('JSON', [{ name: 'M', type: Types.map(Types.INTEGER, Types.DOUBLE) }], { isKey: false })).rejects.toThrow(
      'JSON only supports MAP types with STRING keys',
    );
  });

  it('refuses map-typed keys whatever the format', async () => {
    await expect(createRowSerde('JSON', [{ name: 'K', type: Types.array(Types.map(Types.INTEGER, Types.DOUBLE)) }], { isKey: true })).rejects.toThrow(
      'Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. ' +
        'Key column name: `K`. Column type: ARRAY<MAP<INTEGER, DOUBLE>>. See https://github.com/confluentinc/ksql/issues/6621 for more.',
    );
  });

  it('takes no delimiter or schema name', async () => {
    await expect(createRowSerde('JSON', [{ name: 'A', type: Types.STRING }], { isKey: false, delimiter: '|' })).rejects.toThrow(
      'JSON does not support the following configs: [delimiter]',
    );
    await expect(createRowSerde('JSON', [{ name: 'A', type: Types.STRING }], { isKey: false, schemaFullName: 'com.custom.schema' })).rejects.toThrow(
      'JSON does not support the following configs: [fullSchemaName]',
    );
  });
});
