import { isLosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { jsonRowReader, parseJson } from '../../../sql/formats/json-codec.js';
import { hasOnlyExactIntegers, parseJsonText } from '../../../sql/formats/json-parse.js';
import { Types, type StructField } from '../../../sql/types/sql-type.js';
import { plain } from './helpers.js';

const FIELDS: StructField[] = [
  { name: 'I', type: Types.INTEGER },
  { name: 'L', type: Types.BIGINT },
  { name: 'D', type: Types.DOUBLE },
  { name: 'DEC', type: Types.decimal(20, 3) },
  { name: 'S', type: Types.STRING },
  { name: 'TS', type: Types.TIMESTAMP },
  { name: 'A', type: Types.array(Types.BIGINT) },
  { name: 'AS', type: Types.array(Types.STRING) },
  { name: 'M', type: Types.map(Types.STRING, Types.decimal(10, 2)) },
  { name: 'ST', type: Types.struct([{ name: 'X', type: Types.BIGINT }, { name: 'Y', type: Types.STRING }]) },
];

const read = jsonRowReader(FIELDS);
const outcome = (parse: (text: string) => unknown, text: string): unknown => {
  try {
    return plain(read(parse(text)));
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
};

describe('parsing JSON text', () => {
  it('takes JSON.parse only for documents whose numbers are integers it reads exactly', () => {
    expect(hasOnlyExactIntegers('{"A":1,"B":-20,"C":"1.5e3 -0 12345678901234567","D":[9007199254740991]}')).toBe(true);
    for (const text of ['{"A":1.5}', '{"A":1e3}', '{"A":-0}', '{"A":9007199254740992}', '{"A":12345678901234567}', '[1E2]']) {
      expect(hasOnlyExactIntegers(text), text).toBe(false);
    }
    expect(hasOnlyExactIntegers('{"A":"x\\"1.5","B":2}')).toBe(true);
    expect(hasOnlyExactIntegers('{"A":"x\\\\",  "B":2.5}')).toBe(false);
  });

  it('gives lossless numbers where JSON.parse would lose digits or text', () => {
    const doc = parseJsonText('{"L":9007199254740993,"S":1.50}') as Record<string, unknown>;
    expect(isLosslessNumber(doc.L) && isLosslessNumber(doc.S)).toBe(true);
    expect(parseJsonText('{"L":42}')).toEqual({ L: 42 });
  });

  it('reads every row as the lossless parse does, errors included (random documents)', () => {
    let x = 77;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 0x1_0000_0000;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const scalars = ['0', '-0', '5', '-12', '1.50', '1e3', '123456789012345', '9007199254740991', '9007199254740993', '-123456789012345678901', '0.125', '"7"', '"x\\"y"', 'true', 'null', '"1.5"'];
    const value = (depth: number): string => {
      const r = next();
      if (depth < 2 && r < 0.15) return `[${Array.from({ length: Math.floor(next() * 3) }, () => value(depth + 1)).join(',')}]`;
      if (depth < 2 && r < 0.3) return `{${Array.from({ length: Math.floor(next() * 3) }, () => `"${pick(['X', 'Y', 'k', 'y'])}":${value(depth + 1)}`).join(',')}}`;
      return pick(scalars);
    };
    for (let n = 0; n < 5_000; n++) {
      const keys = ['I', 'L', 'D', 'DEC', 'S', 'TS', 'A', 'AS', 'M', 'ST', 'st', 'other'];
      const text = `{${Array.from({ length: Math.floor(next() * 6) }, () => `"${pick(keys)}":${value(0)}`).join(',')}}`;
      expect(outcome(parseJsonText, text), text).toEqual(outcome(parseJson, text));
    }
  });

  it('words syntax errors as lossless-json does', () => {
    for (const text of ['{"A":1,}', '{"A":01}', '', '{"A":1} x', '{"A":"\t"}']) {
      expect(outcome(parseJsonText, text), text).toEqual(outcome(parseJson, text));
    }
  });
});
