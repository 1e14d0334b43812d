/**
 * A partition's log: an ordered list of segments, the last one active. Appends validate the
 * producer's batches (framing, CRC, size, sequence), assign offsets in place and write the bytes
 * as they are; reads return stored bytes. Producer state (idempotence, open transactions) and the
 * aborted-transaction index live beside it.
 *
 * Files in the partition directory (`<topic>-<partition>/`), as in Kafka:
 *   <offset>.log / .index / .timeindex / .txnindex   segments
 *   <offset>.snapshot                                 producer state as of that offset
 *   log-start-offset, recovery-point                  checkpoints (decimal text)
 *   <offset>.log.cleaned / .swap                      the compactor's work in progress
 */
import { existsSync, fsyncSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { IsolationLevel } from '../types.js';
import { Codec, codecOf, type CompressionType } from './compression.js';
import { offsetFileName, writeFileAtomic } from './files.js';
import type { LogConfig } from './log-config.js';
import { type AbortedTxn, ProducerStateManager, sequenceAfter } from './producer-state.js';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BATCH_HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  RecordBatchBuilder,
  batchSize,
  codecOfAttributes,
  decodeRecords,
  encodeControlBatch,
  isControl,
  isTransactional,
  readInt64,
  setLogAppendTime,
  validateBatch,
  writeInt64,
  type ControlType,
} from './record-batch.js';
import { Segment } from './segment.js';
import { AbortedTxnIndex } from './txn-index.js';

export interface LogEnv {
  now(): number;
  logger: Logger;
  /**
   * Called when an append left bytes pending (not yet written to the file). The owner flushes
   * them soon (the broker: once per event-loop turn, before it acknowledges the appends).
   */
  onPendingWrites?(log: Log): void;
}

/** Pending appends are written once they reach this many bytes or buffers, or at the next flush. */
const PENDING_WRITE_BYTES = 1 << 20;
const PENDING_WRITE_BUFFERS = 512;

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker's timestamp when the topic uses LogAppendTime, else -1. */
  logAppendTime: number;
  logStartOffset: number;
  recordCount: number;
  /** True when the batch repeated one already written (an idempotent retry): nothing was written. */
  duplicate: boolean;
}

export interface FetchResult {
  /** Whole record batches as stored; may be empty. */
  records: Buffer;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** For read_committed: aborted transactions overlapping the records; null otherwise. */
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
}

export type AppendOrigin = 'client' | 'coordinator';

const INT32_MAX = 0x7fffffff;
const EMPTY: Buffer = Buffer.alloc(0);
/** How many producer-state snapshots to keep. */
const SNAPSHOTS_KEPT = 3;

export class Log {
  readonly producerState = new ProducerStateManager();
  private readonly txnIndex: AbortedTxnIndex;
  private segments: Segment[] = [];
  private _logStartOffset = 0;
  private unflushed = 0;
  private lastFlushAt: number;
  private recoveryPoint = 0;
  private closed = false;
  /** Offset up to which the log is compacted (the cleaner's checkpoint). */
  cleanedUpTo = 0;

