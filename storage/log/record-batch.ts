/**
 * Kafka's RecordBatch v2 (magic 2): the unit the broker stores on disk and sends on the wire.
 *
 *   offset size field
 *   0      8    baseOffset            int64   assigned by the broker on append
 *   8      4    batchLength           int32   bytes after this field (so size = 12 + batchLength)
 *   12     4    partitionLeaderEpoch  int32
 *   16     1    magic                 int8    always 2
 *   17     4    crc                   uint32  CRC-32C of bytes [21, end)
 *   21     2    attributes            int16   bits 0-2 codec, 3 timestamp type (1 = LogAppendTime),
 *                                             4 transactional, 5 control, 6 delete horizon set
 *   23     4    lastOffsetDelta       int32
 *   27     8    baseTimestamp         int64   (the delete horizon when bit 6 is set)
 *   35     8    maxTimestamp          int64
 *   43     8    producerId            int64   -1 when not idempotent
 *   51     2    producerEpoch         int16
 *   53     4    baseSequence          int32
 *   57     4    recordCount           int32
 *   61     ...  records, compressed as one block when the codec is not 0
 *
 * Record (all lengths are zig-zag varints, -1 = null):
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint | key | valueLength varint | value |
 *   headerCount varint | (headerKeyLength varint | headerKey utf8 | headerValueLength varint | headerValue)*
 *
 * A control record (transaction marker) has key = version int16 | type int16 (0 abort, 1 commit)
 * and value = version int16 | coordinatorEpoch int32.
 */
import { KafkaError } from '../errors.js';
import type { RecordHeader, TimestampType } from '../types.js';
import { crc32c } from './crc32c.js';
import { Codec, compress, decompress } from './compression.js';
import { sizeOfVarint, sizeOfVarlong, VarintReader, writeVarint, writeVarlong } from './varint.js';

export const LOG_OVERHEAD = 12;
export const BATCH_HEADER_SIZE = 61;
export const MAGIC = 2;

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;

const CODEC_MASK = 0x07;
const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
const DELETE_HORIZON_BIT = 0x40;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

export type ControlType = 'ABORT' | 'COMMIT';

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[] | undefined;
  timestamp: number;
}

export interface LogRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

// int64 fields as JS numbers: exact to 2^53, which offsets, timestamps and producer ids stay under.
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 0x1_0000_0000, pos + 4);
}

export function batchSize(buf: Buffer, pos: number): number {
  return LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
}

export function readBatchHeader(buf: Buffer, pos: number): BatchHeader {
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + MAGIC_OFFSET),
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes: buf.readInt16BE(pos + ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP),
    producerId: readInt64(buf, pos + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT),
  };
}

export const codecOfAttributes = (attributes: number): Codec => (attributes & CODEC_MASK) as Codec;
export const isTransactional = (attributes: number): boolean => (attributes & TRANSACTIONAL_BIT) !== 0;
export const isControl = (attributes: number): boolean => (attributes & CONTROL_BIT) !== 0;
export const hasDeleteHorizon = (attributes: number): boolean => (attributes & DELETE_HORIZON_BIT) !== 0;
export const timestampTypeOf = (attributes: number): TimestampType =>
  (attributes & TIMESTAMP_TYPE_BIT) !== 0 ? 'LogAppendTime' : 'CreateTime';

export function lastOffsetOf(header: BatchHeader): number {
  return header.baseOffset + header.lastOffsetDelta;
}

function corrupt(message: string): KafkaError {
  return new KafkaError('CORRUPT_MESSAGE', message);
}

/**
 * Checks the batch at `pos` is whole, well-formed and matches its CRC; returns its size.
 * `end` bounds the bytes available. Throws CORRUPT_MESSAGE (or INVALID_RECORD for a batch that
 * is intact but not v2) with a reason.
 */
export function validateBatch(buf: Buffer, pos: number, end: number = buf.length): number {
  if (end - pos < BATCH_HEADER_SIZE) throw corrupt(`Record batch at byte ${pos} is truncated: ${end - pos} bytes, a batch header needs ${BATCH_HEADER_SIZE}.`);
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH);
  const size = LOG_OVERHEAD + batchLength;
  if (size < BATCH_HEADER_SIZE) throw corrupt(`Record batch at byte ${pos} declares ${batchLength} bytes, fewer than a batch header.`);
  if (pos + size > end) throw corrupt(`Record batch at byte ${pos} is truncated: it declares ${size} bytes, ${end - pos} are there.`);
  const magic = buf.readInt8(pos + MAGIC_OFFSET);
  if (magic !== MAGIC) {
    throw new KafkaError('UNSUPPORTED_FOR_MESSAGE_FORMAT', `Record batch at byte ${pos} has magic ${magic}; Freshet stores RecordBatch v2 only (magic 2): use a client that produces with Produce v3 or later.`);
  }
  const stored = buf.readUInt32BE(pos + CRC_OFFSET);
  const actual = crc32c(buf.subarray(pos + ATTRIBUTES, pos + size));
  if (stored !== actual) throw corrupt(`Record batch at byte ${pos} fails its CRC-32C check (stored ${stored.toString(16)}, computed ${actual.toString(16)}).`);
  const count = buf.readInt32BE(pos + RECORD_COUNT);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
  if (count < 0 || lastOffsetDelta < 0 || (count > 0 && lastOffsetDelta < count - 1)) {
    throw corrupt(`Record batch at byte ${pos} has ${count} records but lastOffsetDelta ${lastOffsetDelta}.`);
  }
  return size;
}

