import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogCleaner, type LogCleanerOptions } from '../../../storage/log/cleaner.js';
import { Log } from '../../../storage/log/log.js';
import { buildLogConfig } from '../../../storage/log/log-config.js';
import { Codec, loadCodecs } from '../../../storage/log/compression.js';
import {
  codecOfAttributes,
  decodeRecords,
  encodeBatch,
  forEachBatch,
  hasDeleteHorizon,
  isControl,
  isTransactional,
  readBatchHeader,
  type BatchHeader,
  type BatchOptions,
  type LogRecord,
} from '../../../storage/log/record-batch.js';
import { silentLogger, type Logger } from '../../../storage/logger.js';
import type { IsolationLevel } from '../../../storage/types.js';
import { tempDir } from '../../helpers/tmp.js';

const T0 = 1_700_000_000_000;
let clock = T0;
const env = { now: () => clock, logger: silentLogger };
const cleanups: (() => void)[] = [];

function open(dir: string, overrides: Record<string, string> = {}, clean = false): Log {
  const log = Log.open(dir, 't', 0, buildLogConfig({ 'cleanup.policy': 'compact', ...overrides }), env, { clean });
  cleanups.push(() => log.close());
  return log;
}

function fresh(overrides: Record<string, string> = {}): { log: Log; dir: string } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return { log: open(t.dir, overrides), dir: t.dir };
}

function cleaner(opts: LogCleanerOptions = {}): LogCleaner {
  return new LogCleaner({ logger: silentLogger, ...opts });
}

type KV = [key: string, value: string | null];

function put(log: Log, records: KV[], opts: BatchOptions = {}, ts = clock): number {
  const buf = encodeBatch(records.map(([k, v], i) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v), timestamp: ts + i })), opts);
  return log.append(buf).baseOffset;
}

interface ReadBatch {
  header: BatchHeader;
  records: LogRecord[];
}

/** Every batch from the log start, as a consumer fetching in a loop sees them. */
function readBatches(log: Log, isolation: IsolationLevel = 'read_uncommitted'): ReadBatch[] {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  for (;;) {
    const res = log.read(offset, 1 << 20, isolation);
    if (res.records.length === 0) break;
    const from = offset;
    forEachBatch(res.records, (pos) => {
      const header = readBatchHeader(res.records, pos);
      out.push({ header, records: decodeRecords(res.records, pos).filter((r) => r.offset >= from) });
      offset = header.baseOffset + header.lastOffsetDelta + 1;
    });
  }
  return out;
}

function readRecords(log: Log, isolation: IsolationLevel = 'read_uncommitted'): LogRecord[] {
  return readBatches(log, isolation)
    .filter((b) => !isControl(b.header.attributes))
    .flatMap((b) => b.records);
}

const show = (records: LogRecord[]): [number, string, string | null][] =>
  records.map((r) => [r.offset, r.key!.toString(), r.value === null ? null : r.value.toString()]);

/** key -> latest value after applying the records in order (a tombstone deletes). */
function latestValues(records: LogRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) {
    if (r.value === null) out.delete(r.key!.toString());
    else out.set(r.key!.toString(), r.value.toString());
  }
  return out;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(() => loadCodecs());
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  clock = T0;
});