  private constructor(
    readonly dir: string,
    readonly topic: string,
    readonly partition: number,
    public config: LogConfig,
    private readonly env: LogEnv,
  ) {
    this.txnIndex = new AbortedTxnIndex(dir);
    this.lastFlushAt = env.now();
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  /**
   * Opens (or creates) the log in `dir`. After an unclean shutdown (`clean` false) every segment
   * past the last fsync'd offset is validated; the active segment always is. A torn or corrupt
   * tail is truncated, never served.
   */
  static open(dir: string, topic: string, partition: number, config: LogConfig, env: LogEnv, opts: { clean: boolean }): Log {
    mkdirSync(dir, { recursive: true });
    const log = new Log(dir, topic, partition, config, env);
    log.load(opts.clean);
    return log;
  }

  private segmentOptions() {
    return { indexIntervalBytes: this.config.indexIntervalBytes, indexBytes: this.config.segmentIndexBytes };
  }

  private readCheckpoint(name: string): number {
    const path = join(this.dir, name);
    if (!existsSync(path)) return 0;
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  private writeCheckpoint(name: string, value: number): void {
    writeFileAtomic(join(this.dir, name), `${value}\n`);
  }

  private load(clean: boolean): void {
    const files = readdirSync(this.dir);
    this.completeInterruptedSwaps(files);
    const bases: number[] = [];
    for (const f of readdirSync(this.dir)) {
      if (f.endsWith('.cleaned') || f.endsWith('.tmp') || f.endsWith('.deleted') || f.endsWith('.swap.end')) {
        rmSync(join(this.dir, f), { force: true });
      } else if (/^\d{20}\.log$/.test(f)) {
        bases.push(Number(f.slice(0, 20)));
      }
    }
    bases.sort((a, b) => a - b);
    this.recoveryPoint = this.readCheckpoint('recovery-point');
    const opts = this.segmentOptions();
    let recoverFrom = Infinity;
    let truncatedMiddle = false;
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      if (truncatedMiddle) {
        // A segment before this one lost its tail: later data would leave a hole; drop it.
        const seg = Segment.open(this.dir, base, opts);
        this.env.logger.warn(`Deleting segment after a corrupt one in ${this.name}`, { segment: seg.logPath });
        seg.delete();
        continue;
      }
      const seg = Segment.open(this.dir, base, opts);
      const nextBase = bases[i + 1];
      const isLast = i === bases.length - 1;
      if (isLast || (!clean && (nextBase === undefined || nextBase > this.recoveryPoint))) {
        recoverFrom = Math.min(recoverFrom, base);
        const truncated = seg.recover(this.config.maxMessageBytes);
        if (truncated > 0) {
          this.env.logger.warn(`Truncated ${truncated} bytes of torn or corrupt data at the end of ${seg.logPath}`, { log: this.name, validBytes: seg.size });
          if (!isLast) truncatedMiddle = true;
        }
        if (!isLast && !truncatedMiddle) seg.seal();
      } else {
        seg.loadIndexes(nextBase ?? base);
      }
      this.segments.push(seg);
    }
    if (this.segments.length === 0) {
      const start = this.readCheckpoint('log-start-offset');
      this.segments.push(Segment.create(this.dir, start, opts));
      recoverFrom = start;
    }
    // An empty segment that is not the last one is useless, and a non-last segment needs its
    // final next offset from its successor.
    for (let i = 0; i < this.segments.length - 1; i++) {
      const seg = this.segments[i]!;
      const next = this.segments[i + 1]!;
      if (seg.nextOffset < next.baseOffset) seg.nextOffset = next.baseOffset;
    }
    const first = this.segments[0]!;
    this._logStartOffset = Math.min(Math.max(this.readCheckpoint('log-start-offset'), first.baseOffset), this.logEndOffset);
    this.cleanedUpTo = Math.max(this.readCheckpoint('cleaner-checkpoint'), this._logStartOffset);
    if (this.cleanedUpTo > this.logEndOffset) this.cleanedUpTo = this._logStartOffset;
    this.loadProducerState(recoverFrom);
    this.recoveryPoint = Math.min(recoverFrom, this.logEndOffset);
  }

  /** A crash between the cleaner's rename to `.swap` and its final rename: finish the swap. */
  private completeInterruptedSwaps(files: string[]): void {
    for (const f of files.filter((name) => /^\d{20}\.log\.swap$/.test(name)).sort()) {
      const base = Number(f.slice(0, 20));
      // The swapped segment replaces the original segments it was cleaned from, which start at
      // its base offset; their data lies below the next segment not covered by the swap.
      const covered = readdirSync(this.dir)
        .filter((name) => /^\d{20}\.log$/.test(name))
        .map((name) => Number(name.slice(0, 20)))
        .filter((b) => b >= base)
        .sort((a, b) => a - b);
      const endPath = join(this.dir, `${f}.end`);
      const swapEnd = existsSync(endPath) ? Number(readFileSync(endPath, 'utf8').trim()) : Number.NaN;
      for (const b of covered) {
        if (Number.isFinite(swapEnd) && b >= swapEnd) break;
        for (const ext of ['.log', '.index', '.timeindex', '.txnindex']) rmSync(join(this.dir, offsetFileName(b, ext)), { force: true });
      }
      renameSync(join(this.dir, f), join(this.dir, offsetFileName(base, '.log')));
      rmSync(join(this.dir, `${f}.end`), { force: true });
      this.env.logger.info(`Completed an interrupted compaction swap in ${this.name}`, { segment: base });
    }
  }

  private snapshotOffsets(): number[] {
    return readdirSync(this.dir)
      .filter((f) => /^\d{20}\.snapshot$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
  }

  /**
   * Rebuilds producer state and the aborted-transaction index: loads the newest snapshot at or
   * before `recoverFrom`, then replays batch headers from there to the end.
   */
  private loadProducerState(recoverFrom: number): void {
    const leo = this.logEndOffset;
    for (const offset of this.snapshotOffsets()) {
      if (offset > leo) rmSync(join(this.dir, offsetFileName(offset, '.snapshot')), { force: true });
    }
    let replayFrom = this._logStartOffset;
    for (const offset of this.snapshotOffsets().reverse()) {
      if (offset > recoverFrom) continue;
      const buf = readFileSync(join(this.dir, offsetFileName(offset, '.snapshot')));
      if (this.producerState.loadSnapshot(buf)) {
        replayFrom = offset;
        break;
      }
      this.env.logger.warn(`Ignoring a corrupt producer-state snapshot in ${this.name}`, { offset });
    }
    for (const seg of this.segments) {
      if (seg.baseOffset < recoverFrom) this.txnIndex.loadSegment(seg.baseOffset, seg.nextOffset);
    }
    this.txnIndex.dropFrom(recoverFrom);
    const rebuilt = new Set<Segment>();
    for (const seg of this.segments) {
      if (seg.nextOffset <= replayFrom) continue;
      const start = seg.index.lookup(replayFrom).position;
      seg.scan(start, (buf, pos) => {
        const baseOffset = readInt64(buf, pos + BASE_OFFSET);
        const lastOffset = baseOffset + buf.readInt32BE(pos + LAST_OFFSET_DELTA);
        if (lastOffset < replayFrom) return true;
        const producerId = readInt64(buf, pos + PRODUCER_ID);
        if (producerId < 0) return true;
        const attributes = buf.readInt16BE(pos + ATTRIBUTES);
        const epoch = buf.readInt16BE(pos + PRODUCER_EPOCH);
        const maxTimestamp = readInt64(buf, pos + MAX_TIMESTAMP);
        if (isControl(attributes)) {
          const record = decodeRecords(buf, pos)[0];
          if (!record?.key || record.key.length < 4) return true;
          const type: ControlType = record.key.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT';
          const coordinatorEpoch = record.value && record.value.length >= 6 ? record.value.readInt32BE(2) : -1;
          const aborted = this.producerState.onMarker(producerId, epoch, coordinatorEpoch, type, baseOffset, maxTimestamp);
          if (aborted && baseOffset >= recoverFrom) {
            this.txnIndex.add(aborted, seg.baseOffset, false);
            rebuilt.add(seg);
          }
        } else {
          const baseSeq = buf.readInt32BE(pos + BASE_SEQUENCE);
          const lastSeq = baseSeq < 0 ? -1 : sequenceAfter(baseSeq, lastOffset - baseOffset);
          this.producerState.onDataBatch(producerId, epoch, baseSeq, lastSeq, baseOffset, lastOffset, maxTimestamp, isTransactional(attributes));
        }
        return true;
      });
    }
    for (const seg of this.segments) {
      if (seg.baseOffset >= recoverFrom || rebuilt.has(seg)) this.txnIndex.writeSegment(seg.baseOffset, seg.nextOffset);
    }
  }

  get activeSegment(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }

  get logEndOffset(): number {
    return this.activeSegment.nextOffset;
  }

  /** One node: everything written is replicated, so the high watermark is the log end. */
  get highWatermark(): number {
    return this.logEndOffset;
  }

  get lastStableOffset(): number {
    return this.producerState.firstUnstableOffset() ?? this.highWatermark;
  }

  get size(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** The segments, oldest first (the cleaner and tests read them; do not mutate). */
  listSegments(): readonly Segment[] {
    return this.segments;
  }

  private ensureOpen(): void {
    if (this.closed) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `Partition ${this.name} is closed (deleted or the broker is shutting down).`);
  }

  /**
   * Appends one or more record batches. `buf` is modified in place (offsets, and timestamps for
   * LogAppendTime) and written as is. A duplicate of a recent idempotent batch is not written;
   * its original offsets are returned.
   */
  append(buf: Buffer, origin: AppendOrigin = 'client'): AppendResult {
    this.ensureOpen();
    const now = this.env.now();
    const cfg = this.config;
    const compacted = cfg.cleanupPolicy.compact;
    const logAppendTime = cfg.messageTimestampType === 'LogAppendTime';
    const recompress = cfg.compressionType !== 'producer';
    let records = 0;
    let pos = 0;
    let batches = 0;
    // Pass 1: validate every batch before writing any.
    while (pos < buf.length) {
      const size = validateBatch(buf, pos, buf.length);
      if (size > cfg.maxMessageBytes) {
        throw new KafkaError('MESSAGE_TOO_LARGE', `A ${size}-byte record batch exceeds max.message.bytes=${cfg.maxMessageBytes} of ${this.topic}: send smaller batches or raise the topic's max.message.bytes.`);
      }
      const attributes = buf.readInt16BE(pos + ATTRIBUTES);
      const count = buf.readInt32BE(pos + RECORD_COUNT);
      if (isControl(attributes) && origin === 'client') {
        throw new KafkaError('INVALID_RECORD', `Clients may not write control batches (transaction markers) to ${this.name}.`);
      }
      if (count === 0) throw new KafkaError('INVALID_RECORD', `A record batch for ${this.name} holds no records.`);
      const producerId = readInt64(buf, pos + PRODUCER_ID);
      if (isTransactional(attributes) && producerId < 0) {
        throw new KafkaError('INVALID_RECORD', `A transactional batch for ${this.name} has no producer id.`);
      }
      if (compacted && !isControl(attributes)) {
        for (const r of decodeRecords(buf, pos)) {
          if (r.key === null) throw new KafkaError('INVALID_RECORD', `Compacted topic ${this.topic} cannot accept a record without a key (offset delta ${r.offset - readInt64(buf, pos)}): give every record a key.`);
        }
      }
      records += count;
      batches++;
      pos += size;
    }
    if (batches === 0) throw new KafkaError('INVALID_RECORD', `An empty produce request for ${this.name}.`);
    // Idempotence: with one producer batch per request (as Produce v3+ requires), a duplicate
    // is answered from the producer state.
    const firstPid = readInt64(buf, PRODUCER_ID);
    if (origin === 'client' && firstPid >= 0 && !isControl(buf.readInt16BE(ATTRIBUTES))) {
      const epoch = buf.readInt16BE(PRODUCER_EPOCH);
      const baseSeq = buf.readInt32BE(BASE_SEQUENCE);
      if (baseSeq < 0) throw new KafkaError('INVALID_RECORD', `Producer ${firstPid} sent a batch to ${this.name} without a sequence number.`);
      const lastSeq = sequenceAfter(baseSeq, buf.readInt32BE(LAST_OFFSET_DELTA));
      const dup = this.producerState.checkBatch(firstPid, epoch, baseSeq, lastSeq, isTransactional(buf.readInt16BE(ATTRIBUTES)), this.name);
      if (dup) {
        return { baseOffset: dup.firstOffset, lastOffset: dup.lastOffset, logAppendTime: logAppendTime ? dup.timestamp : -1, logStartOffset: this._logStartOffset, recordCount: 0, duplicate: true };
      }
    }
    if (recompress) buf = this.recompress(buf, cfg.compressionType === 'uncompressed' ? Codec.None : codecOf(cfg.compressionType as CompressionType));
    // Pass 2: assign offsets and write.
    let next = this.logEndOffset;
    const firstOffset = next;
    let lastBatchSize = 0;
    for (pos = 0; pos < buf.length; pos += lastBatchSize) {
      lastBatchSize = batchSize(buf, pos);
      writeInt64(buf, pos + BASE_OFFSET, next);
      buf.writeInt32BE(0, pos + PARTITION_LEADER_EPOCH);
      if (logAppendTime) setLogAppendTime(buf, pos, now);
      next += buf.readInt32BE(pos + LAST_OFFSET_DELTA) + 1;
    }
    const lastOffset = next - 1;
    this.maybeRoll(buf.length, lastOffset, now);
    const seg = this.activeSegment;
    const position = seg.write(buf, now);
    for (pos = 0; pos < buf.length; pos += lastBatchSize) {
      lastBatchSize = batchSize(buf, pos);
      this.afterWrite(seg, buf, pos, position + pos, lastBatchSize);
    }
    this.afterAppend(seg);
    this.unflushed += records;
    if (this.unflushed >= cfg.flushMessages) this.flushSync();
    return { baseOffset: firstOffset, lastOffset, logAppendTime: logAppendTime ? now : -1, logStartOffset: this._logStartOffset, recordCount: records, duplicate: false };
  }

  private afterAppend(seg: Segment): void {
    if (seg.pendingWriteBytes >= PENDING_WRITE_BYTES || seg.pendingWriteCount >= PENDING_WRITE_BUFFERS) seg.flushPending();
    else if (seg.pendingWriteCount > 0) this.env.onPendingWrites?.(this);
  }

  /**
   * Writes pending appends to the file. After this returns, everything appended so far is in
   * the OS page cache and survives the process being killed: acknowledge appends after it.
   */
  flushPending(): void {
    if (!this.closed) this.activeSegment.flushPending();
  }

  get hasPendingWrites(): boolean {
    return this.activeSegment.pendingWriteCount > 0;
  }

  /** Indexes a written batch and updates producer state. */
  private afterWrite(seg: Segment, buf: Buffer, pos: number, filePosition: number, size: number): void {
    const baseOffset = readInt64(buf, pos + BASE_OFFSET);
    const lastOffset = baseOffset + buf.readInt32BE(pos + LAST_OFFSET_DELTA);
    const maxTimestamp = readInt64(buf, pos + MAX_TIMESTAMP);
    seg.indexBatch(filePosition, size, lastOffset, maxTimestamp);
    const producerId = readInt64(buf, pos + PRODUCER_ID);
    if (producerId < 0) return;
    const attributes = buf.readInt16BE(pos + ATTRIBUTES);
    const epoch = buf.readInt16BE(pos + PRODUCER_EPOCH);
    if (isControl(attributes)) return;
    const baseSeq = buf.readInt32BE(pos + BASE_SEQUENCE);
    this.producerState.onDataBatch(producerId, epoch, baseSeq, sequenceAfter(baseSeq, lastOffset - baseOffset), baseOffset, lastOffset, maxTimestamp, isTransactional(attributes));
  }

  /** Re-encodes every batch with the topic's codec (compression.type other than 'producer'). */
  private recompress(buf: Buffer, codec: Codec): Buffer {
    const parts: Buffer[] = [];
    for (let pos = 0; pos < buf.length; pos += batchSize(buf, pos)) {
      const attributes = buf.readInt16BE(pos + ATTRIBUTES);
      if (codecOfAttributes(attributes) === codec || isControl(attributes)) {
        parts.push(buf.subarray(pos, pos + batchSize(buf, pos)));
        continue;
      }
      const builder = new RecordBatchBuilder({
        compression: codec,
        producerId: readInt64(buf, pos + PRODUCER_ID),
        producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH),
        baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE),
        transactional: isTransactional(attributes),
      });
      const base = readInt64(buf, pos + BASE_OFFSET);
      for (const r of decodeRecords(buf, pos)) builder.tryAppend(r, r.offset - base);
      builder.setLastOffsetDelta(buf.readInt32BE(pos + LAST_OFFSET_DELTA));
      parts.push(builder.build());
    }
    return Buffer.concat(parts);
  }