/** Recomputes and stores the CRC after the broker changed covered fields. */
export function updateCrc(buf: Buffer, pos: number): void {
  const size = batchSize(buf, pos);
  buf.writeUInt32BE(crc32c(buf.subarray(pos + ATTRIBUTES, pos + size)), pos + CRC_OFFSET);
}

/** Stamps LogAppendTime: the batch's max timestamp becomes `now` and the timestamp-type bit is set. */
export function setLogAppendTime(buf: Buffer, pos: number, now: number): void {
  buf.writeInt16BE(buf.readInt16BE(pos + ATTRIBUTES) | TIMESTAMP_TYPE_BIT, pos + ATTRIBUTES);
  writeInt64(buf, pos + MAX_TIMESTAMP, now);
  updateCrc(buf, pos);
}

export interface BatchOptions {
  compression?: Codec;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  timestampType?: TimestampType;
  /** Sets attribute bit 6 and uses this as the base timestamp (compaction's tombstone horizon). */
  deleteHorizonMs?: number;
  /** Soft size limit: `tryAppend` refuses a record that would pass it (unless the batch is empty). */
  sizeLimit?: number;
}

function headersSize(headers: RecordHeader[]): number {
  let size = sizeOfVarint(headers.length);
  for (const h of headers) {
    const keyLen = Buffer.byteLength(h.key);
    const valueLen = h.value === null ? -1 : h.value.length;
    size += sizeOfVarint(keyLen) + keyLen + sizeOfVarint(valueLen) + Math.max(valueLen, 0);
  }
  return size;
}

/**
 * Builds one record batch incrementally (the producer's accumulator keeps one per partition).
 * Records are written straight into a growing buffer behind room for the header; a compressed
 * batch compresses that buffer at `build()`.
 */
export class RecordBatchBuilder {
  private buf: Buffer;
  private pos = BATCH_HEADER_SIZE;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = -1;
  private lastOffsetDelta = -1;
  private readonly opts: BatchOptions;

