/**
 * 64-bit two's-complement integers as BIGINT values (bigint), big-endian, as Buffer's
 * readBigInt64BE/writeBigInt64BE lay them out. Those work in BigInt arithmetic throughout;
 * values below 2^53 in magnitude, which most are, go through a double's two 32-bit halves here
 * instead, which is several times faster.
 *
 *   -2n  ->  FF FF FF FF FF FF FF FE       2n ** 53n  ->  00 20 00 00 00 00 00 00
 */

const TWO_32 = 0x1_0000_0000;
const TWO_53 = 2 ** 53;

/** Writes v (which must fit 64 bits) at offset. */
export function writeBigInt64(buf: Buffer, offset: number, v: bigint): void {
  // Number(v) is exact below 2^53: rounding cannot bring a larger value into that range.
  const n = Number(v);
  if (n > -TWO_53 && n < TWO_53) {
    const hi = Math.floor(n / TWO_32);
    const lo = n - hi * TWO_32;
    buf[offset] = hi >>> 24;
    buf[offset + 1] = hi >>> 16;
    buf[offset + 2] = hi >>> 8;
    buf[offset + 3] = hi;
    buf[offset + 4] = lo >>> 24;
    buf[offset + 5] = lo >>> 16;
    buf[offset + 6] = lo >>> 8;
    buf[offset + 7] = lo;
  } else {
    buf.writeBigInt64BE(v, offset);
  }
}

/** Reads the 8 bytes at offset (which must be there). */
export function readBigInt64(buf: Buffer, offset: number): bigint {
  const hi = (buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!;
  if (hi < -0x20_0000 || hi >= 0x20_0000) return buf.readBigInt64BE(offset);
  const lo = buf[offset + 4]! * 0x100_0000 + ((buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!);
  return BigInt(hi * TWO_32 + lo);
}
