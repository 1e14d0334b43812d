/**
 * Per-partition producer state: what idempotence and transactions need from the log.
 *
 * For each producer id: its epoch, the metadata of its last few batches (a retried batch that
 * matches one of them is a duplicate and is answered with the original offsets, not written
 * again), and the first offset of its open transaction. Open transactions bound the
 * last stable offset (LSO): read_committed consumers read no further.
 *
 * A snapshot (`<offset>.snapshot`, written when a segment rolls) lets a restart replay only the
 * batches after it:
 *
 *   version int16 (1) | crc uint32 (CRC-32C of the rest) | count int32 | entry*
 *   entry: producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 |
 *          offsetDelta int32 (lastSequence - firstSequence) | timestamp int64 |
 *          coordinatorEpoch int32 | currentTxnFirstOffset int64 (-1 none)
 */
import { KafkaError } from '../errors.js';
import { crc32c } from './crc32c.js';
import { readInt64, writeInt64 } from './record-batch.js';

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Newest last; at most `MAX_BATCHES`. */
  batches: BatchMetadata[];
  coordinatorEpoch: number;
  currentTxnFirstOffset: number;
  lastTimestamp: number;
}

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** The offset of the abort marker. */
  lastOffset: number;
  /** The LSO right after this transaction completed: no open transaction started before it. */
  lastStableOffset: number;
}

/** Kafka keeps the last five batches per producer, matching max.in.flight.requests.per.connection <= 5. */
const MAX_BATCHES = 5;
const INT32_MAX = 0x7fffffff;