  constructor(opts: BatchOptions = {}, initialCapacity = 1024) {
    this.opts = opts;
    this.buf = Buffer.allocUnsafe(Math.max(initialCapacity, BATCH_HEADER_SIZE + 64));
    if (opts.deleteHorizonMs !== undefined) this.baseTimestamp = opts.deleteHorizonMs;
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes so far, uncompressed. */
  get sizeInBytes(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < this.pos + extra) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * Appends a record unless it would pass the size limit of a non-empty batch. `offsetDelta`
   * defaults to the next one; the compactor passes original deltas to keep offsets.
   */
  tryAppend(record: RecordInput, offsetDelta = this.lastOffsetDelta + 1): boolean {
    return this.tryAppendParts(record.key, record.value, record.headers, record.timestamp, offsetDelta);
  }

  /** `tryAppend` without a record object (the producer's hot path). */
  tryAppendParts(key: Buffer | null, value: Buffer | null, headers: RecordHeader[] | undefined, timestamp: number, offsetDelta = this.lastOffsetDelta + 1): boolean {
    if (this.count === 0 && this.opts.deleteHorizonMs === undefined) this.baseTimestamp = timestamp;
    const tsDelta = timestamp - this.baseTimestamp;
    const keyLen = key === null ? -1 : key.length;
    const valueLen = value === null ? -1 : value.length;
    const bodySize =
      1 +
      sizeOfVarlong(tsDelta) +
      sizeOfVarint(offsetDelta) +
      sizeOfVarint(keyLen) +
      (keyLen > 0 ? keyLen : 0) +
      sizeOfVarint(valueLen) +
      (valueLen > 0 ? valueLen : 0) +
      (headers === undefined || headers.length === 0 ? 1 : headersSize(headers));
    const total = sizeOfVarint(bodySize) + bodySize;
    const limit = this.opts.sizeLimit;
    if (limit !== undefined && this.count > 0 && this.pos + total > limit) return false;
    this.ensure(total);
    const buf = this.buf;
    let p = writeVarint(buf, this.pos, bodySize);
    buf[p++] = 0;
    p = writeVarlong(buf, p, tsDelta);
    p = writeVarint(buf, p, offsetDelta);
    p = writeVarint(buf, p, keyLen);
    if (keyLen > 0) {
      buf.set(key!, p);
      p += keyLen;
    }
    p = writeVarint(buf, p, valueLen);
    if (valueLen > 0) {
      buf.set(value!, p);
      p += valueLen;
    }
    if (headers === undefined || headers.length === 0) {
      buf[p++] = 0;
    } else {
      p = writeVarint(buf, p, headers.length);
      for (const h of headers) {
        const keyBytes = Buffer.byteLength(h.key);
        p = writeVarint(buf, p, keyBytes);
        p += buf.write(h.key, p, 'utf8');
        if (h.value === null) {
          p = writeVarint(buf, p, -1);
        } else {
          p = writeVarint(buf, p, h.value.length);
          p += h.value.copy(buf, p);
        }
      }
    }
    this.pos = p;
    this.count++;
    this.lastOffsetDelta = offsetDelta;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    return true;
  }

  /** Sets lastOffsetDelta explicitly (a compacted batch keeps its original last offset). */
  setLastOffsetDelta(delta: number): void {
    this.lastOffsetDelta = delta;
  }

  /** Encodes the batch; `overrides` set header fields decided at send time (producer id, sequence, codec). */
  build(overrides?: BatchOptions): Buffer {
    const o = overrides === undefined ? this.opts : { ...this.opts, ...overrides };
    const codec = o.compression ?? Codec.None;
    let out: Buffer;
    if (codec === Codec.None) {
      out = this.buf.subarray(0, this.pos);
    } else {
      const compressed = compress(codec, this.buf.subarray(BATCH_HEADER_SIZE, this.pos));
      out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
      compressed.copy(out, BATCH_HEADER_SIZE);
    }
    let attributes = codec;
    if (o.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_BIT;
    if (o.transactional) attributes |= TRANSACTIONAL_BIT;
    if (o.control) attributes |= CONTROL_BIT;
    if (o.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_BIT;
    writeInt64(out, BASE_OFFSET, o.baseOffset ?? 0);
    out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
    out.writeInt32BE(o.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH);
    out.writeInt8(MAGIC, MAGIC_OFFSET);
    out.writeInt16BE(attributes, ATTRIBUTES);
    out.writeInt32BE(Math.max(this.lastOffsetDelta, 0), LAST_OFFSET_DELTA);
    writeInt64(out, BASE_TIMESTAMP, this.baseTimestamp);
    writeInt64(out, MAX_TIMESTAMP, this.maxTimestamp);
    writeInt64(out, PRODUCER_ID, o.producerId ?? NO_PRODUCER_ID);
    out.writeInt16BE(o.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH);
    out.writeInt32BE(o.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE);
    out.writeInt32BE(this.count, RECORD_COUNT);
    out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC_OFFSET);
    return out;
  }
}

/** Encodes records as one batch. */
export function encodeBatch(records: readonly RecordInput[], opts: BatchOptions = {}): Buffer {
  let estimate = BATCH_HEADER_SIZE;
  for (const r of records) estimate += 24 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  const builder = new RecordBatchBuilder(opts, estimate);
  for (const r of records) builder.tryAppend(r);
  return builder.build();
}

/** Encodes a transaction marker batch (a control batch with one record). */
export function encodeControlBatch(
  type: ControlType,
  opts: { producerId: number; producerEpoch: number; coordinatorEpoch?: number; timestamp: number; baseOffset?: number },
): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type === 'COMMIT' ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(opts.coordinatorEpoch ?? 0, 2);
  return encodeBatch([{ key, value, timestamp: opts.timestamp }], {
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseOffset: opts.baseOffset ?? 0,
    transactional: true,
    control: true,
  });
}

/** The marker type of a control batch at `pos` (its one record's key). */
export function controlTypeOf(buf: Buffer, pos: number): ControlType {
  const records = decodeRecords(buf, pos);
  const key = records[0]?.key;
  if (!key || key.length < 4) throw corrupt(`Control batch at byte ${pos} has no marker key.`);
  return key.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT';
}

/** The records section of the batch at `pos`, decompressed. */
export function recordsSection(buf: Buffer, pos: number): Buffer {
  const size = batchSize(buf, pos);
  const body = buf.subarray(pos + BATCH_HEADER_SIZE, pos + size);
  const codec = codecOfAttributes(buf.readInt16BE(pos + ATTRIBUTES));
  return codec === Codec.None ? body : decompress(codec, body);
}

/**
 * Decodes the records of the batch at `pos` and pushes them to `out` (returned). Keys, values and
 * header values are views into `buf` (or into the decompressed block), not copies.
 */
export function decodeRecords(buf: Buffer, pos: number, out: LogRecord[] = []): LogRecord[] {
  return decodeRecordsWith(buf, pos, makeLogRecord, out);
}

const makeLogRecord = (offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]): LogRecord => ({ offset, timestamp, key, value, headers });

