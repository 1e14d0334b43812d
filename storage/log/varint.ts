/**
 * Zig-zag variable-length integers as Kafka's record format uses them (protobuf's encoding):
 * 7 bits per byte, least significant group first, high bit set on every byte but the last.
 *
 *   value:  -1  0  1  -2  2 ...  ->  zig-zag:  1  0  2  3  4 ...
 *
 * `varint` holds an int32 (at most 5 bytes) and `varlong` an int64 (at most 10 bytes). Varlongs
 * are JS numbers: exact up to 2^53, which covers timestamps and offset deltas; wider values lose
 * precision rather than throwing.
 */

export function sizeOfVarint(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (v >= 0x80) {
    v >>>= 7;
    bytes++;
  }
  return bytes;
}

/** Writes `value` at `pos` and returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

function zigzagLong(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarlong(value: number): number {
  let v = zigzagLong(value);
  let bytes = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    bytes++;
  }
  return bytes;
}

export function writeVarlong(buf: Buffer, pos: number, value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, pos, value);
  let v = zigzagLong(value);
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/**
 * A cursor for reading varints; `pos` advances. Reading past `end` throws a RangeError, which
 * the record decoder turns into a CORRUPT_MESSAGE error.
 */
export class VarintReader {
  constructor(
    public buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  varint(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('varint runs past the end of the buffer');
      const b = buf[this.pos++]!;
      result |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 28) throw new RangeError('varint is longer than 5 bytes');
    }
    return (result >>> 1) ^ -(result & 1);
  }

  varlong(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) throw new RangeError('varlong runs past the end of the buffer');
      if (i >= 10) throw new RangeError('varlong is longer than 10 bytes');
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }
}
