/**
 * Kafka protocol primitives: a `Reader` over a Buffer and a `Writer` that grows one. All
 * integers are big-endian.
 *
 *   int8 | int16 | int32 | int64     1 | 2 | 4 | 8 bytes, two's complement
 *   uint16 | uint32 | float64        2 | 4 | 8 bytes (float64: IEEE 754)
 *   bool                             1 byte, 0 = false, anything else = true
 *   uuid                             16 bytes
 *   unsigned varint                  7 bits per byte, low group first, high bit = "more"; <= 5 bytes
 *   varint | varlong                 zig-zag ((n << 1) ^ (n >> 31|63)) then as unsigned; <= 5 | 10 bytes
 *
 *   string            int16 length N, N bytes UTF-8            (nullable: N = -1 is null)
 *   compact string    unsigned varint N+1, N bytes UTF-8       (nullable: 0 is null)
 *   bytes             int32 length N, N bytes                  (nullable: N = -1 is null)
 *   compact bytes     unsigned varint N+1, N bytes             (nullable: 0 is null)
 *   array             int32 count N, N elements                (nullable: N = -1 is null)
 *   compact array     unsigned varint N+1, N elements          (nullable: 0 is null)
 *   tagged fields     unsigned varint count, then per field: unsigned varint tag,
 *                     unsigned varint size, size bytes
 *
 * Every read is bounds-checked against `end` and fails with a KafkaError, so a truncated or
 * hostile frame can neither read past its end nor make a decoder allocate or loop on a length
 * it cannot back with bytes.
 */
import { KafkaError } from '../../../storage/errors.js';

/** Kafka's Uuid is shown as 22 characters of unpadded base64url; so is ours. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

function malformed(message: string): KafkaError {
  return new KafkaError('INVALID_REQUEST', message);
}

export class Reader {
  buf: Buffer;
  pos: number;
  /** Reads stop here; the tagged-field decoder narrows it to one field's bytes. */
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private take(n: number): number {
    const at = this.pos;
    if (n > this.end - at) {
      throw malformed(`needs ${n} more byte(s) at offset ${at} but only ${this.end - at} remain`);
    }
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.take(1));
  }

  bool(): boolean {
    return this.buf[this.take(1)] !== 0;
  }

  int16(): number {
    return this.buf.readInt16BE(this.take(2));
  }

  uint16(): number {
    return this.buf.readUInt16BE(this.take(2));
  }

  int32(): number {
    return this.buf.readInt32BE(this.take(4));
  }

  uint32(): number {
    return this.buf.readUInt32BE(this.take(4));
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.take(8));
  }

  float64(): number {
    return this.buf.readDoubleBE(this.take(8));
  }

  uuid(): string {
    const at = this.take(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  unsignedVarint(): number {
    const buf = this.buf;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw malformed(`unsigned varint runs past the end at offset ${this.pos}`);
      const b = buf[this.pos++]!;
      // Multiplication rather than shifts: the fifth group would overflow a signed 32-bit shift.
      value += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        if (value > 0xffffffff) throw malformed(`unsigned varint ${value} does not fit 32 bits`);
        return value;
      }
    }
    throw malformed(`unsigned varint longer than 5 bytes at offset ${this.pos - 5}`);
  }

  varint(): number {
    const u = this.unsignedVarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  varlong(): bigint {
    const buf = this.buf;
    let value = 0n;
    for (let i = 0n; i < 10n; i++) {
      if (this.pos >= this.end) throw malformed(`varlong runs past the end at offset ${this.pos}`);
      const b = buf[this.pos++]!;
      value |= BigInt(b & 0x7f) << (7n * i);
      if (b < 0x80) return BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n));
    }
    throw malformed(`varlong longer than 10 bytes at offset ${this.pos - 10}`);
  }

  /** `n` bytes as a view of the underlying buffer: no copy, shares memory with the frame. */
  slice(n: number): Buffer {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }

  utf8(n: number): string {
    const at = this.take(n);
    return this.buf.toString('utf8', at, at + n);
  }

  /** An int16-length string; `null` for length -1 (callers decide whether null is allowed). */
  string(): string | null {
    const n = this.int16();
    if (n < 0) {
      if (n === -1) return null;
      throw malformed(`string length ${n} at offset ${this.pos - 2}`);
    }
    return this.utf8(n);
  }

  compactString(): string | null {
    const n = this.unsignedVarint() - 1;
    return n < 0 ? null : this.utf8(n);
  }

  /** An int32-length byte string (also `records` in non-flexible versions). */
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) {
      if (n === -1) return null;
      throw malformed(`bytes length ${n} at offset ${this.pos - 4}`);
    }
    return this.slice(n);
  }

  compactBytes(): Buffer | null {
    const n = this.unsignedVarint() - 1;
    return n < 0 ? null : this.slice(n);
  }

  /**
   * An array length, int32 or compact; -1 for null. Like Kafka, refuse a count larger than the
   * bytes left: no element is smaller than a byte, so such a count is a lie.
   */
  arrayLength(compact: boolean): number {
    const at = this.pos;
    const n = compact ? this.unsignedVarint() - 1 : this.int32();
    if (n < -1) throw malformed(`array length ${n} at offset ${at}`);
    if (n > this.end - this.pos) {
      throw malformed(`array of ${n} element(s) at offset ${at} but only ${this.end - this.pos} byte(s) remain`);
    }
    return n;
  }

  /** Skips a tagged-fields section, checking every size. */
  skipTaggedFields(): void {
    const count = this.unsignedVarint();
    for (let i = 0; i < count; i++) {
      this.unsignedVarint();
      this.take(this.unsignedVarint());
    }
  }
}