/** Decodes the records of the batch at `pos`, building each with `make` (no intermediate objects). */
export function decodeRecordsWith<T>(
  buf: Buffer,
  pos: number,
  make: (offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) => T,
  out: T[],
): T[] {
  const baseOffset = readInt64(buf, pos + BASE_OFFSET);
  const attributes = buf.readInt16BE(pos + ATTRIBUTES);
  const logAppendTime = (attributes & TIMESTAMP_TYPE_BIT) !== 0;
  const baseTimestamp = readInt64(buf, pos + BASE_TIMESTAMP);
  const maxTimestamp = logAppendTime ? readInt64(buf, pos + MAX_TIMESTAMP) : 0;
  const count = buf.readInt32BE(pos + RECORD_COUNT);
  const section = recordsSection(buf, pos);
  const end = section.length;
  cursor = 0;
  try {
    for (let i = 0; i < count; i++) {
      const length = varintAt(section, end);
      const recordEnd = cursor + length;
      if (length < 0 || recordEnd > end) throw new RangeError(`record ${i} declares ${length} bytes past the batch end`);
      cursor++; // attributes: unused
      const tsDelta = varlongAt(section, recordEnd);
      const offsetDelta = varintAt(section, recordEnd);
      const keyLen = varintAt(section, recordEnd);
      let key: Buffer | null = null;
      if (keyLen >= 0) {
        if (cursor + keyLen > recordEnd) throw new RangeError('key runs past the record');
        key = section.subarray(cursor, cursor + keyLen);
        cursor += keyLen;
      }
      const valueLen = varintAt(section, recordEnd);
      let value: Buffer | null = null;
      if (valueLen >= 0) {
        if (cursor + valueLen > recordEnd) throw new RangeError('value runs past the record');
        value = section.subarray(cursor, cursor + valueLen);
        cursor += valueLen;
      }
      const headerCount = varintAt(section, recordEnd);
      let headers: RecordHeader[] = NO_HEADERS;
      if (headerCount > 0) {
        headers = [];
        for (let h = 0; h < headerCount; h++) {
          const hkLen = varintAt(section, recordEnd);
          if (hkLen < 0 || cursor + hkLen > recordEnd) throw new RangeError('header key runs past the record');
          const hkey = section.toString('utf8', cursor, cursor + hkLen);
          cursor += hkLen;
          const hvLen = varintAt(section, recordEnd);
          let hvalue: Buffer | null = null;
          if (hvLen >= 0) {
            if (cursor + hvLen > recordEnd) throw new RangeError('header value runs past the record');
            hvalue = section.subarray(cursor, cursor + hvLen);
            cursor += hvLen;
          }
          headers.push({ key: hkey, value: hvalue });
        }
      } else if (headerCount < 0) {
        throw new RangeError(`negative header count ${headerCount}`);
      }
      if (cursor !== recordEnd) throw new RangeError(`record ${i} length does not match its fields`);
      out.push(make(baseOffset + offsetDelta, logAppendTime ? maxTimestamp : baseTimestamp + tsDelta, key, value, headers));
    }
  } catch (err) {
    if (err instanceof RangeError) throw corrupt(`Record batch at offset ${baseOffset} is malformed: ${err.message}.`);
    throw err;
  }
  return out;
}

// The record decoder's read position. A module-level cursor with small read functions lets V8
// inline the one-byte fast path, which is most lengths and deltas.
let cursor = 0;

function varintAt(buf: Buffer, end: number): number {
  return varAt(buf, end, false);
}

function varlongAt(buf: Buffer, end: number): number {
  return varAt(buf, end, true);
}

function varAt(buf: Buffer, end: number, long: boolean): number {
  // Up to four bytes (28 bits: lengths, deltas) without allocating; longer ones and errors below.
  let pos = cursor;
  let result = 0;
  for (let shift = 0; shift < 28 && pos < end; shift += 7) {
    const b = buf[pos++]!;
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor = pos;
      return (result >>> 1) ^ -(result & 1);
    }
  }
  const r = new VarintReader(buf, cursor, end);
  const v = long ? r.varlong() : r.varint();
  cursor = r.pos;
  return v;
}

const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

/** Calls `fn(pos)` for each whole batch in `buf`, stopping at a partial trailing batch. */
export function forEachBatch(buf: Buffer, fn: (pos: number, size: number) => void): void {
  let pos = 0;
  while (pos + LOG_OVERHEAD <= buf.length) {
    const size = batchSize(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break;
    fn(pos, size);
    pos += size;
  }
}
