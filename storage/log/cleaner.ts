/**
 * The log cleaner: compaction for `cleanup.policy=compact` (and `compact,delete`), as Kafka does it.
 *
 * A round over one log:
 *   1. Cleanable range: from the log start to the base of the first segment that is active,
 *      holds the last stable offset (never clean into an open transaction) or holds a batch
 *      younger than min.compaction.lag.ms. Whole sealed segments only, like Kafka: rewriting
 *      never splits a segment, and appends only ever touch the active one.
 *   2. Offset map: key -> latest offset over the dirty section [cleaner checkpoint, range end),
 *      skipping markers and aborted data. It holds at most `maxKeys` keys; when the dirty section
 *      has more, the round maps a prefix (whole batches) and the next round continues.
 *   3. Rewrite every segment from the log start to the end of the mapped section, in groups of
 *      consecutive segments whose cleaned size fits segment.bytes (and whose index fits
 *      segment.index.bytes), each group into one `<base>.log.cleaned`. Batches keep base offset,
 *      last offset delta, producer id, epoch, base sequence, flags, partition leader epoch and
 *      codec; records keep offsets and timestamps.
 *   4. Swap each group in with `Log.replaceSegments` (crash-safe), then move the checkpoint.
 *
 * What a rewrite keeps:
 *   - a record unless a later offset of its key is in the map (or it has no key: Kafka drops those);
 *   - a tombstone until its batch's delete horizon (KIP-534: attribute bit 6, base timestamp =
 *     horizon) has passed. The first round that keeps a tombstone sets horizon = now +
 *     delete.retention.ms, so consumers get that long to see the delete;
 *   - nothing of an aborted transaction (per the aborted-transaction index);
 *   - a commit marker while this round still saw data of its transaction; once none is left the
 *     marker gets a delete horizon like a tombstone and goes when it passes (read_committed
 *     consumers that were mid-transaction still see it for delete.retention.ms);
 *   - every abort marker. Its aborted-transaction index entry stays (the index has no removal), and
 *     a read_committed consumer handed that entry skips the producer's batches until it reads the
 *     abort marker: without the marker it would skip the producer's later, committed data too;
 *   - the header of a batch that is the last one of a producer the log still tracks, even when all
 *     its records go (Kafka's RETAIN_EMPTY): a restart that replays the log finds the producer's
 *     last sequence and epoch there. The bare header is not transactional, so a replay after its
 *     transaction's marker went does not take it for an open transaction;
 *   - in a group whose records all go, the last batch's header without producer fields, so the
 *     segment still has a max timestamp (retention.ms keys off it; an empty first segment would
 *     stop time retention) and the next round merges the tiny segment into a neighbour.
 * Batches past the mapped section (when the map filled up) keep all their records.
 *
 * The cleaner never blocks appends for long: it reads sealed segments in 1 MiB chunks and yields
 * to the event loop after about `yieldBytes` of batches or `yieldMs` of work. Producers append to
 * the active segment meanwhile. If the log changes under a round (retention deleted a segment, the
 * log closed, the cleaner stopped), the round ends quietly and the `.cleaned` file is removed.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { FreshetError, KafkaError } from '../errors.js';
import { consoleLogger, type Logger } from '../logger.js';
import type { Log } from './log.js';
import { LONG_MAX } from './log-config.js';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  PRODUCER_ID,
  RecordBatchBuilder,
  codecOfAttributes,
  decodeRecords,
  hasDeleteHorizon,
  isControl,
  isTransactional,
  readBatchHeader,
  readInt64,
  timestampTypeOf,
  updateCrc,
  validateBatch,
  writeInt64,
  type BatchHeader,
  type LogRecord,
} from './record-batch.js';
import { Segment } from './segment.js';

export interface CleanStats {
  /** `aborted`: the log changed underneath (or closed, or the cleaner stopped); nothing was lost. */
  outcome: 'cleaned' | 'nothing-to-clean' | 'aborted';
  bytesRead: number;
  bytesWritten: number;
  recordsKept: number;
  /** All removed records, including the tombstones and aborted records counted below. */
  recordsRemoved: number;
  tombstonesRemoved: number;
  abortedRecordsRemoved: number;
  markersRemoved: number;
  /** Segments of the rewritten range before the round, and the cleaned segments swapped in. */
  segmentsBefore: number;
  segmentsAfter: number;
  /** The cleaner checkpoint after the round: every record below it has been through a map. */
  cleanedUpTo: number;
}

