import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from '../../../sql/formats/byte-io.js';
import { readPrefix, writePrefix } from '../../../sql/formats/confluent-wire.js';
import { javaDoubleToString, javaFloatToString, parseJavaDouble, parseJavaInt, parseJavaLong } from '../../../sql/formats/java-text.js';
import { bigIntToTwosComplement, twosComplementToBigInt } from '../../../sql/formats/decimal-codec.js';
import { fromHex, hex } from './helpers.js';

const written = (write: (w: ByteWriter) => void) => {
  const w = new ByteWriter(1);
  write(w);
  return hex(w.toBuffer());
};

describe('varints', () => {
  it.each<[number | bigint, string]>([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2n ** 64n - 1n, 'ffffffffffffffffff01'],
    [-1, 'ffffffffffffffffff01'],
  ])('unsigned %s -> %s', (value, bytes) => {
    expect(written((w) => w.varint(value))).toBe(bytes);
    expect(new ByteReader(fromHex(bytes)).varint()).toBe(BigInt.asUintN(64, BigInt(value)));
  });

  it.each<[number | bigint, string]>([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [64, '8001'],
    [-2147483648, 'ffffffff0f'],
    [2147483647, 'feffffff0f'],
    [-9223372036854775808n, 'ffffffffffffffffff01'],
  ])('zigzag %s -> %s', (value, bytes) => {
    expect(written((w) => w.zigzag(value))).toBe(bytes);
    expect(new ByteReader(fromHex(bytes)).zigzag()).toBe(BigInt(value));
    if (typeof value === 'number') expect(new ByteReader(fromHex(bytes)).zigzag32()).toBe(value);
  });

  it('refuses truncated and over-long input', () => {
    expect(() => new ByteReader(fromHex('80')).varint()).toThrow(/Truncated/);
    expect(() => new ByteReader(fromHex('ffffffffffffffffffff01')).varint()).toThrow(/more than ten bytes/);
  });
});

describe('Confluent wire prefix', () => {
  it.each<[number, number[] | undefined, string]>([
    [1, undefined, '0000000001'],
    [7, [0], '000000000700'],
    [7, [1], '00000000070202'],
    [7, [0, 2], '0000000007040004'],
    [256, [3, 1, 0], '000000010006060200'],
  ])('id %s, message indexes %j', (id, indexes, bytes) => {
    expect(written((w) => writePrefix(w, id, indexes))).toBe(bytes);
    const prefix = readPrefix(fromHex(bytes), indexes !== undefined);
    expect(prefix.schemaId).toBe(id);
    expect(prefix.messageIndexes).toEqual(indexes);
    expect(prefix.offset).toBe(bytes.length / 2);
  });
});

describe('two’s complement', () => {
  it.each<[bigint, string]>([
    [0n, '00'],
    [1234n, '04d2'],
    [-1n, 'ff'],
    [127n, '7f'],
    [128n, '0080'],
    [-128n, '80'],
    [-129n, 'ff7f'],
  ])('%s as BigInteger.toByteArray writes it: %s', (n, bytes) => {
    expect(hex(bigIntToTwosComplement(n))).toBe(bytes);
    expect(twosComplementToBigInt(fromHex(bytes))).toBe(n);
  });
});

describe('Java number text', () => {
  it.each<[number, string]>([
    [1, '1.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [123.456, '123.456'],
    [1e7, '1.0E7'],
    [1.5e-5, '1.5E-5'],
    [0.001, '0.001'],
    [9999999.5, '9999999.5'],
    [-0.001, '-0.001'],
    [0.00099999, '9.9999E-4'],
    [-5, '-5.0'],
    [1234567, '1234567.0'],
    [9999999.999999998, '9999999.999999998'],
    [1e21, '1.0E21'],
    [Infinity, 'Infinity'],
  ])('Double.toString(%s) = %s', (d, text) => {
    expect(javaDoubleToString(d)).toBe(text);
  });

  it('prints floats with their own shortest digits', () => {
    expect(javaFloatToString(Math.fround(1.1))).toBe('1.1');
    expect(javaFloatToString(Math.fround(4))).toBe('4.0');
    expect(javaFloatToString(Math.fround(1e10))).toBe('1.0E10');
  });

  it('parses as Integer/Long/Double.parse* do', () => {
    expect(parseJavaInt('-12')).toBe(-12);
    expect(() => parseJavaInt('2147483648')).toThrow();
    expect(() => parseJavaInt('1.0')).toThrow();
    expect(parseJavaLong('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseJavaDouble(' 1e3 ')).toBe(1000);
    expect(parseJavaDouble('2.5f')).toBe(2.5);
    expect(parseJavaDouble('-Infinity')).toBe(-Infinity);
    expect(() => parseJavaDouble('abc')).toThrow();
  });
});
