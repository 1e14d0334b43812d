/**
 * Record formats of the internal topics, in Kafka's own layouts so tools that read
 * `__consumer_offsets` (lag monitors) understand it. string = int16 length | UTF-8 bytes.
 *
 * __consumer_offsets
 *   offset commit key    version int16 (1) | group string | topic string | partition int32
 *   group metadata key   version int16 (2) | group string                  (read and skipped)
 *   offset commit value  version int16 (3) | offset int64 | leaderEpoch int32 | metadata string | commitTimestamp int64
 *                        (versions 0 and 2 lack leaderEpoch; version 1 adds expireTimestamp int64 at the end)
 *   a null value is a tombstone: the committed offset was deleted
 *
 * __transaction_state
 *   key    version int16 (0) | transactionalId string
 *   value  version int16 (0) | producerId int64 | producerEpoch int16 | transactionTimeoutMs int32 |
 *          state int8 | partitions int32 count (-1 null) of (topic string | int32 count of int32) |
 *          lastUpdateTimestampMs int64 | startTimestampMs int64
 */
import { KafkaError } from '../errors.js';
import { readInt64, writeInt64 } from '../log/record-batch.js';

class Writer {
  private buf = Buffer.allocUnsafe(128);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    writeInt64(this.buf, this.pos, v);
    this.pos += 8;
    return this;
  }

  string(s: string): this {
    const len = Buffer.byteLength(s);
    this.ensure(2 + len);
    this.buf.writeInt16BE(len, this.pos);
    this.buf.write(s, this.pos + 2, 'utf8');
    this.pos += 2 + len;
    return this;
  }

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

class Reader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new KafkaError('CORRUPT_MESSAGE', 'An internal-topic record is truncated.');
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): number {
    this.need(8);
    const v = readInt64(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  string(): string {
    const len = this.int16();
    if (len < 0) return '';
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

// ------------------------------------------------------------------ __consumer_offsets

export interface OffsetKey {
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetValue {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export function encodeOffsetKey(k: OffsetKey): Buffer {
  return new Writer().int16(1).string(k.group).string(k.topic).int32(k.partition).done();
}

export function encodeOffsetValue(v: OffsetValue): Buffer {
  return new Writer().int16(3).int64(v.offset).int32(v.leaderEpoch).string(v.metadata).int64(v.commitTimestamp).done();
}

export type OffsetsTopicKey = ({ kind: 'offset' } & OffsetKey) | { kind: 'group'; group: string };

export function decodeOffsetsTopicKey(buf: Buffer): OffsetsTopicKey {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  if (version === 2) return { kind: 'group', group: r.string() };
  throw new KafkaError('CORRUPT_MESSAGE', `Unknown __consumer_offsets key version ${version}.`);
}

export function decodeOffsetValue(buf: Buffer): OffsetValue {
  const r = new Reader(buf);
  const version = r.int16();
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = r.int64();
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

// ------------------------------------------------------------------ __transaction_state

export const TXN_STATES = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort', 'Dead', 'PrepareEpochFence'] as const;
export type TxnState = (typeof TXN_STATES)[number];

export interface TxnMetadataRecord {
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  partitions: { topic: string; partition: number }[];
  lastUpdateTimestamp: number;
  startTimestamp: number;
}

export function encodeTxnKey(transactionalId: string): Buffer {
  return new Writer().int16(0).string(transactionalId).done();
}

export function decodeTxnKey(buf: Buffer): string {
  const r = new Reader(buf);
  r.int16();
  return r.string();
}

export function encodeTxnValue(v: TxnMetadataRecord): Buffer {
  const w = new Writer().int16(0).int64(v.producerId).int16(v.producerEpoch).int32(v.timeoutMs).int8(TXN_STATES.indexOf(v.state));
  const byTopic = new Map<string, number[]>();
  for (const tp of v.partitions) {
    const list = byTopic.get(tp.topic) ?? [];
    list.push(tp.partition);
    byTopic.set(tp.topic, list);
  }
  w.int32(byTopic.size);
  for (const [topic, parts] of byTopic) {
    w.string(topic).int32(parts.length);
    for (const p of parts) w.int32(p);
  }
  return w.int64(v.lastUpdateTimestamp).int64(v.startTimestamp).done();
}

export function decodeTxnValue(buf: Buffer): TxnMetadataRecord {
  const r = new Reader(buf);
  r.int16();
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const timeoutMs = r.int32();
  const state = TXN_STATES[r.int8()];
  if (state === undefined) throw new KafkaError('CORRUPT_MESSAGE', 'Unknown transaction state in __transaction_state.');
  const partitions: { topic: string; partition: number }[] = [];
  const topics = r.int32();
  for (let i = 0; i < topics; i++) {
    const topic = r.string();
    const n = r.int32();
    for (let j = 0; j < n; j++) partitions.push({ topic, partition: r.int32() });
  }
  return { producerId, producerEpoch, timeoutMs, state, partitions, lastUpdateTimestamp: r.int64(), startTimestamp: r.int64() };
}

/** Java's String.hashCode, which Kafka uses to place a group or transactional id on a partition. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs(id.hashCode()) % partitions. */
export function partitionForId(id: string, partitions: number): number {
  const h = javaStringHash(id);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}