/** What the scheduler looks at: how dirty a log is and whether it must be cleaned now. */
export interface CleanableState {
  firstDirtyOffset: number;
  /** A segment base offset: the round stops before it. */
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes), Kafka's cleanable ratio. */
  dirtyRatio: number;
  /** A dirty batch is older than max.compaction.lag.ms. */
  overdue: boolean;
  /** A delete horizon written by an earlier round has passed: tombstones or markers can go. */
  horizonPassed: boolean;
}

export interface LogCleanerOptions {
  logger?: Logger;
  /** Keys the offset map holds (about 100 bytes of memory each). */
  maxKeys?: number;
  /** Yield to the event loop after this many bytes of batches… */
  yieldBytes?: number;
  /** …or this many milliseconds of work, whichever comes first. */
  yieldMs?: number;
  /** The background loop's clock. */
  now?: () => number;
  /** The background loop leaves a log alone this long after a round failed on it. */
  errorBackoffMs?: number;
}

const READ_CHUNK = 1 << 20;
/** Cleaned bytes are written out at least this often (bounds the memory a round holds). */
const WRITE_CHUNK = 1 << 20;
const INT32_MAX = 0x7fffffff;
/** Keys longer than this are held in the map as a SHA-256, so a map entry's size is bounded. */
const MAX_EXACT_KEY_BYTES = 64;
/** Map keys are latin1 strings (one char per byte, all < 0x100), so this prefix marks a hash unambiguously. */
const HASHED_KEY_PREFIX = '\u0100';
const CLEANED_SUFFIX = '.cleaned';

/** Logs a round is running on, across cleaner instances: two rounds on one log would race their swaps. */
const cleaning = new WeakSet<Log>();

function mapKey(key: Buffer): string {
  if (key.length <= MAX_EXACT_KEY_BYTES) return key.toString('latin1');
  return HASHED_KEY_PREFIX + createHash('sha256').update(key).digest().toString('latin1');
}

/** Aborted transactions per producer, sorted by first offset (a producer's transactions do not overlap). */
class AbortedRanges {
  private readonly byProducer = new Map<number, { firstOffset: number; lastOffset: number }[]>();

  constructor(entries: readonly { producerId: number; firstOffset: number; lastOffset: number }[]) {
    for (const e of entries) {
      let list = this.byProducer.get(e.producerId);
      if (list === undefined) this.byProducer.set(e.producerId, (list = []));
      list.push({ firstOffset: e.firstOffset, lastOffset: e.lastOffset });
    }
    for (const list of this.byProducer.values()) list.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Whether a transactional batch of `producerId` at `offset` belongs to an aborted transaction. */
  covers(producerId: number, offset: number): boolean {
    const list = this.byProducer.get(producerId);
    if (list === undefined) return false;
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.firstOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && offset <= list[found]!.lastOffset;
  }
}

/** Per-round state of the rewrite. */
interface Round {
  log: Log;
  now: number;
  stats: CleanStats;
  map: Map<string, number>;
  /** Batches at or past this offset were not mapped: their records all stay. */
  mapEnd: number;
  aborted: AbortedRanges;
  /** Producers the log tracks: the last data offset (-1 if none known) and epoch. */
  producers: Map<number, { lastDataOffset: number; epoch: number }>;
  /** Producers whose current committed transaction had data in this round (its marker must stay). */
  committedSeen: Set<number>;
  /** The earliest delete horizon still guarding a tombstone or marker in the rewritten range. */
  minHorizon: number;
  /** Header of the last batch read in the current group (for an all-removed group). */
  lastHeader: BatchHeader | null;
  workBytes: number;
  sliceStart: number;
}

export class LogCleaner {
  private readonly logger: Logger;
  private readonly maxKeys: number;
  private readonly yieldBytes: number;
  private readonly yieldMs: number;
  private readonly clock: () => number;
  private readonly errorBackoffMs: number;
  /** Earliest pending delete horizon per log, from its last round (in memory: a restart cleans once more). */
  private readonly horizons = new WeakMap<Log, number>();
  private readonly failedAt = new WeakMap<Log, number>();
  private stopping = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private loop: Promise<void> | undefined;