describe('LogCleaner', () => {
  it('keeps the latest value of each key at its original offset, in offset order', async () => {
    const { log, dir } = fresh({ 'segment.bytes': '1000' });
    const expected = new Map<string, [number, string]>();
    for (let i = 0; i < 60; i++) {
      // Batches of three records over ten keys: some batches lose some records, not all.
      const kvs: KV[] = [0, 1, 2].map((j) => [`k${(i * 7 + j * 3) % 10}`, `v${i}-${j}`]);
      const base = put(log, kvs);
      kvs.forEach(([k, v], j) => expected.set(k, [base + j, v!]));
    }
    log.roll();
    const segmentsBefore = log.segmentCount;
    const stats = await cleaner().cleanLog(log, clock);
    expect(stats).toMatchObject({ outcome: 'cleaned', recordsKept: 10, recordsRemoved: 170, cleanedUpTo: 180 });
    expect(stats.segmentsAfter).toBeLessThan(stats.segmentsBefore);
    expect(log.segmentCount).toBeLessThan(segmentsBefore);
    const want = [...expected].map(([k, [offset, v]]) => [offset, k, v]).sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(show(readRecords(log))).toEqual(want);
    // Offsets did not move: the log end and the next append are where they were.
    expect(log.logEndOffset).toBe(180);
    expect(put(log, [['k0', 'after']])).toBe(180);
    // A cleaned batch still holds its original offset range, so a fetch in the middle works.
    for (const [offset] of want) expect(decodeRecords(log.read(offset as number, 1).records, 0).some((r) => r.offset === offset)).toBe(true);
    log.close();
    const again = open(dir, { 'segment.bytes': '1000' });
    expect(show(readRecords(again))).toEqual([...want, [180, 'k0', 'after']]);
    expect(again.cleanedUpTo).toBe(180);
    expect(readdirSync(dir).filter((f) => /cleaned|swap/.test(f))).toEqual([]);
  });

  it('keeps a tombstone through one cleaning and drops it once delete.retention.ms has passed', async () => {
    const { log } = fresh({ 'segment.bytes': '400', 'delete.retention.ms': '1000' });
    put(log, [['a', '1'], ['b', '1']]);
    put(log, [['a', null], ['c', '1']]);
    put(log, [['b', '2']]);
    log.roll();
    const c = cleaner();
    const t1 = clock + 10;
    await c.cleanLog(log, t1);
    expect(show(readRecords(log))).toEqual([[2, 'a', null], [3, 'c', '1'], [4, 'b', '2']]);
    const tombstoneBatch = readBatches(log).find((b) => b.records.some((r) => r.offset === 2))!;
    expect(hasDeleteHorizon(tombstoneBatch.header.attributes)).toBe(true);
    expect(tombstoneBatch.header.baseTimestamp).toBe(t1 + 1000);
    // The horizon lives in the base timestamp; the records' own timestamps are untouched.
    expect(tombstoneBatch.records.map((r) => r.timestamp)).toEqual([clock, clock + 1]);
    expect(c.needsCleaning(log, t1 + 999)).toBe(false);
    expect(c.needsCleaning(log, t1 + 1000)).toBe(true);

    const early = await c.cleanLog(log, t1 + 999);
    expect(early.tombstonesRemoved).toBe(0);
    expect(show(readRecords(log))).toEqual([[2, 'a', null], [3, 'c', '1'], [4, 'b', '2']]);
    const late = await c.cleanLog(log, t1 + 1000);
    expect(late.tombstonesRemoved).toBe(1);
    expect(show(readRecords(log))).toEqual([[3, 'c', '1'], [4, 'b', '2']]);
    expect(c.needsCleaning(log, t1 + 10_000)).toBe(false);
  });

  it('removes aborted transactions, keeps committed ones, and lets commit markers go after their data', async () => {
    const { log, dir } = fresh({ 'delete.retention.ms': '1000' });
    put(log, [['k', 'plain']]); // 0
    put(log, [['k', 'aborted'], ['x', 'aborted']], { producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true }); // 1-2
    put(log, [['y', 'committed']], { producerId: 6, producerEpoch: 0, baseSequence: 0, transactional: true }); // 3
    log.appendMarker('ABORT', 5, 0, 0); // 4
    log.appendMarker('COMMIT', 6, 0, 0); // 5
    put(log, [['z', 'plain']]); // 6
    put(log, [['y', 'later']]); // 7
    log.roll();
    const c = cleaner();
    const first = await c.cleanLog(log, clock);
    expect(first.abortedRecordsRemoved).toBe(2);
    // The aborted write did not shadow the value before it.
    const want = [[0, 'k', 'plain'], [6, 'z', 'plain'], [7, 'y', 'later']];
    for (const isolation of ['read_uncommitted', 'read_committed'] as const) expect(show(readRecords(log, isolation))).toEqual(want);
    // Each producer's last data batch stays as a bare, non-transactional header, so a replay
    // still finds its sequence and does not take it for an open transaction.
    const bare = readBatches(log).filter((b) => b.header.recordCount === 0);
    expect(bare.map((b) => b.header)).toMatchObject([
      { baseOffset: 1, lastOffsetDelta: 1, producerId: 5, baseSequence: 0 },
      { baseOffset: 3, lastOffsetDelta: 0, producerId: 6, baseSequence: 0 },
    ]);
    for (const b of bare) expect(isTransactional(b.header.attributes)).toBe(false);
    const markers = () => readBatches(log).filter((b) => isControl(b.header.attributes));
    expect(markers().map((b) => b.header.baseOffset)).toEqual([4, 5]);

    // Next round: no committed data left, so the commit marker gets a horizon. The abort marker
    // stays for good: a read_committed consumer handed its index entry needs it.
    await c.cleanLog(log, clock);
    const [abortMarker, commitMarker] = markers();
    expect(hasDeleteHorizon(abortMarker!.header.attributes)).toBe(false);
    expect(hasDeleteHorizon(commitMarker!.header.attributes)).toBe(true);
    expect((await c.cleanLog(log, clock + 999)).markersRemoved).toBe(0);
    expect((await c.cleanLog(log, clock + 1000)).markersRemoved).toBe(1);
    expect(markers().map((b) => b.header.baseOffset)).toEqual([4]);
    const res = log.read(0, 1 << 20, 'read_committed');
    expect(res.abortedTransactions).toEqual([{ producerId: 5, firstOffset: 1 }]);

    // A replay of the whole log (no snapshots) finds no open transaction.
    log.close();
    for (const f of readdirSync(dir)) if (f.endsWith('.snapshot')) rmSync(join(dir, f));
    const again = open(dir, { 'delete.retention.ms': '1000' });
    expect(again.lastStableOffset).toBe(again.logEndOffset);
    expect(show(readRecords(again, 'read_committed'))).toEqual(want);
  });

  it('lets producers append while a slow round runs; the appends land after the cleaned range', async () => {
    const { log } = fresh({ 'segment.bytes': '2000' });
    for (let i = 0; i < 300; i++) put(log, [[`k${i % 20}`, `v${i}`]]);
    log.roll();
    const end = log.logEndOffset;
    let done = false;
    const round = cleaner({ yieldBytes: 1 })
      .cleanLog(log, clock)
      .finally(() => (done = true));
    const appended: number[] = [];
    while (!done) {
      appended.push(put(log, [[`k${appended.length % 20}`, `during-${appended.length}`]]));
      log.flushPending();
      await tick();
    }
    const stats = await round;
    expect(stats.outcome).toBe('cleaned');
    // The round yielded between batches: many appends happened while it was running.
    expect(appended.length).toBeGreaterThan(20);
    expect(appended).toEqual(Array.from({ length: appended.length }, (_, i) => end + i));
    expect(log.cleanedUpTo).toBe(end);
    const records = readRecords(log);
    expect(records.filter((r) => r.offset < end)).toHaveLength(20);
    expect(show(records.filter((r) => r.offset >= end))).toEqual(appended.map((offset, i) => [offset, `k${i % 20}`, `during-${i}`]));
  });

  it('keeps each batch compressed with its codec', async () => {
    const { log } = fresh();
    const gzip = put(log, [['a', 'g'], ['b', 'g'], ['c', 'g'.repeat(300)], ['d', 'g'.repeat(300)]], { compression: Codec.Gzip });
    const lz4 = put(log, [['a', 'l'], ['b', 'l'.repeat(300)]], { compression: Codec.Lz4 });
    put(log, [['a', 'z']], { compression: Codec.Zstd });
    const snappy = put(log, [['e', 's'], ['a', 's'.repeat(300)]], { compression: Codec.Snappy });
    log.roll();
    await cleaner().cleanLog(log, clock);
    const batches = readBatches(log);
    expect(batches.map((b) => [b.header.baseOffset, codecOfAttributes(b.header.attributes), b.records.map((r) => r.offset)])).toEqual([
      [gzip, Codec.Gzip, [gzip + 2, gzip + 3]],
      [lz4, Codec.Lz4, [lz4 + 1]],
      [snappy, Codec.Snappy, [snappy, snappy + 1]],
    ]);
    expect(batches[0]!.header.lastOffsetDelta).toBe(3);
    expect(batches[0]!.records[0]!.value!.toString()).toBe('g'.repeat(300));
    // Compressed, not stored raw: 600 bytes of values take far less.
    expect(batches[0]!.header.batchLength).toBeLessThan(300);
  });

  it('never cleans the active segment, past the last stable offset, or younger than min.compaction.lag.ms', async () => {
    const { log } = fresh({ 'segment.bytes': '600' });
    for (let i = 0; i < 30; i++) put(log, [[`k${i % 3}`, `a${i}`]]);
    log.roll();
    const txnStart = put(log, [['t', 'open']], { producerId: 7, producerEpoch: 0, baseSequence: 0, transactional: true });
    for (let i = 0; i < 30; i++) put(log, [[`k${i % 3}`, `b${i}`]]); // sealed, but past the LSO
    const activeFrom = log.logEndOffset;
    log.roll();
    for (let i = 0; i < 5; i++) put(log, [[`k${i % 3}`, `c${i}`]]); // active
    expect(log.lastStableOffset).toBe(txnStart);
    const c = cleaner();
    const before = show(readRecords(log).filter((r) => r.offset >= txnStart));
    const stats = await c.cleanLog(log, clock);
    expect(stats.cleanedUpTo).toBe(txnStart);
    const after = readRecords(log);
    expect(show(after.filter((r) => r.offset < txnStart)).map(([, k, v]) => `${k}=${v}`)).toEqual(['k0=a27', 'k1=a28', 'k2=a29']);
    expect(show(after.filter((r) => r.offset >= txnStart))).toEqual(before);

    log.appendMarker('COMMIT', 7, 0, 0);
    log.roll();
    const lagged = fresh({ 'segment.bytes': '600', 'min.compaction.lag.ms': '60000' }).log;
    for (let i = 0; i < 20; i++) put(lagged, [[`k${i % 3}`, `old${i}`]], {}, clock - 120_000);
    lagged.roll();
    const recentFrom = lagged.logEndOffset;
    for (let i = 0; i < 20; i++) put(lagged, [[`k${i % 3}`, `new${i}`]], {}, clock - 1000);
    lagged.roll();
    await c.cleanLog(lagged, clock);
    expect(lagged.cleanedUpTo).toBe(recentFrom);
    expect(readRecords(lagged).filter((r) => r.offset >= recentFrom)).toHaveLength(20);

    // Once the transaction is committed, the next round reaches the active segment.
    await c.cleanLog(log, clock);
    expect(log.cleanedUpTo).toBe(log.activeSegment.baseOffset);
    expect(log.cleanedUpTo).toBeGreaterThan(activeFrom);
    const tail = readRecords(log).filter((r) => r.offset < log.cleanedUpTo);
    expect(tail.map((r) => `${r.key}=${r.value}`).sort()).toEqual(['k0=c3', 'k1=c4', 'k2=c2', 't=open']);
  });

  it('completes a swap interrupted by a crash when the log reopens', async () => {
    const small = { 'segment.bytes': '800' };
    const a = fresh(small);
    for (let i = 0; i < 80; i++) put(a.log, [[`k${i % 8}`, `v${i}`.padEnd(30, '.')]]);
    a.log.flushPending();
    a.log.close();
    const b = tempDir();
    cleanups.push(b.cleanup);
    cpSync(a.dir, b.dir, { recursive: true });

    // Clean a copy with a larger segment.bytes: all sealed segments form one group.
    const cleaned = open(a.dir, { 'segment.bytes': '100000' });
    const oldBases = cleaned.listSegments().map((s) => s.baseOffset);
    const end = cleaned.activeSegment.baseOffset;
    const stats = await cleaner().cleanLog(cleaned, clock);
    expect(stats.segmentsAfter).toBe(1);
    const want = show(readRecords(cleaned));
    cleaned.close();

    // What replaceSegments leaves when the process dies after the `.swap` rename, having deleted
    // only some of the old segments.
    const name = (offset: number, ext: string) => join(b.dir, `${String(offset).padStart(20, '0')}${ext}`);
    writeFileSync(name(0, '.log.swap'), readFileSync(join(a.dir, '00000000000000000000.log')));
    writeFileSync(name(0, '.log.swap.end'), `${end}\n`);
    for (const base of oldBases.slice(0, 2)) rmSync(name(base, '.log'));
    const reopened = open(b.dir, small);
    expect(show(readRecords(reopened))).toEqual(want);
    expect(reopened.listSegments().map((s) => s.baseOffset)).toEqual([0, end]);
    expect(readdirSync(b.dir).filter((f) => f.includes('swap'))).toEqual([]);
    expect(put(reopened, [['k0', 'next']])).toBe(80);
  });

  it('drops a .cleaned file left by a crash before the swap, keeping the original segments', async () => {
    const { log, dir } = fresh({ 'segment.bytes': '500' });
    for (let i = 0; i < 40; i++) put(log, [[`k${i % 4}`, `v${i}`]]);
    log.flushPending();
    const want = show(readRecords(log));
    writeFileSync(join(dir, '00000000000000000000.log.cleaned'), Buffer.from('half-written'));
    const again = open(dir, { 'segment.bytes': '500' });
    expect(show(readRecords(again))).toEqual(want);
    expect(existsSync(join(dir, '00000000000000000000.log.cleaned'))).toBe(false);
  });

  it('leaves a bare header where a whole group was removed, so retention still sees its age', async () => {
    const { log } = fresh({ 'cleanup.policy': 'compact,delete', 'retention.ms': '60000', 'delete.retention.ms': '1000' });
    const old = clock - 120_000;
    put(log, [['k0', 'a'], ['k1', 'a']], {}, old);
    put(log, [['k0', null], ['k1', null]], {}, old + 10);
    log.roll();
    put(log, [['n', 'new']]);
    const c = cleaner();
    await c.cleanLog(log, clock);
    expect(show(readRecords(log))).toEqual([[2, 'k0', null], [3, 'k1', null], [4, 'n', 'new']]);
    const stats = await c.cleanLog(log, clock + 1000);
    expect(stats.tombstonesRemoved).toBe(2);
    expect(show(readRecords(log))).toEqual([[4, 'n', 'new']]);
    const [first] = log.listSegments();
    expect(first!.size).toBeGreaterThan(0);
    expect(readBatches(log)[0]!.header).toMatchObject({ baseOffset: 2, lastOffsetDelta: 1, recordCount: 0, producerId: -1, maxTimestamp: old + 11 });
    expect(log.applyRetention(clock + 1000)).toBe(1);
    expect(log.logStartOffset).toBe(4);
  });

  it('keeps LogAppendTime timestamps of the records it keeps', async () => {
    const { log } = fresh({ 'message.timestamp.type': 'LogAppendTime' });
    clock = T0 + 5;
    put(log, [['a', '1'], ['b', '1'], ['c', '1']], {}, 1);
    clock = T0 + 9;
    put(log, [['a', '2']], {}, 2);
    log.roll();
    await cleaner().cleanLog(log, clock);
    expect(readRecords(log).map((r) => [r.offset, r.timestamp])).toEqual([[1, T0 + 5], [2, T0 + 5], [3, T0 + 9]]);
  });

  it('with compact,delete also honours retention, on cleaned segments too', async () => {
    const { log } = fresh({ 'cleanup.policy': 'compact,delete', 'segment.bytes': '1000', 'retention.ms': '60000' });
    for (let i = 0; i < 40; i++) put(log, [[`old${i % 4}`, `o${i}`.padEnd(40)]], {}, clock - 120_000);
    log.roll();
    const newFrom = log.logEndOffset;
    for (let i = 0; i < 40; i++) put(log, [[`new${i % 4}`, `n${i}`.padEnd(40)]]);
    log.roll();
    const stats = await cleaner().cleanLog(log, clock);
    expect(stats.outcome).toBe('cleaned');
    expect(readRecords(log).map((r) => r.key!.toString())).toEqual(['old0', 'old1', 'old2', 'old3', 'new0', 'new1', 'new2', 'new3']);
    // The cleaned old segments keep their old max timestamps, so retention still finds them.
    expect(log.applyRetention(clock)).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeLessThanOrEqual(newFrom);
    expect(readRecords(log).map((r) => r.key!.toString())).toEqual(['new0', 'new1', 'new2', 'new3']);
    for (let i = 0; i < 8; i++) put(log, [[`new${i % 4}`, `m${i}`]]);
    log.roll();
    expect((await cleaner().cleanLog(log, clock)).outcome).toBe('cleaned');
    expect([...latestValues(readRecords(log))]).toEqual([['new0', 'm4'], ['new1', 'm5'], ['new2', 'm6'], ['new3', 'm7']]);
  });

  it('abandons a round quietly when the log changes underneath, leaving no files behind', async () => {
    const { log, dir } = fresh({ 'segment.bytes': '1000' });
    put(log, [['t', 'x']], { producerId: 3, producerEpoch: 0, baseSequence: 0, transactional: true });
    log.appendMarker('ABORT', 3, 0, 0);
    for (let i = 0; i < 100; i++) put(log, [[`k${i % 5}`, `v${i}`]]);
    log.roll();
    const txnIndex = join(dir, '00000000000000000000.txnindex');
    expect(existsSync(txnIndex)).toBe(true);
    const round = cleaner({ yieldBytes: 1 }).cleanLog(log, clock);
    // Close once the rewrite has begun: the abandoned `.cleaned` segment must go, and only it.
    for (let i = 0; i < 1000 && !readdirSync(dir).some((f) => f.endsWith('.log.cleaned')); i++) await tick();
    expect(readdirSync(dir).some((f) => f.endsWith('.log.cleaned'))).toBe(true);
    log.close();
    const stats = await round;
    expect(stats.outcome).toBe('aborted');
    expect(readdirSync(dir).filter((f) => f.includes('.cleaned'))).toEqual([]);
    // The original segment's aborted-transaction index is not the cleaned segment's to delete.
    expect(existsSync(txnIndex)).toBe(true);
    const again = open(dir, { 'segment.bytes': '1000' }, true);
    expect(again.read(0, 1 << 20, 'read_committed').abortedTransactions).toEqual([{ producerId: 3, firstOffset: 0 }]);
    expect(again.cleanedUpTo).toBe(0);

    // Retention deleting a segment mid-round: replaceSegments refuses, the round ends.
    const both = fresh({ 'cleanup.policy': 'compact,delete', 'segment.bytes': '1000', 'retention.ms': '1000' });
    for (let i = 0; i < 100; i++) put(both.log, [[`k${i % 5}`, `v${i}`]], {}, clock - 10_000);
    both.log.roll();
    put(both.log, [['k0', 'fresh']]);
    const racing = cleaner({ yieldBytes: 1 }).cleanLog(both.log, clock);
    await tick();
    expect(both.log.applyRetention(clock)).toBeGreaterThan(0);
    expect((await racing).outcome).toBe('aborted');
    expect(readdirSync(both.dir).filter((f) => f.includes('.cleaned'))).toEqual([]);
    expect(show(readRecords(both.log))).toEqual([[100, 'k0', 'fresh']]);
  });

  it('refuses a second round on a log while one runs', async () => {
    const { log } = fresh({ 'segment.bytes': '1000' });
    for (let i = 0; i < 50; i++) put(log, [[`k${i % 5}`, `v${i}`]]);
    log.roll();
    const c = cleaner({ yieldBytes: 1 });
    const first = c.cleanLog(log, clock);
    await expect(cleaner().cleanLog(log, clock)).rejects.toMatchObject({ code: 'LOG_CLEANING_IN_PROGRESS' });
    expect((await first).outcome).toBe('cleaned');
  });

  it('cleans a dirty section larger than the offset map over several rounds', async () => {
    const { log } = fresh({ 'segment.bytes': '700' });
    for (let i = 0; i < 200; i++) put(log, [[`k${i % 50}`, `v${i}`]]);
    log.roll();
    const c = cleaner({ maxKeys: 12 });
    const first = await c.cleanLog(log, clock);
    expect(first.cleanedUpTo).toBeGreaterThan(0);
    expect(first.cleanedUpTo).toBeLessThan(200);
    let rounds = 1;
    while (log.cleanedUpTo < 200 && rounds < 50) {
      await c.cleanLog(log, clock);
      rounds++;
    }
    expect(rounds).toBeGreaterThan(3);
    const records = readRecords(log);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => 150 + i));
  });

  it('decides by dirty ratio and max.compaction.lag.ms', async () => {
    const { log } = fresh({ 'segment.bytes': '1000' });
    const c = cleaner();
    expect(c.needsCleaning(log, clock)).toBe(false);
    for (let i = 0; i < 100; i++) put(log, [[`k${i}`, `v${i}`.padEnd(50)]]);
    expect(c.needsCleaning(log, clock)).toBe(true);
    const state = c.cleanableState(log, clock)!;
    expect(state).toMatchObject({ firstDirtyOffset: 0, cleanBytes: 0, dirtyRatio: 1, overdue: false });
    expect(state.firstUncleanableOffset).toBe(log.activeSegment.baseOffset);
    await c.cleanLog(log, clock);
    expect(c.needsCleaning(log, clock)).toBe(false);
    for (let i = 0; i < 20; i++) put(log, [[`k${i}`, `w${i}`.padEnd(50)]]);
    log.roll();
    const small = c.cleanableState(log, clock)!;
    expect(small.dirtyRatio).toBeGreaterThan(0);
    expect(small.dirtyRatio).toBeLessThan(0.5);
    expect(c.needsCleaning(log, clock)).toBe(false);
    log.config = { ...log.config, minCleanableDirtyRatio: 0.1 };
    expect(c.needsCleaning(log, clock)).toBe(true);
    log.config = { ...log.config, minCleanableDirtyRatio: 0.5, maxCompactionLagMs: 60_000 };
    expect(c.needsCleaning(log, clock + 30_000)).toBe(false);
    expect(c.needsCleaning(log, clock + 61_000)).toBe(true);
    expect(c.needsCleaning(fresh({ 'cleanup.policy': 'delete' }).log, clock)).toBe(false);
  });

  it('runs in the background, dirtiest log first, and survives a failing log', async () => {
    const good = fresh({ 'segment.bytes': '1000' });
    const bad = fresh({ 'segment.bytes': '1000' });
    for (const { log } of [good, bad]) {
      for (let i = 0; i < 100; i++) put(log, [[`k${i % 5}`, `v${i}`]]);
      log.roll();
    }
    // Bit rot in a sealed segment of the bad log: its round fails the CRC check.
    const file = join(bad.dir, '00000000000000000000.log');
    const bytes = readFileSync(file);
    bytes[bytes.readInt32BE(8) + 12 + 30] ^= 0xff; // the second batch's base timestamp, under its CRC
    writeFileSync(file, bytes);
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (message) => errors.push(message) };
    const c = new LogCleaner({ logger, now: () => clock });
    c.start(() => [bad.log, good.log], 5);
    for (let i = 0; i < 400 && (good.log.cleanedUpTo === 0 || errors.length === 0); i++) await new Promise((r) => setTimeout(r, 5));
    await c.stop();
    expect(good.log.cleanedUpTo).toBe(good.log.activeSegment.baseOffset);
    expect(readRecords(good.log)).toHaveLength(5);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('t-0');
    expect(readdirSync(bad.dir).filter((f) => f.includes('.cleaned'))).toEqual([]);
    expect(bad.log.cleanedUpTo).toBe(0);
  });

  it('property: the latest non-null value per key survives any cleaning, tombstoned keys go after the horizon', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const random = mulberry32(seed);
      const overrides = { 'segment.bytes': String(400 + Math.floor(random() * 1200)), 'delete.retention.ms': '5000' };
      const { log, dir } = fresh(overrides);
      const c = cleaner({ maxKeys: seed % 2 === 0 ? 7 : 1_000_000, yieldBytes: 4096 });
      const input: LogRecord[] = [];
      const codecs = [Codec.None, Codec.Gzip, Codec.Lz4, Codec.Snappy];
      for (let step = 0; step < 300; step++) {
        const n = 1 + Math.floor(random() * 4);
        const kvs: KV[] = [];
        for (let i = 0; i < n; i++) kvs.push([`key-${Math.floor(random() * 30)}`, random() < 0.2 ? null : `v${step}.${i}`.repeat(1 + Math.floor(random() * 3))]);
        const base = put(log, kvs, { compression: codecs[Math.floor(random() * codecs.length)]! });
        kvs.forEach(([k, v], i) => input.push({ offset: base + i, timestamp: 0, key: Buffer.from(k), value: v === null ? null : Buffer.from(v), headers: [] }));
        clock += 10;
        if (random() < 0.03) await c.cleanLog(log, clock);
      }
      log.roll();
      const byOffset = new Map(input.map((r) => [r.offset, r]));
      const check = (records: LogRecord[]) => {
        expect(latestValues(records)).toEqual(latestValues(input));
        // Offsets never change: each surviving record is the input record at that offset.
        for (const r of records) {
          const orig = byOffset.get(r.offset)!;
          expect([r.key!.toString(), r.value?.toString() ?? null]).toEqual([orig.key!.toString(), orig.value?.toString() ?? null]);
        }
        expect(records.map((r) => r.offset)).toEqual([...records.map((r) => r.offset)].sort((a, b) => a - b));
      };
      check(readRecords(log));
      for (let i = 0; i < 300 && log.cleanedUpTo < log.activeSegment.baseOffset; i++) await c.cleanLog(log, clock);
      expect(log.cleanedUpTo).toBe(log.activeSegment.baseOffset);
      check(readRecords(log));
      // After the horizon, one more round: no tombstones and no duplicate keys left in the cleaned range.
      await c.cleanLog(log, clock + 5000);
      const records = readRecords(log);
      check(records);
      const cleanedRange = records.filter((r) => r.offset < log.cleanedUpTo);
      expect(cleanedRange.filter((r) => r.value === null)).toEqual([]);
      expect(new Set(cleanedRange.map((r) => r.key!.toString())).size).toBe(cleanedRange.length);
      expect(cleanedRange.length).toBe(latestValues(input).size);
      log.close();
      check(readRecords(open(dir, overrides)));
    }
  });
});
