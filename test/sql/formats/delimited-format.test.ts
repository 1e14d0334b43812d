import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { createRowSerde, parseDelimiter, SerializationError, type Column } from '../../../sql/formats/index.js';
import { readCsvRecord, writeCsvRecord } from '../../../sql/formats/csv.js';
import { Types } from '../../../sql/types/sql-type.js';
import { plain } from './helpers.js';

const text = (b: Buffer | null) => b?.toString('utf8') ?? null;
const bytes = (s: string) => Buffer.from(s, 'utf8');

const COLUMNS: Column[] = [
  { name: 'ID', type: Types.BIGINT },
  { name: 'NAME', type: Types.STRING },
  { name: 'VALUE', type: Types.INTEGER },
];

describe('DELIMITED format', () => {
  it('writes and reads one field per column (QTT delimited.json)', async () => {
    const serde = await createRowSerde('DELIMITED', COLUMNS, { isKey: false });
    expect(text(serde.serialize('t', [0n, 'zero', 0]))).toBe('0,zero,0');
    expect(serde.deserialize('t', bytes('100,100,500'))).toEqual([100n, '100', 500]);
  });

  it('writes every primitive type as ksqlDB does', async () => {
    const columns: Column[] = [
      { name: 'B', type: Types.BOOLEAN },
      { name: 'D', type: Types.DOUBLE },
      { name: 'DEC', type: Types.decimal(6, 4) },
      { name: 'BY', type: Types.BYTES },
      { name: 'DT', type: Types.DATE },
      { name: 'TM', type: Types.TIME },
      { name: 'TS', type: Types.TIMESTAMP },
    ];
    const serde = await createRowSerde('DELIMITED', columns, { isKey: false });
    const row = [true, 10.1, new Decimal('12.365'), Buffer.from('variations'), 100, 10, 1600000000000];
    const written = text(serde.serialize('t', row));
    expect(written).toBe('true,10.1,12.3650,dmFyaWF0aW9ucw==,100,10,1600000000000');
    expect(plain(serde.deserialize('t', bytes(written!)))).toEqual(plain(row));
  });

  describe('quoting, as Commons CSV 1.4 quotes', () => {
    it.each([
      [['-12345.12'], '"-12345.12"'],
      [['.12', '-1'], '".12",-1'],
      [['a,b', 'c'], '"a,b",c'],
      [['say "hi"'], '"say ""hi"""'],
      [['x', 'say "hi"'], 'x,"say ""hi"""'],
      [['x', ' lead'], 'x," lead"'],
      [['x', 'trail '], 'x,"trail "'],
      [['x', '#tag'], 'x,"#tag"'],
      [['x', 'two\nlines'], 'x,"two\nlines"'],
      [['', 'x'], '"",x'],
      [['x', ''], 'x,'],
      [[null, 'x'], ',x'],
      [['é', 'x'], '"é",x'],
    ])('%j -> %s', (fields, line) => {
      expect(writeCsvRecord(fields, ',')).toBe(line);
      expect(readCsvRecord(line, ',')).toEqual(fields.map((f) => f ?? ''));
    });

    it('reads quoted fields with delimiters and doubled quotes, and refuses text after a closing quote', () => {
      expect(readCsvRecord('"a,b","c""d" ,e', ',')).toEqual(['a,b', 'c"d', 'e']);
      expect(readCsvRecord('\r\n1,2\r\n3,4', ',')).toEqual(['1', '2']);
      expect(readCsvRecord('a,', ',')).toEqual(['a', '']);
      expect(() => readCsvRecord('"a"b,c', ',')).toThrow(/invalid char between encapsulated token and delimiter/);
      expect(() => readCsvRecord('"open', ',')).toThrow(/EOF/);
    });
  });

  it('keeps decimals at their scale and quotes negative first fields (QTT "read written decimals")', async () => {
    const serde = await createRowSerde('DELIMITED', [{ name: 'V', type: Types.decimal(33, 16) }], { isKey: false });
    for (const [input, output] of [
      ['12345678987654321.2345678987654321', '12345678987654321.2345678987654321'],
      ['.12', '0.1200000000000000'],
      ['-12345.12', '"-12345.1200000000000000"'],
      ['"-12345.12"', '"-12345.1200000000000000"'],
      ['0', '0.0000000000000000'],
    ]) {
      expect(text(serde.serialize('t', serde.deserialize('t', bytes(input))))).toBe(output);
    }
  });

  it('reads quoted keys of every type (QTT delimited.json keys)', async () => {
    const cases: [Column['type'], string, unknown][] = [
      [Types.BOOLEAN, '"true"', true],
      [Types.INTEGER, '"22"', 22],
      [Types.BIGINT, '998877665544332211', 998877665544332211n],
      [Types.DOUBLE, '"123.456"', 123.456],
      [Types.STRING, '"You"', 'You'],
    ];
    for (const [type, input, value] of cases) {
      const serde = await createRowSerde('DELIMITED', [{ name: 'K', type }], { isKey: true });
      expect(serde.deserialize('t', bytes(input))).toEqual([value]);
    }
  });

  it('reads an empty field as NULL and writes NULL as an empty field', async () => {
    const serde = await createRowSerde('DELIMITED', COLUMNS, { isKey: false });
    expect(serde.deserialize('t', bytes('1,,3'))).toEqual([1n, null, 3]);
    expect(text(serde.serialize('t', [1n, null, null]))).toBe('1,,');
  });

  it('uses the configured delimiter, TAB and SPACE by name', async () => {
    for (const [delimiter, line] of [
      ['|', '0|zero|0'],
      ['TAB', '0\tzero\t0'],
      ['SPACE', '0 zero 0'],
      ['$', '0$zero$0'],
    ]) {
      const serde = await createRowSerde('DELIMITED', COLUMNS, { isKey: false, delimiter });
      expect(text(serde.serialize('t', [0n, 'zero', 0]))).toBe(line);
      expect(serde.deserialize('t', bytes(line))).toEqual([0n, 'zero', 0]);
    }
    const keys = await createRowSerde('DELIMITED', [{ name: 'K1', type: Types.STRING }, { name: 'K2', type: Types.STRING }], { isKey: true, delimiter: ';' });
    expect(keys.deserialize('t', bytes('foo,bar;baz'))).toEqual(['foo,bar', 'baz']);
  });

  it('validates delimiters with ksqlDB messages', () => {
    expect(parseDelimiter('tab')).toBe('\t');
    expect(() => parseDelimiter('<~>')).toThrow(
      "Configuration VALUE_DELIMITER is invalid: Invalid delimiter value: '<~>'. Delimiter must be a single character or TAB,SPACE\nExample valid value: ';'",
    );
    for (const empty of ['', ' ', '\t']) {
      expect(() => parseDelimiter(empty)).toThrow(
        "Configuration VALUE_DELIMITER is invalid: Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'",
      );
    }
  });

  it('fails records with the wrong number of fields or unparsable fields', async () => {
    const serde = await createRowSerde('DELIMITED', COLUMNS, { isKey: false });
    expect(() => serde.deserialize('orders', bytes('1,2'))).toThrow('Column count mismatch on deserialization. topic: orders, expected: 3, got: 2');
    expect(() => serde.deserialize('orders', bytes('x,y,z'))).toThrow(SerializationError);
    expect(() => serde.deserialize('orders', bytes(''))).toThrow('No fields in record');
  });

  it('refuses types without a text form and WRAP_SINGLE_VALUE=true', async () => {
    await expect(createRowSerde('DELIMITED', [{ name: 'K', type: Types.array(Types.DOUBLE) }], { isKey: true })).rejects.toThrow(
      "Key format does not support schema.\nformat: DELIMITED\nschema: Persistence{columns=[`K` ARRAY<DOUBLE> KEY], features=[]}\nreason: The 'DELIMITED' format does not support type 'ARRAY', column: `K`",
    );
    await expect(createRowSerde('DELIMITED', [{ name: 'FOO', type: Types.struct([{ name: 'F1', type: Types.DOUBLE }]) }], { isKey: false })).rejects.toThrow(
      "The 'DELIMITED' format does not support type 'STRUCT'",
    );
    await expect(createRowSerde('DELIMITED', [{ name: 'FOO', type: Types.INTEGER }], { isKey: false, wrapSingleValue: true })).rejects.toThrow(
      "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'.",
    );
  });
});