  constructor(opts: LogCleanerOptions = {}) {
    this.logger = opts.logger ?? consoleLogger(undefined, 'log-cleaner');
    this.maxKeys = Math.max(1, opts.maxKeys ?? 1_000_000);
    this.yieldBytes = opts.yieldBytes ?? 1 << 20;
    this.yieldMs = opts.yieldMs ?? 5;
    this.clock = opts.now ?? Date.now;
    this.errorBackoffMs = opts.errorBackoffMs ?? 60_000;
  }

  /** How dirty `log` is now, or null when it is not compacted (or closed). */
  cleanableState(log: Log, now: number): CleanableState | null {
    if (!log.config.cleanupPolicy.compact || log.isClosed()) return null;
    const segments = log.listSegments();
    const firstDirty = Math.max(log.cleanedUpTo, log.logStartOffset);
    const end = this.cleanableEnd(log, segments, firstDirty, now);
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let firstDirtySegment: Segment | undefined;
    for (const seg of segments) {
      if (seg.baseOffset >= end) break;
      if (seg.nextOffset <= firstDirty) {
        cleanBytes += seg.size;
      } else {
        dirtyBytes += seg.size;
        firstDirtySegment ??= seg;
      }
    }
    let overdue = false;
    const maxLag = log.config.maxCompactionLagMs;
    if (firstDirtySegment !== undefined && maxLag < LONG_MAX && firstDirtySegment.size >= BATCH_HEADER_SIZE) {
      // Kafka's test: the first batch of the first dirty segment.
      const header = firstDirtySegment.read(0, BATCH_HEADER_SIZE);
      if (header.length === BATCH_HEADER_SIZE) overdue = now - readInt64(header, MAX_TIMESTAMP) > maxLag;
    }
    const total = cleanBytes + dirtyBytes;
    return {
      firstDirtyOffset: firstDirty,
      firstUncleanableOffset: end,
      cleanBytes,
      dirtyBytes,
      dirtyRatio: total === 0 ? 0 : dirtyBytes / total,
      overdue,
      horizonPassed: (this.horizons.get(log) ?? Infinity) <= now,
    };
  }

  /** Whether a round on `log` is due: dirty enough, overdue by max.compaction.lag.ms, or a delete horizon passed. */
  needsCleaning(log: Log, now: number): boolean {
    const state = this.cleanableState(log, now);
    if (state === null) return false;
    const dirty = state.dirtyBytes > 0 && (state.dirtyRatio >= log.config.minCleanableDirtyRatio || state.overdue);
    return dirty || state.horizonPassed;
  }

