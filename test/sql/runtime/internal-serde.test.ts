import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { internalDeserialize, internalSerde, internalSerialize, internalStoreKey } from '../../../sql/runtime/internal-serde.js';
import { Dec } from '../../../sql/types/decimal.js';

const roundTrip = (v: unknown): unknown => internalDeserialize(internalSerialize(v));
const hex = (v: unknown): string => internalSerialize(v).toString('hex');

describe('internal serde', () => {
  it('lays a row out as tagged values (the layout in its header)', () => {
    expect(hex([5n, 'ab', null])).toBe('0a00000003' + '050000000000000005' + '07000000026162' + '00');
    expect(hex(true)).toBe('02');
    expect(hex(-1)).toBe('03ffffffff');
    expect(hex(1.5)).toBe('043ff8000000000000');
    expect(hex(-1n)).toBe('05ffffffffffffffff');
    // Below and beyond 2^53 (written two ways) alike: int64 big-endian.
    for (const v of [2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 4294967296n, -4294967297n]) {
      const int64 = Buffer.alloc(8);
      int64.writeBigInt64BE(v);
      expect(hex(v)).toBe('05' + int64.toString('hex'));
    }
    expect(hex(2n ** 63n)).toBe('06' + '00000013' + Buffer.from((2n ** 63n).toString()).toString('hex'));
  });

  it('round trips every kind of SQL value exactly', () => {
    const values: unknown[] = [
      null,
      true,
      false,
      0,
      -7,
      2147483647,
      -2147483648,
      2147483648,
      1.5,
      -0.25,
      1e300,
      Infinity,
      -Infinity,
      0n,
      -1n,
      9007199254740991n,
      -9007199254740991n,
      9007199254740992n,
      -9007199254740992n,
      9007199254740993n,
      -9007199254740993n,
      (1n << 63n) - 1n,
      -(1n << 63n),
      1n << 70n,
      -(1n << 90n) - 3n,
      '',
      'plain',
      'héllo wörld ✓ 😀',
      'a "quoted"\nline\u0000',
      Buffer.from([0, 1, 2, 255]),
      Buffer.alloc(0),
    ];
    for (const v of values) expect(roundTrip(v)).toEqual(v);
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Number.isNaN(roundTrip(NaN))).toBe(true);
    expect(roundTrip(undefined)).toBeNull();
  });

  it('keeps lone surrogates (strings that are not valid UTF-16)', () => {
    for (const s of ['\ud800', 'a\udc00b', 'x😀\ud83d']) expect(roundTrip(s)).toBe(s);
  });

  it('keeps DECIMAL digits and scale', () => {
    const d = roundTrip(new Dec('12.300')) as Decimal;
    expect(Decimal.isDecimal(d)).toBe(true);
    expect(d.toFixed()).toBe('12.3');
    expect((roundTrip(new Dec('-123456789012345678901234567890.000000001')) as Decimal).toFixed()).toBe('-123456789012345678901234567890.000000001');
  });

  it('round trips nested arrays, maps and structs', () => {
    const value = [
      [1n, null, [2, 'x']],
      new Map<unknown, unknown>([
        ['k', 9007199254740993n],
        ['n', null],
        ['m', new Map([['inner', [true]]])],
      ]),
      { A: 1, b: { C: [new Dec('1.50')], D: null } },
    ];
    const back = roundTrip(value) as unknown[];
    expect(back[0]).toEqual(value[0]);
    expect(back[1]).toEqual(value[1]);
    const struct = back[2] as Record<string, unknown>;
    expect(Object.keys(struct)).toEqual(['A', 'b']);
    expect((struct.b as { C: Decimal[] }).C[0]!.toFixed()).toBe('1.5');
    const own = roundTrip(JSON.parse('{"__proto__":1,"A":2}')) as Record<string, unknown>;
    expect(Object.keys(own)).toEqual(['__proto__', 'A']);
    expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
  });

  it('writes equal values as equal bytes, and different ones differently', () => {
    expect(hex([1n, 'a'])).toBe(hex([1n, 'a']));
    expect(hex(new Map([['a', 1]]))).toBe(hex(new Map([['a', 1]])));
    expect(hex(1n)).not.toBe(hex(1));
    expect(hex('1')).not.toBe(hex(1));
    expect(hex([null])).not.toBe(hex([]));
    expect(internalStoreKey([42n, 'k'])).toBe(internalSerialize([42n, 'k']).toString('latin1'));
  });

  it('gives stores the key string without a Buffer, and reads what it serialized', () => {
    const serde = internalSerde<unknown[]>();
    expect(serde.storeKey!([7n])).toBe(serde.serialize('t', [7n])!.toString('latin1'));
    expect(serde.deserialize('t', serde.serialize('t', [7n, 'x']))).toEqual([7n, 'x']);
    expect(serde.serialize('t', null)).toBeNull();
    expect(serde.deserialize('t', null)).toBeNull();
  });

  it('grows past its scratch buffer', () => {
    const big = 'x'.repeat(100_000) + 'é'.repeat(50_000);
    expect(roundTrip([big, big])).toEqual([big, big]);
  });

  it('still reads the JSON encoding of earlier versions', () => {
    const legacy = Buffer.from(JSON.stringify([{ '\u0000n': '9007199254740993' }, { '\u0000d': '1.50' }, { '\u0000b': 'AQI=' }, { '\u0000m': [['k', 1]] }, { '\u0000f': 'NaN' }, 'x', 1]));
    const [big, dec, bytes, map, nan, s, n] = internalDeserialize(legacy) as unknown[];
    expect(big).toBe(9007199254740993n);
    expect((dec as Decimal).toFixed()).toBe('1.5');
    expect(bytes).toEqual(Buffer.from([1, 2]));
    expect(map).toEqual(new Map([['k', 1]]));
    expect(Number.isNaN(nan)).toBe(true);
    expect([s, n]).toEqual(['x', 1]);
  });

  it('rejects truncated and trailing bytes', () => {
    const bytes = internalSerialize([1n, 'abc']);
    expect(() => internalDeserialize(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    expect(() => internalDeserialize(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(RangeError);
    expect(() => internalDeserialize(Buffer.from([0x1f]))).toThrow(/Unknown value tag/);
  });
});