  /**
   * Writes a transaction marker for the producer (from the transaction coordinator) and
   * completes its transaction here. Returns the marker's offset.
   */
  appendMarker(type: ControlType, producerId: number, epoch: number, coordinatorEpoch: number): number {
    this.ensureOpen();
    this.producerState.checkMarker(producerId, epoch);
    const now = this.env.now();
    const buf = encodeControlBatch(type, { producerId, producerEpoch: epoch, coordinatorEpoch, timestamp: now });
    const offset = this.logEndOffset;
    writeInt64(buf, BASE_OFFSET, offset);
    buf.writeInt32BE(0, PARTITION_LEADER_EPOCH);
    this.maybeRoll(buf.length, offset, now);
    const seg = this.activeSegment;
    const position = seg.write(buf, now);
    seg.indexBatch(position, buf.length, offset, now);
    const aborted = this.producerState.onMarker(producerId, epoch, coordinatorEpoch, type, offset, now);
    if (aborted) this.txnIndex.add(aborted, seg.baseOffset);
    this.afterAppend(seg);
    return offset;
  }

  private maybeRoll(size: number, lastOffset: number, now: number): void {
    const seg = this.activeSegment;
    if (seg.isEmpty) return;
    const cfg = this.config;
    if (
      seg.size + size > cfg.segmentBytes ||
      now - seg.firstAppendAt > cfg.segmentMs - cfg.segmentJitterMs ||
      seg.indexFull ||
      lastOffset - seg.baseOffset > INT32_MAX
    ) {
      this.roll();
    }
  }