export function sequenceAfter(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

export class ProducerStateManager {
  readonly producers = new Map<number, ProducerEntry>();
  private readonly ongoing = new Map<number, number>();

  /**
   * Checks a producer's data batch before it is appended. Returns the metadata of the batch it
   * duplicates, or null if it is new; throws when the epoch is stale or the sequence is out of order.
   */
  checkBatch(producerId: number, epoch: number, firstSeq: number, lastSeq: number, transactional: boolean, tp: string): BatchMetadata | null {
    const entry = this.producers.get(producerId);
    if (entry === undefined) {
      if (firstSeq !== 0 && !transactional) {
        throw new KafkaError('UNKNOWN_PRODUCER_ID', `Producer ${producerId} is unknown on ${tp} and sent sequence ${firstSeq}; a new producer starts at 0. The producer should reset its sequence (re-initialise).`);
      }
      if (firstSeq !== 0) {
        throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `Producer ${producerId} starts on ${tp} at sequence ${firstSeq}; expected 0.`);
      }
      return null;
    }
    if (epoch < entry.epoch) {
      throw new KafkaError('INVALID_PRODUCER_EPOCH', `Producer ${producerId} wrote with epoch ${epoch} to ${tp}, but epoch ${entry.epoch} is current: a newer producer with the same id (or transactional.id) fenced this one. Close it.`);
    }
    if (epoch > entry.epoch || entry.batches.length === 0) {
      if (firstSeq !== 0) {
        throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `Producer ${producerId} epoch ${epoch} must start at sequence 0 on ${tp}, got ${firstSeq}.`);
      }
      return null;
    }
    for (const b of entry.batches) {
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return b;
    }
    const last = entry.batches[entry.batches.length - 1]!;
    if (firstSeq !== sequenceAfter(last.lastSeq, 1)) {
      throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `Producer ${producerId} sent sequence ${firstSeq} to ${tp}; expected ${sequenceAfter(last.lastSeq, 1)} after ${last.lastSeq}. A batch in between was lost; the producer must not continue with gaps.`);
    }
    return null;
  }

  private entryFor(producerId: number, epoch: number): ProducerEntry {
    let entry = this.producers.get(producerId);
    if (entry === undefined) {
      entry = { producerId, epoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1, lastTimestamp: -1 };
      this.producers.set(producerId, entry);
    } else if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches = [];
    }
    return entry;
  }

  /** Records an appended data batch (also used when replaying the log at open). */
  onDataBatch(producerId: number, epoch: number, firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number, timestamp: number, transactional: boolean): void {
    const entry = this.entryFor(producerId, epoch);
    if (firstSeq >= 0) {
      entry.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset, timestamp });
      if (entry.batches.length > MAX_BATCHES) entry.batches.shift();
    }
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp);
    if (transactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset;
      this.ongoing.set(producerId, firstOffset);
    }
  }

  /** Whether the producer has a transaction open on this partition. */
  hasOngoing(producerId: number): boolean {
    return this.ongoing.has(producerId);
  }

  /**
   * Checks a transaction marker before it is written: a marker with an epoch older than the
   * producer's is refused.
   */
  checkMarker(producerId: number, epoch: number): void {
    const entry = this.producers.get(producerId);
    if (entry !== undefined && epoch < entry.epoch) {
      throw new KafkaError('INVALID_PRODUCER_EPOCH', `Transaction marker for producer ${producerId} has epoch ${epoch}, older than the current ${entry.epoch}.`);
    }
  }

  /**
   * Completes the producer's open transaction with a marker at `markerOffset`. Returns the aborted
   * transaction's index entry for an abort of a transaction that wrote here, else null.
   */
  onMarker(producerId: number, epoch: number, coordinatorEpoch: number, type: 'COMMIT' | 'ABORT', markerOffset: number, timestamp: number): AbortedTxn | null {
    const entry = this.entryFor(producerId, epoch);
    entry.coordinatorEpoch = coordinatorEpoch;
    entry.lastTimestamp = Math.max(entry.lastTimestamp, timestamp);
    const firstOffset = entry.currentTxnFirstOffset;
    entry.currentTxnFirstOffset = -1;
    this.ongoing.delete(producerId);
    if (type === 'COMMIT' || firstOffset < 0) return null;
    const lso = this.firstUnstableOffset() ?? markerOffset + 1;
    return { producerId, firstOffset, lastOffset: markerOffset, lastStableOffset: lso };
  }

  /** The first offset of the oldest open transaction, if any. */
  firstUnstableOffset(): number | undefined {
    let min: number | undefined;
    for (const offset of this.ongoing.values()) if (min === undefined || offset < min) min = offset;
    return min;
  }

  /** Open transactions: producer id -> first offset. */
  openTransactions(): ReadonlyMap<number, number> {
    return this.ongoing;
  }

  /** Forgets producers idle longer than `expirationMs` with no open transaction. */
  expire(now: number, expirationMs: number): void {
    for (const [pid, entry] of this.producers) {
      if (entry.currentTxnFirstOffset < 0 && entry.lastTimestamp >= 0 && now - entry.lastTimestamp > expirationMs) this.producers.delete(pid);
    }
  }

  clear(): void {
    this.producers.clear();
    this.ongoing.clear();
  }

  toSnapshot(): Buffer {
    const ENTRY = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
    const entries = [...this.producers.values()];
    const buf = Buffer.alloc(10 + entries.length * ENTRY);
    buf.writeInt16BE(1, 0);
    buf.writeInt32BE(entries.length, 6);
    let p = 10;
    for (const e of entries) {
      const last = e.batches[e.batches.length - 1];
      writeInt64(buf, p, e.producerId);
      buf.writeInt16BE(e.epoch, p + 8);
      buf.writeInt32BE(last?.lastSeq ?? -1, p + 10);
      writeInt64(buf, p + 14, last?.lastOffset ?? -1);
      buf.writeInt32BE(last ? last.lastSeq - last.firstSeq : 0, p + 22);
      writeInt64(buf, p + 26, e.lastTimestamp);
      buf.writeInt32BE(e.coordinatorEpoch, p + 34);
      writeInt64(buf, p + 38, e.currentTxnFirstOffset);
      p += ENTRY;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
    return buf;
  }

  /** Loads a snapshot; returns false (state left empty) if it is corrupt. */
  loadSnapshot(buf: Buffer): boolean {
    this.clear();
    const ENTRY = 46;
    if (buf.length < 10 || buf.readInt16BE(0) !== 1) return false;
    if (buf.readUInt32BE(2) !== crc32c(buf.subarray(6))) return false;
    const count = buf.readInt32BE(6);
    if (count < 0 || buf.length !== 10 + count * ENTRY) return false;
    let p = 10;
    for (let i = 0; i < count; i++) {
      const producerId = readInt64(buf, p);
      const lastSeq = buf.readInt32BE(p + 10);
      const lastOffset = readInt64(buf, p + 14);
      const delta = buf.readInt32BE(p + 22);
      const entry: ProducerEntry = {
        producerId,
        epoch: buf.readInt16BE(p + 8),
        batches: lastSeq >= 0 ? [{ firstSeq: lastSeq - delta, lastSeq, firstOffset: lastOffset - delta, lastOffset, timestamp: readInt64(buf, p + 26) }] : [],
        lastTimestamp: readInt64(buf, p + 26),
        coordinatorEpoch: buf.readInt32BE(p + 34),
        currentTxnFirstOffset: readInt64(buf, p + 38),
      };
      this.producers.set(producerId, entry);
      if (entry.currentTxnFirstOffset >= 0) this.ongoing.set(producerId, entry.currentTxnFirstOffset);
      p += ENTRY;
    }
    return true;
  }
}