/** Raw buffers at least this long become chunks of their own instead of being copied. */
export const ZERO_COPY_THRESHOLD = 4096;

/**
 * A growable output buffer. `raw()` of a large Buffer (records) does not copy it: the bytes
 * written so far become one chunk, the Buffer another, and writing continues after them, so
 * `chunks()` can go to `socket.write` one by one (a writev under cork) without the payload ever
 * being copied.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  private chunkStart = 0;
  private readonly done: Buffer[] = [];
  private doneBytes = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far, including zero-copy chunks. */
  get length(): number {
    return this.doneBytes + this.pos - this.chunkStart;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.chunkStart;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + n, 256));
    this.buf.copy(next, 0, this.chunkStart, this.pos);
    this.buf = next;
    this.chunkStart = 0;
    this.pos = used;
  }

  int8(v: number): void {
    this.ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  uint16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  int32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  uint32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  int64(v: bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }

  float64(v: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  /** Writes the 16 bytes a base64url uuid string stands for (validated by the caller). */
  uuid(v: string): void {
    this.ensure(16);
    const n = this.buf.write(v, this.pos, 16, 'base64url');
    if (n !== 16) throw new KafkaError('INVALID_REQUEST', `'${v}' is not a 22-character base64url uuid`);
    this.pos += 16;
  }

  unsignedVarint(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let u = v >>> 0;
    while (u >= 0x80) {
      buf[this.pos++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    buf[this.pos++] = u;
  }

  varint(v: number): void {
    this.unsignedVarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  /** Appends bytes as they are; large ones by reference (see the class comment). */
  raw(b: Uint8Array): void {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      if (this.pos > this.chunkStart) this.done.push(this.buf.subarray(this.chunkStart, this.pos));
      this.done.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
      this.doneBytes += this.pos - this.chunkStart + b.length;
      this.chunkStart = this.pos;
      return;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  utf8(s: string, byteLength: number): void {
    this.ensure(byteLength);
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  string(s: string | null): void {
    if (s === null) return this.int16(-1);
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0x7fff) throw new KafkaError('INVALID_REQUEST', `a string of ${n} bytes does not fit an int16 length`);
    this.int16(n);
    this.utf8(s, n);
  }

  compactString(s: string | null): void {
    if (s === null) return this.unsignedVarint(0);
    const n = Buffer.byteLength(s, 'utf8');
    this.unsignedVarint(n + 1);
    this.utf8(s, n);
  }

  bytes(b: Uint8Array | null): void {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.raw(b);
  }

  compactBytes(b: Uint8Array | null): void {
    if (b === null) return this.unsignedVarint(0);
    this.unsignedVarint(b.length + 1);
    this.raw(b);
  }

  arrayLength(n: number | null, compact: boolean): void {
    if (compact) this.unsignedVarint(n === null ? 0 : n + 1);
    else this.int32(n === null ? -1 : n);
  }

  /**
   * Overwrites an int32 written earlier at absolute position `at` (a size prefix). It must lie
   * in the first chunk, i.e. before any zero-copy Buffer: `chunkStart` only moves on `raw()`,
   * so until then the current buffer starts at absolute position 0.
   */
  patchInt32(at: number, v: number): void {
    const first = this.done.length > 0 ? this.done[0]! : this.buf.subarray(0, this.pos);
    if (at < 0 || at + 4 > first.length) throw new RangeError(`cannot patch an int32 at ${at}: not in the first chunk`);
    first.writeInt32BE(v, at);
  }

  /** The output as chunks in order; zero-copy chunks are the caller's Buffers themselves. */
  chunks(): Buffer[] {
    const out = this.done.slice();
    if (this.pos > this.chunkStart || out.length === 0) out.push(this.buf.subarray(this.chunkStart, this.pos));
    return out;
  }

  /** The output as one Buffer (copies zero-copy chunks; prefer `chunks()` on hot paths). */
  toBuffer(): Buffer {
    if (this.done.length === 0) return this.buf.subarray(0, this.pos);
    return Buffer.concat(this.chunks(), this.length);
  }
}
