/**
 * One segment of a partition log: `<base offset>.log` holds record batches back to back, exactly
 * as producers sent them (offsets assigned), with its `.index` and `.timeindex` beside it.
 * Writes go to the page cache with positional `writeSync`, so a record is in the OS before its
 * append returns: killing the process loses nothing acknowledged; `flush()` fsyncs.
 */
import { closeSync, constants, fstatSync, fsync, ftruncateSync, openSync, readSync, rmSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaError } from '../errors.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { offsetFileName } from './files.js';
import {
  BASE_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  readInt64,
  validateBatch,
} from './record-batch.js';

export interface SegmentOptions {
  indexIntervalBytes: number;
  /** segment.index.bytes: the index's capacity in bytes; a full index rolls the segment. */
  indexBytes: number;
}

/** Chunk size for sequential scans (recovery, index rebuilds, timestamp searches). */
const SCAN_CHUNK = 1 << 20;

export class Segment {
  readonly logPath: string;
  readonly index: OffsetIndex;
  readonly timeIndex: TimeIndex;
  size = 0;
  /** One past the last offset stored here (the base offset while empty). */
  nextOffset: number;
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Wall-clock time of the first append, for `segment.ms`. */
  firstAppendAt = -1;
  /** Set once the segment is deleted or replaced; its file descriptor is closed. */
  closed = false;
  private fd: number;
  private bytesSinceIndexEntry = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes in the file; `size` also counts pending appends. */
  private writtenSize = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly opts: SegmentOptions,
    fd: number,
    private readonly suffix = '',
  ) {
    this.fd = fd;
    this.nextOffset = baseOffset;
    this.logPath = join(dir, offsetFileName(baseOffset, '.log' + suffix));
    const maxIndexEntries = Math.max(1, Math.floor(opts.indexBytes / 8));
    const maxTimeEntries = Math.max(1, Math.floor(opts.indexBytes / 12));
    this.index = new OffsetIndex(join(dir, offsetFileName(baseOffset, '.index' + suffix)), baseOffset, maxIndexEntries);
    this.timeIndex = new TimeIndex(join(dir, offsetFileName(baseOffset, '.timeindex' + suffix)), baseOffset, maxTimeEntries);
  }

  /** Creates an empty segment file (truncating any file of that name). `suffix` names a cleaner's temporary segment. */
  static create(dir: string, baseOffset: number, opts: SegmentOptions, suffix = ''): Segment {
    const path = join(dir, offsetFileName(baseOffset, '.log' + suffix));
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o644);
    return new Segment(dir, baseOffset, opts, fd, suffix);
  }

  /** Opens an existing segment file; the caller then loads or rebuilds its indexes. */
  static open(dir: string, baseOffset: number, opts: SegmentOptions): Segment {
    const path = join(dir, offsetFileName(baseOffset, '.log'));
    const fd = openSync(path, constants.O_RDWR);
    const seg = new Segment(dir, baseOffset, opts, fd);
    seg.size = fstatSync(fd).size;
    seg.writtenSize = seg.size;
    return seg;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get indexFull(): boolean {
    return this.index.isFull || this.timeIndex.isFull;
  }

  /**
   * Appends bytes holding whole batches (kept by reference, not copied) and returns their file
   * position; the caller then calls `indexBatch` for each batch. The bytes reach the file at the
   * next `flushPending()`, together with other appends: one `writev` for many batches.
   */
  write(buf: Buffer, now: number): number {
    const position = this.size;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.size += buf.length;
    if (this.firstAppendAt < 0) this.firstAppendAt = now;
    return position;
  }

  get pendingWriteBytes(): number {
    return this.pendingBytes;
  }

  get pendingWriteCount(): number {
    return this.pending.length;
  }

  /** Writes pending appends to the file (page cache) with as few system calls as possible. */
  flushPending(): void {
    let buffers = this.pending;
    if (buffers.length === 0) return;
    let position = this.writtenSize;
    while (buffers.length > 0) {
      let written = writevSync(this.fd, buffers, position);
      position += written;
      // A short write (rare on regular files): continue with what is left.
      let i = 0;
      while (i < buffers.length && written >= buffers[i]!.length) written -= buffers[i++]!.length;
      buffers = buffers.slice(i);
      if (written > 0) buffers[0] = buffers[0]!.subarray(written);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.writtenSize = position;
  }

  /** Records a batch written at `position` in the indexes. */
  indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceIndexEntry > this.opts.indexIntervalBytes) {
      this.index.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    this.nextOffset = lastOffset + 1;
  }

  /** Reads written bytes; into `scratch` (returning a view of it) when given and large enough. */
  read(position: number, length: number, scratch?: Buffer): Buffer {
    const len = Math.max(0, Math.min(length, this.writtenSize - position));
    const buf = scratch !== undefined && scratch.length >= len ? scratch : Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, buf, done, len - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done === buf.length ? buf : buf.subarray(0, done);
  }

  /**
   * Walks the batches from `position`, reading in large chunks, calling `fn(buf, pos, filePosition, size)`
   * for each whole batch until it returns false or the segment ends. Stops at a batch whose
   * length field is impossible (a torn tail); validation is the callback's business.
   */
  scan(position: number, fn: (buf: Buffer, pos: number, filePosition: number, size: number) => boolean | void): void {
    this.flushPending();
    let filePos = position;
    while (filePos + LOG_OVERHEAD <= this.size) {
      const chunk = this.read(filePos, Math.min(SCAN_CHUNK, this.size - filePos));
      let pos = 0;
      let progressed = false;
      while (pos + LOG_OVERHEAD <= chunk.length) {
        const size = LOG_OVERHEAD + chunk.readInt32BE(pos + BATCH_LENGTH);
        if (size < BATCH_HEADER_SIZE || filePos + pos + size > this.size) return;
        if (pos + size > chunk.length) {
          if (pos === 0) {
            // One batch larger than the chunk: read it whole.
            const big = this.read(filePos, size);
            if (fn(big, 0, filePos, size) === false) return;
            pos = size;
            progressed = true;
          }
          break;
        }
        if (fn(chunk, pos, filePos + pos, size) === false) return;
        pos += size;
        progressed = true;
      }
      if (!progressed) return;
      filePos += pos;
    }
  }

  /**
   * Validates every batch (CRC, framing, offsets growing), rebuilding the indexes, and truncates
   * the file at the first bad batch. Returns the bytes truncated.
   */
  recover(maxBatchBytes: number): number {
    const validEnd = this.reindex(maxBatchBytes);
    const truncated = this.size - validEnd;
    if (truncated > 0) this.truncateTo(validEnd);
    return truncated;
  }

  /** Rebuilds the indexes and offsets by walking batch headers (no CRC check). */
  rebuildIndexes(): void {
    this.reindex(null);
  }

  /** Walks the batches, indexing them; with a size limit, validates each and stops at the first bad one. Returns where the good batches end. */
  private reindex(maxBatchBytes: number | null): number {
    this.index.clear();
    this.timeIndex.clear();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    this.bytesSinceIndexEntry = 0;
    let validEnd = 0;
    this.scan(0, (buf, pos, filePosition, size) => {
      if (maxBatchBytes !== null) {
        try {
          if (size > maxBatchBytes + LOG_OVERHEAD * 2 + BATCH_HEADER_SIZE) return false;
          validateBatch(buf, pos, pos + size);
        } catch {
          return false;
        }
      }
      const baseOffset = readInt64(buf, pos + BASE_OFFSET);
      if (maxBatchBytes !== null && baseOffset < this.nextOffset) return false;
      this.indexBatch(filePosition, size, baseOffset + buf.readInt32BE(pos + LAST_OFFSET_DELTA), readInt64(buf, pos + MAX_TIMESTAMP));
      validEnd = filePosition + size;
      return true;
    });
    return validEnd;
  }

  /**
   * Loads a sealed segment's indexes from their files, rebuilding them from the log when they
   * are missing or fail the sanity check. `nextOffset` bounds the offsets (the next segment's base).
   */
  loadIndexes(nextOffset: number): void {
    this.nextOffset = nextOffset;
    const ok = this.index.load(this.size, nextOffset) && this.timeIndex.load(nextOffset);
    if (!ok) {
      this.rebuildIndexes();
      this.writeIndexes();
      return;
    }
    this.maxTimestamp = this.timeIndex.lastTimestamp;
    this.offsetOfMaxTimestamp = this.timeIndex.lookup(this.maxTimestamp);
    // The last batches may postdate the last index entry: read the tail from there.
    const from = this.index.lastPosition;
    this.scan(from, (buf, pos, _filePosition, _size) => {
      const ts = readInt64(buf, pos + MAX_TIMESTAMP);
      const lastOffset = readInt64(buf, pos + BASE_OFFSET) + buf.readInt32BE(pos + LAST_OFFSET_DELTA);
      if (ts > this.maxTimestamp) {
        this.maxTimestamp = ts;
        this.offsetOfMaxTimestamp = lastOffset;
      }
      this.nextOffset = lastOffset + 1;
    });
    if (this.nextOffset < nextOffset) this.nextOffset = nextOffset;
  }

  /** Seals the segment: a final time-index entry for the max timestamp, and the index files. */
  seal(): void {
    this.flushPending();
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    this.writeIndexes();
  }

  writeIndexes(): void {
    this.index.write();
    this.timeIndex.write();
  }

  truncateTo(size: number): void {
    this.flushPending();
    ftruncateSync(this.fd, size);
    this.size = size;
    this.writtenSize = size;
  }

  /** fsyncs the log file (off the event loop). */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flushPending();
    return new Promise((resolve, reject) => fsync(this.fd, (err) => (err && !this.closed ? reject(err) : resolve())));
  }

  close(): void {
    if (this.closed) return;
    this.flushPending();
    this.closed = true;
    closeSync(this.fd);
  }

  delete(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.close();
    rmSync(this.logPath, { force: true });
    this.index.deleteFile();
    this.timeIndex.deleteFile();
    rmSync(join(this.dir, offsetFileName(this.baseOffset, '.txnindex' + this.suffix)), { force: true });
  }

  toString(): string {
    return `segment ${this.logPath}`;
  }
}

export function storageError(message: string, cause: unknown): KafkaError {
  return new KafkaError('KAFKA_STORAGE_ERROR', `${message}: ${(cause as Error).message}. Check the data directory's disk and permissions.`, { cause });
}