  /** Seals the active segment and starts a new one at the log end. */
  roll(): void {
    this.ensureOpen();
    const old = this.activeSegment;
    if (old.isEmpty) return;
    old.seal();
    const base = this.logEndOffset;
    this.writeSnapshot(base);
    this.segments.push(Segment.create(this.dir, base, this.segmentOptions()));
    // Kafka flushes rolled segments in the background and advances the recovery point.
    old.flush().then(
      () => {
        if (this.closed || base <= this.recoveryPoint) return;
        this.recoveryPoint = base;
        try {
          this.writeCheckpoint('recovery-point', base);
        } catch (err) {
          // The log may have been deleted meanwhile; the next open just recovers more.
          if (!this.closed) this.env.logger.warn(`Could not write the recovery point of ${this.name}`, { error: String(err) });
        }
      },
      (err: unknown) => this.env.logger.error(`fsync of a rolled segment of ${this.name} failed`, { error: String(err) }),
    );
  }

  private writeSnapshot(offset: number): void {
    writeFileAtomic(join(this.dir, offsetFileName(offset, '.snapshot')), this.producerState.toSnapshot());
    const all = this.snapshotOffsets();
    for (const old of all.slice(0, Math.max(0, all.length - SNAPSHOTS_KEPT))) {
      rmSync(join(this.dir, offsetFileName(old, '.snapshot')), { force: true });
    }
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * Reads whole batches from `offset`: up to `maxBytes`, but always the first batch whole
   * (so a consumer with a small buffer still progresses), and nothing at or past the high
   * watermark (read_uncommitted) or the last stable offset (read_committed). With `scratch`,
   * bytes are read into it and the records are a view of it, valid until the caller's next read
   * into the same buffer: a streaming reader's (or the wire fetch path's) reusable buffer.
   * With `minOneBatch` false, a first batch larger than `maxBytes` is not returned either (the
   * later partitions of a fetch response, KIP-74).
   */
  read(offset: number, maxBytes: number, isolation: IsolationLevel = 'read_uncommitted', scratch?: Buffer, minOneBatch = true): FetchResult {
    this.ensureOpen();
    this.flushPending();
    const highWatermark = this.highWatermark;
    const lastStableOffset = this.lastStableOffset;
    const upper = isolation === 'read_committed' ? lastStableOffset : highWatermark;
    if (offset < this._logStartOffset || offset > highWatermark) {
      throw new KafkaError('OFFSET_OUT_OF_RANGE', `Offset ${offset} is out of range for ${this.name}: it holds ${this._logStartOffset} to ${highWatermark}. Seek to a valid offset or use auto.offset.reset.`);
    }
    const base = { highWatermark, lastStableOffset, logStartOffset: this._logStartOffset };
    let records = EMPTY;
    if (offset < upper) {
      for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
        const found = this.readSegment(this.segments[i]!, offset, upper, maxBytes, scratch, minOneBatch);
        if (found !== null) {
          records = found;
          break;
        }
      }
    }
    let abortedTransactions: FetchResult['abortedTransactions'] = null;
    if (isolation === 'read_committed') {
      let end = offset;
      if (records.length > 0) {
        let pos = 0;
        while (pos < records.length) {
          end = readInt64(records, pos + BASE_OFFSET) + records.readInt32BE(pos + LAST_OFFSET_DELTA) + 1;
          pos += batchSize(records, pos);
        }
      }
      abortedTransactions = records.length > 0 ? this.txnIndex.collect(offset, end) : [];
    }
    return { records, ...base, abortedTransactions };
  }

  /** Batches of one segment from the one holding `offset`; null if none is there (a gap). */
  private readSegment(seg: Segment, offset: number, upper: number, maxBytes: number, scratch: Buffer | undefined, minOneBatch: boolean): Buffer | null {
    let filePos = seg.index.lookup(offset).position;
    const slack = this.config.indexIntervalBytes * 2 + BATCH_HEADER_SIZE;
    for (;;) {
      if (filePos >= seg.size) return null;
      const want = Math.min(seg.size - filePos, Math.max(maxBytes, BATCH_HEADER_SIZE) + slack);
      const chunk = seg.read(filePos, want, scratch);
      let pos = 0;
      let start = -1;
      let end = 0;
      while (pos + LOG_OVERHEAD <= chunk.length) {
        const size = batchSize(chunk, pos);
        if (size < BATCH_HEADER_SIZE) return start >= 0 ? chunk.subarray(start, end) : null;
        const whole = pos + size <= chunk.length;
        if (start < 0) {
          // Need the header to know the batch's offsets.
          if (pos + BATCH_HEADER_SIZE > chunk.length) break;
          const baseOffset = readInt64(chunk, pos + BASE_OFFSET);
          const lastOffset = baseOffset + chunk.readInt32BE(pos + LAST_OFFSET_DELTA);
          if (baseOffset >= upper) return null;
          if (lastOffset < offset) {
            // Skip it; only its header was needed (if it runs past the chunk, the next read starts after it).
            pos += size;
            continue;
          }
          if (size > maxBytes && !minOneBatch) return EMPTY;
          if (!whole) {
            // The first batch is larger than what was read: read exactly it.
            return seg.read(filePos + pos, size);
          }
          start = pos;
          end = pos + size;
          pos += size;
          continue;
        }
        if (!whole || end - start + size > maxBytes) break;
        if (readInt64(chunk, pos + BASE_OFFSET) >= upper) break;
        end = pos + size;
        pos += size;
      }
      if (start >= 0) return chunk.subarray(start, end);
      if (pos === 0) return null;
      filePos += pos;
    }
  }

  /**
   * The first record with a timestamp at or after `timestamp` (ListOffsets by time), or null when
   * every record is older.
   */
  offsetForTimestamp(timestamp: number, isolation: IsolationLevel = 'read_uncommitted'): { offset: number; timestamp: number } | null {
    this.ensureOpen();
    this.flushPending();
    const upper = isolation === 'read_committed' ? this.lastStableOffset : this.highWatermark;
    for (const seg of this.segments) {
      if (seg.maxTimestamp < timestamp || seg.nextOffset <= this._logStartOffset) continue;
      const fromOffset = Math.max(seg.timeIndex.lookup(timestamp), this._logStartOffset);
      const result: { found?: { offset: number; timestamp: number } } = {};
      seg.scan(seg.index.lookup(fromOffset).position, (buf, pos) => {
        const baseOffset = readInt64(buf, pos + BASE_OFFSET);
        if (baseOffset >= upper) return false;
        const attributes = buf.readInt16BE(pos + ATTRIBUTES);
        if (isControl(attributes) || readInt64(buf, pos + MAX_TIMESTAMP) < timestamp) return true;
        for (const r of decodeRecords(buf, pos)) {
          if (r.offset >= this._logStartOffset && r.timestamp >= timestamp) {
            result.found = { offset: r.offset, timestamp: r.timestamp };
            return false;
          }
        }
        return true;
      });
      if (result.found) return result.found;
    }
    return null;
  }

  /** The largest timestamp in the log and the offset holding it (ListOffsets -3, MAX_TIMESTAMP). */
  maxTimestamp(): { offset: number; timestamp: number } | null {
    let best: { offset: number; timestamp: number } | null = null;
    for (const seg of this.segments) {
      if (seg.maxTimestamp >= 0 && (best === null || seg.maxTimestamp > best.timestamp)) best = { offset: seg.offsetOfMaxTimestamp, timestamp: seg.maxTimestamp };
    }
    return best;
  }

  /** Moves the log start to `offset` (DeleteRecords): earlier records become unreadable and whole segments below it are deleted. */
  deleteRecordsBefore(offset: number): number {
    this.ensureOpen();
    if (offset < 0 || offset > this.highWatermark) {
      throw new KafkaError('OFFSET_OUT_OF_RANGE', `Cannot delete records before offset ${offset} of ${this.name}: it holds ${this._logStartOffset} to ${this.highWatermark}.`);
    }
    if (offset > this._logStartOffset) {
      this._logStartOffset = offset;
      this.writeCheckpoint('log-start-offset', offset);
      this.deleteSegmentsBelowStart();
    }
    return this._logStartOffset;
  }

  private deleteSegmentsBelowStart(): void {
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= this._logStartOffset) {
      this.deleteOldestSegment('log start offset');
    }
    this.txnIndex.dropBefore(this._logStartOffset);
    if (this.cleanedUpTo < this._logStartOffset) this.cleanedUpTo = this._logStartOffset;
  }

  private deleteOldestSegment(reason: string): void {
    const seg = this.segments.shift()!;
    this.env.logger.debug(`Deleting segment of ${this.name} (${reason})`, { segment: seg.logPath });
    seg.delete();
  }

  /**
   * Deletes whole segments past `retention.ms` (by their largest timestamp) or beyond
   * `retention.bytes`, oldest first. The active segment goes too when all of it has expired (it
   * is rolled first). Returns how many segments were deleted.
   */
  applyRetention(now = this.env.now()): number {
    if (this.closed || !this.config.cleanupPolicy.delete) return 0;
    const { retentionMs, retentionBytes } = this.config;
    let deleted = 0;
    if (retentionMs >= 0) {
      while (this.segments.length > 0) {
        const seg = this.segments[0]!;
        if (seg.isEmpty || seg.maxTimestamp < 0 || now - seg.maxTimestamp <= retentionMs) break;
        if (seg === this.activeSegment) this.roll();
        this.deleteOldestSegment('retention.ms');
        deleted++;
      }
    }
    if (retentionBytes >= 0) {
      let excess = this.size - retentionBytes;
      while (this.segments.length > 1 && excess >= this.segments[0]!.size) {
        excess -= this.segments[0]!.size;
        this.deleteOldestSegment('retention.bytes');
        deleted++;
      }
    }
    if (deleted > 0) {
      const start = this.segments[0]!.baseOffset;
      if (start > this._logStartOffset) {
        this._logStartOffset = start;
        this.writeCheckpoint('log-start-offset', start);
      }
      this.deleteSegmentsBelowStart();
    }
    return deleted;
  }

  /** Flushes when flush.ms has passed since the last flush (called by the broker's scheduler). */
  flushIfDue(now = this.env.now()): void {
    if (!this.closed && this.unflushed > 0 && now - this.lastFlushAt >= this.config.flushMs) this.flushSync();
  }

  /** fsyncs the active segment now, and moves the recovery point. */
  flushSync(): void {
    const seg = this.activeSegment;
    seg.flushPending();
    const fd = openSync(seg.logPath, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.unflushed = 0;
    this.lastFlushAt = this.env.now();
    this.recoveryPoint = this.logEndOffset;
    this.writeCheckpoint('recovery-point', this.recoveryPoint);
  }

  /** fsyncs every segment (asynchronously) and moves the recovery point. */
  async flush(): Promise<void> {
    const leo = this.logEndOffset;
    await Promise.all(this.segments.map((s) => s.flush()));
    this.unflushed = 0;
    this.lastFlushAt = this.env.now();
    if (!this.closed) {
      this.recoveryPoint = leo;
      this.writeCheckpoint('recovery-point', leo);
    }
  }

  /**
   * Replaces consecutive segments with one rewritten segment (the cleaner). The new segment's
   * file is `<base>.log.cleaned`; it becomes `<base>.log` here, through a `.swap` rename so a
   * crash at any point leaves either the old segments or the new one.
   */
  replaceSegments(old: readonly Segment[], cleaned: Segment): boolean {
    const first = this.segments.indexOf(old[0]!);
    if (this.closed || first < 0 || old.some((s, i) => this.segments[first + i] !== s || s.closed)) {
      cleaned.delete();
      return false;
    }
    const base = cleaned.baseOffset;
    const end = old[old.length - 1]!.nextOffset;
    cleaned.close();
    const cleanedPath = join(this.dir, offsetFileName(base, '.log.cleaned'));
    const swapPath = join(this.dir, offsetFileName(base, '.log.swap'));
    writeFileAtomic(`${swapPath}.end`, `${end}\n`);
    renameSync(cleanedPath, swapPath);
    for (const s of old) s.delete();
    renameSync(swapPath, join(this.dir, offsetFileName(base, '.log')));
    rmSync(`${swapPath}.end`, { force: true });
    const seg = Segment.open(this.dir, base, this.segmentOptions());
    seg.rebuildIndexes();
    seg.nextOffset = end;
    seg.seal();
    this.txnIndex.writeSegment(base, end);
    this.segments.splice(first, old.length, seg);
    return true;
  }

  /** Aborted transactions known to the log (the cleaner drops their records). */
  abortedTransactions(): readonly AbortedTxn[] {
    return this.txnIndex.all();
  }

  setCleanerCheckpoint(offset: number): void {
    this.cleanedUpTo = offset;
    if (!this.closed) this.writeCheckpoint('cleaner-checkpoint', offset);
  }

  isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.segments) s.close();
  }

  /** Closes and removes the partition directory. */
  delete(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

