import { describe, expect, it } from 'vitest';
import { jsonRowReader } from '../../../sql/formats/json-codec.js';
import { parseJsonText } from '../../../sql/formats/json-parse.js';
import { jsonRowParser } from '../../../sql/formats/json-row-parser.js';
import { Types, type StructField } from '../../../sql/types/sql-type.js';
import { plain } from './helpers.js';

const FIELDS: StructField[] = [
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
  { name: 'c1', type: Types.STRING },
];

/** What the general path gives: the row, or the error's message. */
function general(text: string): unknown {
  try {
    return plain(jsonRowReader(FIELDS)(parseJsonText(text)));
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** A small seeded PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const NUMBERS = ['0', '-0', '7', '-7', '123456789012345', '1234567890123456', '9007199254740993', '-99999999999999999999', '1.5', '1.50', '10', '1e3', '1E+2', '2e-3', '0.1', '-0.0', '01', '1.', '.5', '-', '1e', '3723004', '19000', '86400001', '2147483648', '12.345'];
const STRINGS = ['""', '"x"', '"1.5"', '"42"', '"true"', '"a\\"b"', '"tab\\there"', '"\\u00e9\\ud83d\\ude00"', '"é ✓"', '"dmFy"', '"bad\\x"', '"raw\ttab"', '"raw\nline"', '"unterminated', '"NaN"', '"\\ud800"'];
const OTHERS = ['true', 'false', 'null', 'nul', 'tru', '[1,2]', '[]', '{"X":1}', '[1,', '{}', 'undefined', 'NaN'];
const KEYS = ['B', 'I', 'L', 'D', 'DEC', 'S', 'BY', 'DT', 'TM', 'TS', 'A', 'c1', 'C1', 'b', 's', 'EXTRA', 'other', 'S\\u0020', 'L\\"', '__proto__', 'constructor'];
const SPACES = ['', '', '', ' ', '\n', '\t', '\r\n  '];

function document(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const sp = () => (next() < 0.8 ? '' : pick(SPACES));
  const value = () => {
    const r = next();
    return r < 0.45 ? pick(NUMBERS) : r < 0.8 ? pick(STRINGS) : pick(OTHERS);
  };
  if (next() < 0.03) return pick(['null', ' null ', 'nullx', '[]', '1', '"x"', '', '{', '{"B":true}x', '{"B":true,}']);
  const n = Math.floor(next() * 8);
  const fields: string[] = [];
  for (let k = 0; k < n; k++) fields.push(`${sp()}"${pick(KEYS)}"${sp()}:${sp()}${value()}${sp()}`);
  return `${sp()}{${fields.join(',')}}${sp()}`;
}

describe('the one-pass JSON row parser', () => {
  const parseBytes = jsonRowParser(FIELDS)!;
  const parser = (text: string) => parseBytes(Buffer.from(text, 'utf8'));

  it('reads typical records in one pass', () => {
    const text = '{"B":true,"I":-7,"L":998877665544332,"D":1.5,"DEC":12.30,"S":"a \\"q\\"","BY":"dmFy","DT":19000,"TM":3723004,"TS":1600000000123,"c1":"x"}';
    const row = parser(text);
    expect(row).toBeDefined();
    expect(plain(row)).toEqual(general(text));
    expect(parser(' null ')).toBeNull();
    expect(parser('{}')).toEqual(FIELDS.map(() => null));
  });

  it('keeps the text of numbers read into STRING, DECIMAL scale and BIGINTs beyond 2^53', () => {
    const row = parser('{"S":1.50,"DEC":1.5,"L":9007199254740993,"c1":1e3}')!;
    expect(row[5]).toBe('1.50');
    expect(plain(row[4])).toBe('decimal:1.5');
    expect(row[2]).toBe(9007199254740993n);
    expect(row[11]).toBe('1e3');
  });

  it('declines what it does not take: nested values, case-insensitive keys, repeats, errors', () => {
    for (const text of ['{"A":[1]}', '{"s":"x"}', '{"S":"x","S":"y"}', '{"B":1}', '{"S":"x"', '{"S":"x"}x', '{"S\\u0020":1}', '{"I":"x"}', '[1]']) {
      expect(parser(text), text).toBeUndefined();
    }
  });

  it('reads rows wider than the columns when asked (a source row widened in place)', () => {
    const wide = jsonRowParser([{ name: 'A', type: Types.BIGINT }], 4)!;
    expect(wide(Buffer.from('{"A":1}'))).toEqual([1n, null, null, null]);
    expect(wide(Buffer.from('xx{"A":2}'), 2)).toEqual([2n, null, null, null]);
  });

  it('never matches a key by its raw bytes when JSON writes the name with an escape', () => {
    const odd = jsonRowParser([{ name: 'a"b', type: Types.STRING }])!;
    expect(odd(Buffer.from('{"a"b":"x"}'))).toBeUndefined();
    expect(odd(Buffer.from('{"a\\"b":"x"}'))).toBeUndefined();
  });

  it('is not used when a column is another upper-cased (the general path could fill one from the other)', () => {
    expect(jsonRowParser([{ name: 'a', type: Types.STRING }, { name: 'A', type: Types.STRING }])).toBeUndefined();
  });

  it('gives what the general path gives for every document it takes (random documents)', () => {
    const next = random(20_240_601);
    let taken = 0;
    for (let n = 0; n < 20_000; n++) {
      const text = document(next);
      const row = parser(text);
      if (row === undefined) continue;
      taken++;
      expect(row === null ? null : plain(row), text).toEqual(general(text));
    }
    // Enough of them take the one-pass route for this to mean something.
    expect(taken).toBeGreaterThan(2_000);
  });
});
