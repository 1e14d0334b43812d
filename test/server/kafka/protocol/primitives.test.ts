import { describe, expect, it } from 'vitest';

import { Reader, Writer, ZERO_COPY_THRESHOLD } from '../../../../server/kafka/protocol/index.js';
import { KafkaError } from '../../../../storage/errors.js';
import { hex } from './hex.js';

function bytes(fn: (w: Writer) => void): string {
  const w = new Writer(4);
  fn(w);
  return w.toBuffer().toString('hex');
}

describe('varints', () => {
  // Values and encodings from the protobuf / Kafka record format documentation.
  const unsigned: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16384, '808001'],
    [0xffffffff, 'ffffffff0f'],
  ];
  it.each(unsigned)('unsigned varint %d <-> %s', (value, encoded) => {
    expect(bytes((w) => w.unsignedVarint(value))).toBe(encoded);
    expect(new Reader(Buffer.from(encoded, 'hex')).unsignedVarint()).toBe(value);
  });

  const zigzag: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-2, '03'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ];
  it.each(zigzag)('varint %d <-> %s', (value, encoded) => {
    expect(bytes((w) => w.varint(value))).toBe(encoded);
    expect(new Reader(Buffer.from(encoded, 'hex')).varint()).toBe(value);
  });

  const zigzagLong: [bigint, string][] = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
  ];
  it.each(zigzagLong)('varlong %s <-> %s', (value, encoded) => {
    expect(bytes((w) => w.varlong(value))).toBe(encoded);
    expect(new Reader(Buffer.from(encoded, 'hex')).varlong()).toBe(value);
  });

  it('refuses over-long and unterminated varints', () => {
    expect(() => new Reader(hex`8080808080 00`).unsignedVarint()).toThrow(KafkaError);
    expect(() => new Reader(hex`8080`).unsignedVarint()).toThrow(KafkaError);
    expect(() => new Reader(hex`ffffffffffffffffffff 01`).varlong()).toThrow(KafkaError);
    expect(() => new Reader(hex`ffffffff1f`).unsignedVarint()).toThrow(/32 bits/);
  });
});

describe('fixed-width and length-prefixed values', () => {
  it('writes big-endian integers, floats, bools and uuids', () => {
    expect(bytes((w) => w.int8(-2))).toBe('fe');
    expect(bytes((w) => w.int16(-2))).toBe('fffe');
    expect(bytes((w) => w.uint16(0xfffe))).toBe('fffe');
    expect(bytes((w) => w.int32(-2))).toBe('fffffffe');
    expect(bytes((w) => w.uint32(0xfffffffe))).toBe('fffffffe');
    expect(bytes((w) => w.int64(-2n))).toBe('fffffffffffffffe');
    expect(bytes((w) => w.float64(1.5))).toBe('3ff8000000000000');
    expect(bytes((w) => w.bool(true))).toBe('01');
    expect(bytes((w) => w.uuid('ABEiM0RVZneImaq7zN3u_w'))).toBe('00112233445566778899aabbccddeeff');
  });

  it('reads them back', () => {
    const r = new Reader(hex`fe fffe fffe fffffffe fffffffe fffffffffffffffe 3ff8000000000000 02 00112233445566778899aabbccddeeff`);
    expect([r.int8(), r.int16(), r.uint16(), r.int32(), r.uint32(), r.int64(), r.float64(), r.bool(), r.uuid()]).toEqual([
      -2, -2, 0xfffe, -2, 0xfffffffe, -2n, 1.5, true, 'ABEiM0RVZneImaq7zN3u_w',
    ]);
    expect(r.remaining).toBe(0);
  });

  it('writes strings and bytes, classic and compact, with null', () => {
    expect(bytes((w) => w.string('hé'))).toBe('000368c3a9');
    expect(bytes((w) => w.string(null))).toBe('ffff');
    expect(bytes((w) => w.compactString('hé'))).toBe('0468c3a9');
    expect(bytes((w) => w.compactString(null))).toBe('00');
    expect(bytes((w) => w.bytes(Buffer.from([1])))).toBe('0000000101');
    expect(bytes((w) => w.bytes(null))).toBe('ffffffff');
    expect(bytes((w) => w.compactBytes(Buffer.alloc(0)))).toBe('01');
    expect(bytes((w) => w.compactBytes(null))).toBe('00');
  });

  it('reads strings and bytes, classic and compact, with null', () => {
    const r = new Reader(hex`000368c3a9 ffff 0468c3a9 00 0000000101 ffffffff 01 00`);
    expect([r.string(), r.string(), r.compactString(), r.compactString()]).toEqual(['hé', null, 'hé', null]);
    expect([r.bytes(), r.bytes(), r.compactBytes(), r.compactBytes()]).toEqual([Buffer.from([1]), null, Buffer.alloc(0), null]);
  });

  it('refuses a string too long for an int16 length', () => {
    expect(() => bytes((w) => w.string('x'.repeat(0x8000)))).toThrow(KafkaError);
  });

  it('never reads past end', () => {
    const r = new Reader(hex`00000001 ff`, 0, 4);
    expect(r.int32()).toBe(1);
    expect(() => r.int8()).toThrow(KafkaError);
    expect(() => new Reader(hex`0005 "abc"`).string()).toThrow(KafkaError);
  });
});

describe('Writer', () => {
  it('grows past its initial size', () => {
    const w = new Writer(1);
    for (let i = 0; i < 1000; i++) w.int32(i);
    const out = w.toBuffer();
    expect(out.length).toBe(4000);
    expect(out.readInt32BE(3996)).toBe(999);
  });

  it('keeps large raw buffers as their own chunks and patches a size prefix', () => {
    const big = Buffer.alloc(ZERO_COPY_THRESHOLD, 1);
    const w = new Writer(8);
    w.int32(0);
    w.int8(7);
    w.raw(big);
    w.int16(0x0102);
    w.raw(Buffer.from([9]));
    w.patchInt32(0, w.length - 4);
    const chunks = w.chunks();
    expect(chunks.map((c) => c.length)).toEqual([5, ZERO_COPY_THRESHOLD, 3]);
    expect(chunks[1]).toBe(big);
    const all = w.toBuffer();
    expect(all.readInt32BE(0)).toBe(1 + ZERO_COPY_THRESHOLD + 3);
    expect(all.subarray(all.length - 3).toString('hex')).toBe('010209');
  });
});