  /** The base of the first segment the cleaner may not touch (see the file comment). */
  private cleanableEnd(log: Log, segments: readonly Segment[], firstDirty: number, now: number): number {
    const lso = log.lastStableOffset;
    const minLag = log.config.minCompactionLagMs;
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i]!;
      if (seg.nextOffset > lso) return seg.baseOffset;
      // Only dirty segments wait for the lag: clean ones were old enough when first cleaned.
      if (minLag > 0 && seg.nextOffset > firstDirty && seg.maxTimestamp > now - minLag) return seg.baseOffset;
    }
    return segments[segments.length - 1]!.baseOffset;
  }

  /**
   * Runs one round on `log` at time `now` (which decides delete horizons and compaction lags).
   * Throws on I/O errors and corrupt data (the `.cleaned` file is removed first); a change of the
   * log underneath is not an error but outcome `aborted`.
   */
  async cleanLog(log: Log, now: number): Promise<CleanStats> {
    const stats: CleanStats = {
      outcome: 'nothing-to-clean',
      bytesRead: 0,
      bytesWritten: 0,
      recordsKept: 0,
      recordsRemoved: 0,
      tombstonesRemoved: 0,
      abortedRecordsRemoved: 0,
      markersRemoved: 0,
      segmentsBefore: 0,
      segmentsAfter: 0,
      cleanedUpTo: log.cleanedUpTo,
    };
    if (!log.config.cleanupPolicy.compact || log.isClosed()) return stats;
    if (cleaning.has(log)) {
      throw new FreshetError('LOG_CLEANING_IN_PROGRESS', `A cleaning round is already running on ${log.name}; wait for it to finish before starting another.`);
    }
    cleaning.add(log);
    try {
      return await this.runRound(log, now, stats);
    } finally {
      cleaning.delete(log);
    }
  }

  private async runRound(log: Log, now: number, stats: CleanStats): Promise<CleanStats> {
    const segments = log.listSegments().slice();
    const firstDirty = Math.max(log.cleanedUpTo, log.logStartOffset);
    const end = this.cleanableEnd(log, segments, firstDirty, now);
    const producers = new Map<number, { lastDataOffset: number; epoch: number }>();
    for (const [pid, entry] of log.producerState.producers) {
      producers.set(pid, { lastDataOffset: entry.batches.at(-1)?.lastOffset ?? -1, epoch: entry.epoch });
    }
    const round: Round = {
      log,
      now,
      stats,
      map: new Map(),
      mapEnd: Math.min(firstDirty, end),
      aborted: new AbortedRanges(log.abortedTransactions()),
      producers,
      committedSeen: new Set(),
      minHorizon: Infinity,
      lastHeader: null,
      workBytes: 0,
      sliceStart: performance.now(),
    };
    if (firstDirty < end && !(await this.buildOffsetMap(round, segments, firstDirty, end))) return this.abort(round);
    // With nothing dirty the round still rewrites the clean section: horizons may have passed.
    const rewrite = segments.filter((s) => s.baseOffset < round.mapEnd);
    if (rewrite.length === 0) return stats;
    stats.segmentsBefore = rewrite.length;
    for (let next = 0; next < rewrite.length; ) {
      const group = await this.cleanGroup(round, rewrite, next);
      if (group === null) return this.abort(round);
      if (!log.replaceSegments(group.segments, group.cleaned)) return this.abort(round);
      stats.segmentsAfter++;
      next += group.segments.length;
    }
    const checkpoint = Math.max(round.mapEnd, log.cleanedUpTo);
    log.setCleanerCheckpoint(checkpoint);
    stats.cleanedUpTo = checkpoint;
    stats.outcome = 'cleaned';
    if (round.minHorizon === Infinity) this.horizons.delete(log);
    else this.horizons.set(log, round.minHorizon);
    return stats;
  }

  private abort(round: Round): CleanStats {
    round.stats.outcome = 'aborted';
    this.logger.debug(`Cleaning round of ${round.log.name} abandoned: the log changed underneath`, { log: round.log.name });
    return round.stats;
  }

  /** Fills the round's map from the dirty section; false if the round must be abandoned. */
  private async buildOffsetMap(round: Round, segments: readonly Segment[], start: number, end: number): Promise<boolean> {
    const map = round.map;
    round.mapEnd = end;
    for (const seg of segments) {
      if (seg.baseOffset >= end) break;
      if (seg.nextOffset <= start) continue;
      let full = false;
      const ok = await this.scanSegment(round, seg, (buf, pos, size) => {
        const baseOffset = readInt64(buf, pos + BASE_OFFSET);
        if (baseOffset + buf.readInt32BE(pos + LAST_OFFSET_DELTA) < start) return true;
        validateBatch(buf, pos, pos + size);
        const attributes = buf.readInt16BE(pos + ATTRIBUTES);
        // Markers carry no keys; aborted data must not shadow the committed value before it.
        if (isControl(attributes)) return true;
        if (isTransactional(attributes) && round.aborted.covers(readInt64(buf, pos + PRODUCER_ID), baseOffset)) return true;
        const records = decodeRecords(buf, pos);
        const keys = records.map((r) => (r.key === null ? null : mapKey(r.key)));
        if (map.size > 0 && map.size + records.length > this.maxKeys) {
          const fresh = new Set<string>();
          for (const k of keys) if (k !== null && !map.has(k)) fresh.add(k);
          if (map.size + fresh.size > this.maxKeys) {
            // Map full: this round covers the dirty section up to here.
            round.mapEnd = baseOffset;
            full = true;
            return false;
          }
        }
        for (let i = 0; i < records.length; i++) {
          const k = keys[i]!;
          if (k !== null && records[i]!.offset >= start) map.set(k, records[i]!.offset);
        }
        return true;
      });
      if (!ok) return false;
      if (full) break;
    }
    return true;
  }

  /**
   * Rewrites segments from `rewrite[from]` into one `.cleaned` segment; null if the round must be
   * abandoned. Kafka groups segments by their sizes before cleaning; this takes the next segment
   * while the cleaned bytes so far plus its size fit segment.bytes, so one round already merges
   * the small segments cleaning leaves (the limit holds the same). The group's index entries must
   * fit segment.index.bytes and its offsets an int32 of its base.
   */
  private async cleanGroup(round: Round, rewrite: readonly Segment[], from: number): Promise<{ segments: Segment[]; cleaned: Segment } | null> {
    const config = round.log.config;
    const first = rewrite[from]!;
    const maxIndexEntries = Math.max(1, Math.floor(config.segmentIndexBytes / 12));
    const opts = { indexIntervalBytes: config.indexIntervalBytes, indexBytes: config.segmentIndexBytes };
    const cleaned = Segment.create(round.log.dir, first.baseOffset, opts, CLEANED_SUFFIX);
    const segments: Segment[] = [];
    let indexEntries = 0;
    round.lastHeader = null;
    try {
      for (let i = from; i < rewrite.length; i++) {
        const seg = rewrite[i]!;
        if (
          segments.length > 0 &&
          (cleaned.size + seg.size > config.segmentBytes ||
            indexEntries + seg.index.entries + 1 > maxIndexEntries ||
            seg.nextOffset - 1 - first.baseOffset > INT32_MAX)
        ) {
          break;
        }
        segments.push(seg);
        indexEntries += seg.index.entries + 1;
        const ok = await this.scanSegment(round, seg, (buf, pos, size) => {
          const out = this.filterBatch(round, buf, pos, size);
          if (out !== null) {
            cleaned.write(out, round.now);
            round.stats.bytesWritten += out.length;
            if (cleaned.pendingWriteBytes >= WRITE_CHUNK) cleaned.flushPending();
          }
          return true;
        });
        if (!ok) {
          cleaned.delete();
          return null;
        }
      }
      if (cleaned.isEmpty && round.lastHeader !== null) {
        const filler = headerOnly(round.lastHeader, false);
        cleaned.write(filler, round.now);
        round.stats.bytesWritten += filler.length;
      }
      // The cleaned file becomes the only copy at the swap: it must be on disk first.
      await cleaned.flush();
      if (this.cancelled(round)) {
        cleaned.delete();
        return null;
      }
      return { segments, cleaned };
    } catch (err) {
      cleaned.delete();
      throw err;
    }
  }

  /** The bytes a batch becomes in the cleaned segment: itself, a rewrite, a bare header, or nothing. */
  private filterBatch(round: Round, buf: Buffer, pos: number, size: number): Buffer | null {
    validateBatch(buf, pos, pos + size);
    const h = readBatchHeader(buf, pos);
    round.lastHeader = h;
    const stats = round.stats;
    const whole = buf.subarray(pos, pos + size);
    const horizon = hasDeleteHorizon(h.attributes) ? h.baseTimestamp : undefined;
    const control = isControl(h.attributes);
    const retainHeader = h.producerId >= 0 && this.isProducersLastBatch(round, h, control);

    if (control) {
      const records = decodeRecords(buf, pos);
      // A bare marker header (kept for producer state) has nothing left to expire.
      if (records.length === 0) return retainHeader ? whole : null;
      if (!this.markerDiscardable(round, h.producerId, records)) {
        stats.recordsKept += records.length;
        return whole;
      }
      if (horizon === undefined || horizon > round.now) {
        const newHorizon = horizon ?? round.now + round.log.config.deleteRetentionMs;
        round.minHorizon = Math.min(round.minHorizon, newHorizon);
        stats.recordsKept += records.length;
        return horizon === undefined ? rebuild(h, records, newHorizon) : whole;
      }
      stats.markersRemoved += records.length;
      stats.recordsRemoved += records.length;
      return retainHeader ? headerOnly(h, true) : null;
    }

    if (isTransactional(h.attributes)) {
      if (round.aborted.covers(h.producerId, h.baseOffset)) {
        stats.abortedRecordsRemoved += h.recordCount;
        stats.recordsRemoved += h.recordCount;
        return retainHeader ? headerOnly(h, true) : null;
      }
      round.committedSeen.add(h.producerId);
    }
    if (h.recordCount === 0) return retainHeader ? whole : null;
    if (h.baseOffset >= round.mapEnd) {
      stats.recordsKept += h.recordCount;
      return whole;
    }

    const records = decodeRecords(buf, pos);
    const kept: LogRecord[] = [];
    let tombstones = false;
    for (const r of records) {
      if (r.key === null) continue;
      const latest = round.map.get(mapKey(r.key));
      if (latest !== undefined && r.offset < latest) continue;
      if (r.value === null) {
        if (horizon !== undefined && horizon <= round.now) {
          stats.tombstonesRemoved++;
          continue;
        }
        tombstones = true;
      }
      kept.push(r);
    }
    stats.recordsKept += kept.length;
    stats.recordsRemoved += records.length - kept.length;
    const newHorizon = horizon ?? (tombstones ? round.now + round.log.config.deleteRetentionMs : undefined);
    if (tombstones) round.minHorizon = Math.min(round.minHorizon, newHorizon!);
    if (kept.length === 0) return retainHeader ? headerOnly(h, true) : null;
    if (kept.length === records.length && newHorizon === horizon) return whole;
    return rebuild(h, kept, newHorizon);
  }

  /**
   * Kafka's rule for commit markers: one may go once this round saw no data of its transaction
   * (an earlier round removed it). Abort markers stay (see the file comment); so does a marker
   * this code cannot read.
   */
  private markerDiscardable(round: Round, producerId: number, records: LogRecord[]): boolean {
    const key = records[0]?.key;
    if (key === null || key === undefined || key.length < 4) return false;
    if (key.readInt16BE(2) !== 1) return false;
    return !round.committedSeen.delete(producerId);
  }

  /** Whether the batch holds what producer state needs after a replay (see the file comment). */
  private isProducersLastBatch(round: Round, h: BatchHeader, control: boolean): boolean {
    const p = round.producers.get(h.producerId);
    if (p === undefined) return false;
    if (p.lastDataOffset >= 0) return h.baseOffset + h.lastOffsetDelta === p.lastDataOffset;
    return control && h.producerEpoch === p.epoch;
  }

  /**
   * Calls `fn` for each batch of a sealed segment, reading 1 MiB chunks and yielding to the event
   * loop between batches when due. Resolves false if the round must be abandoned; `fn` returning
   * false ends the scan early (resolving true).
   */
  private async scanSegment(round: Round, seg: Segment, fn: (buf: Buffer, pos: number, size: number) => boolean): Promise<boolean> {
    const end = seg.size;
    let filePos = 0;
    while (filePos + LOG_OVERHEAD <= end) {
      if (this.cancelled(round, seg)) return false;
      let chunk = seg.read(filePos, Math.min(READ_CHUNK, end - filePos));
      let pos = 0;
      while (pos + LOG_OVERHEAD <= chunk.length) {
        const size = LOG_OVERHEAD + chunk.readInt32BE(pos + BATCH_LENGTH);
        if (size < BATCH_HEADER_SIZE || filePos + pos + size > end) {
          throw new KafkaError('CORRUPT_MESSAGE', `${seg.logPath} has a malformed batch at byte ${filePos + pos}; the cleaner leaves the log as it is.`);
        }
        if (pos + size > chunk.length) {
          if (pos > 0) break;
          chunk = seg.read(filePos, size); // one batch larger than a chunk
        }
        round.stats.bytesRead += size;
        round.workBytes += size;
        if (!fn(chunk, pos, size)) return true;
        pos += size;
        if ((await this.maybeYield(round)) && this.cancelled(round, seg)) return false;
      }
      if (pos === 0) throw new KafkaError('CORRUPT_MESSAGE', `${seg.logPath} could not be read at byte ${filePos}.`);
      filePos += pos;
    }
    return true;
  }

  private async maybeYield(round: Round): Promise<boolean> {
    if (round.workBytes < this.yieldBytes && performance.now() - round.sliceStart < this.yieldMs) return false;
    await new Promise<void>((resolve) => setImmediate(resolve));
    round.workBytes = 0;
    round.sliceStart = performance.now();
    return true;
  }

  private cancelled(round: Round, seg?: Segment): boolean {
    return this.stopping || round.log.isClosed() || seg?.closed === true;
  }

  /**
   * Cleans the dirtiest log that needs it, then the next, every `intervalMs`; one log at a time.
   * A failing log is logged and left alone for `errorBackoffMs`; nothing here throws.
   */
  start(logs: () => Iterable<Log>, intervalMs: number): void {
    if (this.loop !== undefined || this.timer !== undefined) return;
    this.stopping = false;
    const tick = (): void => {
      this.timer = undefined;
      this.loop = this.cleanDirtiest(logs)
        .catch((err: unknown) => this.logger.error('Log cleaner tick failed', { error: String(err) }))
        .finally(() => {
          this.loop = undefined;
          if (!this.stopping) {
            this.timer = setTimeout(tick, intervalMs);
            this.timer.unref?.();
          }
        });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref?.();
  }

  /** Stops the loop; rounds in progress are abandoned at their next yield, and later ones until `start`. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.loop;
  }

  private async cleanDirtiest(logs: () => Iterable<Log>): Promise<void> {
    // Each log at most once a tick: a round that keeps aborting must not spin.
    const visited = new Set<Log>();
    while (!this.stopping) {
      const now = this.clock();
      let best: { log: Log; score: number } | undefined;
      try {
        for (const log of logs()) {
          if (visited.has(log) || cleaning.has(log)) continue;
          const failed = this.failedAt.get(log);
          if (failed !== undefined && now - failed < this.errorBackoffMs) continue;
          if (!this.needsCleaning(log, now)) continue;
          const state = this.cleanableState(log, now)!;
          // Overdue logs first (max.compaction.lag.ms is a promise), then the dirtiest.
          const score = (state.overdue ? 2 : 0) + state.dirtyRatio;
          if (best === undefined || score > best.score) best = { log, score };
        }
      } catch (err) {
        this.logger.error('Log cleaner could not list the logs to clean', { error: String(err) });
        return;
      }
      if (best === undefined) return;
      const log = best.log;
      visited.add(log);
      try {
        const stats = await this.cleanLog(log, now);
        this.failedAt.delete(log);
        if (stats.outcome === 'cleaned') {
          this.logger.info(`Cleaned ${log.name}`, { ...stats });
        }
      } catch (err) {
        this.failedAt.set(log, this.clock());
        this.logger.error(`Cleaning ${log.name} failed; retrying in ${this.errorBackoffMs} ms`, { error: String(err), code: (err as { code?: unknown }).code });
      }
    }
  }
}

/** Re-encodes a batch with some of its records, keeping every header field that matters. */
function rebuild(h: BatchHeader, records: LogRecord[], deleteHorizonMs: number | undefined): Buffer {
  let estimate = BATCH_HEADER_SIZE;
  for (const r of records) estimate += 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  const builder = new RecordBatchBuilder(
    {
      compression: codecOfAttributes(h.attributes),
      baseOffset: h.baseOffset,
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      transactional: isTransactional(h.attributes),
      control: isControl(h.attributes),
      timestampType: timestampTypeOf(h.attributes),
      deleteHorizonMs,
    },
    estimate,
  );
  for (const r of records) builder.tryAppend(r, r.offset - h.baseOffset);
  builder.setLastOffsetDelta(h.lastOffsetDelta);
  return builder.build();
}

/**
 * A batch with no records that keeps the original's offsets and max timestamp (uncompressed: an
 * empty compressed block would not decode), and its producer fields when `keepProducer` (a data
 * batch's without the transactional flag: see the file comment).
 */
function headerOnly(h: BatchHeader, keepProducer: boolean): Buffer {
  const builder = new RecordBatchBuilder(
    keepProducer
      ? {
          baseOffset: h.baseOffset,
          partitionLeaderEpoch: h.partitionLeaderEpoch,
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence,
          transactional: isControl(h.attributes) && isTransactional(h.attributes),
          control: isControl(h.attributes),
          timestampType: timestampTypeOf(h.attributes),
        }
      : { baseOffset: h.baseOffset, partitionLeaderEpoch: h.partitionLeaderEpoch, timestampType: timestampTypeOf(h.attributes) },
    BATCH_HEADER_SIZE,
  );
  builder.setLastOffsetDelta(h.lastOffsetDelta);
  const out = builder.build();
  writeInt64(out, BASE_TIMESTAMP, h.maxTimestamp);
  writeInt64(out, MAX_TIMESTAMP, h.maxTimestamp);
  updateCrc(out, 0);
  return out;
}
