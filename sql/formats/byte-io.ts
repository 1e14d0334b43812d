/**
 * Growable byte output and a cursor over input, with the variable-length integers Avro and
 * Protobuf share: base-128 varints (low 7 bits first, high bit = more bytes follow) and zigzag
 * encoding of signed values (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...):
 *
 *   varint 300   -> AC 02          zigzag -1 -> 01      zigzag 1 -> 02      zigzag -64 -> 7F
 */

export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 64) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): this {
    this.ensure(1);
    this.buf[this.pos++] = b & 0xff;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** An unsigned varint of up to 64 bits. */
  varint(value: number | bigint): this {
    // Small non-negative numbers (lengths, tags, most values) skip BigInt.
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff && Number.isInteger(value)) {
      let n = value;
      while (n >= 0x80) {
        this.byte((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      return this.byte(n);
    }
    let v = BigInt.asUintN(64, BigInt(value));
    if (v < 0x80n) return this.byte(Number(v));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    return this.byte(Number(v));
  }

  /** A signed value zigzag-encoded as a varint (Avro int/long, Protobuf sint32/sint64). */
  zigzag(value: number | bigint): this {
    if (typeof value === 'number' && value >= -0x40000000 && value < 0x40000000 && Number.isInteger(value)) {
      return this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
    }
    const v = BigInt(value);
    return this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }

  uint32BE(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  int32BE(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  floatLE(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
    return this;
  }

  doubleLE(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
    return this;
  }

  uint32LE(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  uint64LE(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
    return this;
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

export class ByteReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new Error(`Truncated data: needed ${n} more bytes at offset ${this.pos}, have ${this.end - this.pos}`);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** An unsigned varint of up to 64 bits (ten bytes at most). */
  varint(): bigint {
    // Up to four bytes (28 bits) fit a number; longer varints finish in BigInt.
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      n |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return BigInt(n >>> 0);
    }
    this.pos -= 4;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new Error('Malformed varint: more than ten bytes');
  }

  /** A varint known to be small (lengths, counts, tags), as a number. */
  smallVarint(): number {
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      n |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return n >>> 0;
    }
    this.pos -= 4;
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`Varint ${v} is too large here`);
    return Number(v);
  }

  /** A zigzag varint that must fit 32 bits (Avro int), as a number. */
  zigzag32(): number {
    const v = this.smallVarint();
    if (v > 0xffffffff) throw new Error(`Zigzag varint ${v} does not fit 32 bits`);
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  zigzag(): bigint {
    const v = this.varint();
    return (v & 1n) === 0n ? v >> 1n : -(v >> 1n) - 1n;
  }

  int32BE(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  floatLE(): number {
    this.need(4);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  doubleLE(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  uint32LE(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  uint64LE(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
}
