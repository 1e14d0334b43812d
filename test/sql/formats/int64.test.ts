import { describe, expect, it } from 'vitest';
import { readBigInt64, writeBigInt64 } from '../../../sql/formats/int64.js';

const EDGES = [0n, 1n, -1n, -2n, 255n, 256n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), -(2n ** 32n) - 1n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];

function random64(): bigint {
  const b = Buffer.allocUnsafe(8);
  for (let i = 0; i < 8; i++) b[i] = Math.floor(Math.random() * 256);
  // Small magnitudes too, where the fast path is taken.
  return Math.random() < 0.5 ? b.readBigInt64BE(0) : BigInt.asIntN(64, b.readBigInt64BE(0) >> BigInt(Math.floor(Math.random() * 63)));
}

describe('int64', () => {
  it('writes the bytes Buffer.writeBigInt64BE writes', () => {
    for (const v of [...EDGES, ...Array.from({ length: 2000 }, random64)]) {
      const ours = Buffer.alloc(10, 0xaa);
      const node = Buffer.alloc(10, 0xaa);
      writeBigInt64(ours, 1, v);
      node.writeBigInt64BE(v, 1);
      expect(ours.toString('hex'), String(v)).toBe(node.toString('hex'));
    }
    const b = Buffer.alloc(8);
    writeBigInt64(b, 0, -2n);
    expect(b.toString('hex')).toBe('fffffffffffffffe');
  });

  it('reads what Buffer.readBigInt64BE reads', () => {
    for (const v of [...EDGES, ...Array.from({ length: 2000 }, random64)]) {
      const b = Buffer.alloc(9);
      b.writeBigInt64BE(v, 1);
      expect(readBigInt64(b, 1)).toBe(v);
    }
  });
});
