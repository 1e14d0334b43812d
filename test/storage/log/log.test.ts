import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Log } from '../../../storage/log/log.js';
import { buildLogConfig } from '../../../storage/log/log-config.js';
import { decodeRecords, encodeBatch, forEachBatch, type LogRecord } from '../../../storage/log/record-batch.js';
import { loadCodecs } from '../../../storage/log/compression.js';
import { silentLogger } from '../../../storage/logger.js';
import { tempDir } from '../../helpers/tmp.js';

const clock = 1_700_000_000_000;
const env = { now: () => clock, logger: silentLogger };
const cleanups: (() => void)[] = [];

function open(dir: string, overrides: Record<string, string> = {}, clean = false): Log {
  const log = Log.open(dir, 't', 0, buildLogConfig(overrides), env, { clean });
  cleanups.push(() => log.close());
  return log;
}

function fresh(overrides: Record<string, string> = {}): { log: Log; dir: string } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return { log: open(t.dir, overrides), dir: t.dir };
}

function batch(values: string[], ts = clock, opts: Parameters<typeof encodeBatch>[1] = {}): Buffer {
  return encodeBatch(values.map((v, i) => ({ key: Buffer.from(`k${v}`), value: Buffer.from(v), timestamp: ts + i })), opts);
}

function readAll(log: Log, from = log.logStartOffset, isolation: 'read_committed' | 'read_uncommitted' = 'read_uncommitted'): LogRecord[] {
  const out: LogRecord[] = [];
  let offset = from;
  for (;;) {
    const res = log.read(offset, 4096, isolation);
    if (res.records.length === 0) break;
    forEachBatch(res.records, (pos) => {
      for (const r of decodeRecords(res.records, pos)) if (r.offset >= offset) out.push(r);
    });
    offset = out.length > 0 ? out[out.length - 1]!.offset + 1 : offset;
    const last = res.records;
    let end = offset;
    forEachBatch(last, (pos) => {
      end = Math.max(end, last.readInt32BE(pos + 23) + Number(last.readBigInt64BE(pos)) + 1);
    });
    offset = end;
  }
  return out;
}

beforeAll(() => loadCodecs());
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('Log', () => {
  it('assigns consecutive offsets and reads back what was appended', () => {
    const { log } = fresh();
    expect(log.append(batch(['a', 'b', 'c']))).toMatchObject({ baseOffset: 0, lastOffset: 2, recordCount: 3 });
    expect(log.append(batch(['d']))).toMatchObject({ baseOffset: 3, lastOffset: 3 });
    expect(log.logEndOffset).toBe(4);
    expect(readAll(log).map((r) => [r.offset, r.value!.toString()])).toEqual([[0, 'a'], [1, 'b'], [2, 'c'], [3, 'd']]);
    expect(readAll(log, 2).map((r) => r.offset)).toEqual([2, 3]);
  });

  it('rolls segments by segment.bytes and finds offsets through the index', () => {
    const { log, dir } = fresh({ 'segment.bytes': '20000', 'index.interval.bytes': '1000' });
    for (let i = 0; i < 1000; i++) log.append(batch([`value-${i}`.padEnd(100, '.')]));
    expect(log.segmentCount).toBeGreaterThan(5);
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log'));
    expect(logs[0]).toBe('00000000000000000000.log');
    for (const f of logs) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(20000);
    for (const target of [0, 1, 137, 500, 998, 999]) {
      const res = log.read(target, 1);
      const recs = decodeRecords(res.records, 0);
      expect(recs[0]!.offset).toBe(target);
      expect(recs[0]!.value!.toString()).toMatch(`value-${target}.`);
    }
  });

  it('returns the first batch whole even when it is larger than maxBytes, and respects maxBytes after it', () => {
    const { log } = fresh();
    log.append(batch(['x'.repeat(5000)]));
    log.append(batch(['y']));
    const res = log.read(0, 100);
    expect(decodeRecords(res.records, 0)[0]!.value!.length).toBe(5000);
    let batches = 0;
    forEachBatch(res.records, () => batches++);
    expect(batches).toBe(1);
    let both = 0;
    forEachBatch(log.read(0, 100_000).records, () => both++);
    expect(both).toBe(2);
  });

  it('rolls by segment.ms and fsyncs by flush.messages', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    let now = 1_000_000;
    const timed = Log.open(t.dir, 't', 0, buildLogConfig({ 'segment.ms': '1000', 'flush.messages': '2' }), { now: () => now, logger: silentLogger }, { clean: false });
    cleanups.push(() => timed.close());
    timed.append(batch(['a'], now));
    now += 500;
    timed.append(batch(['b'], now));
    expect(timed.segmentCount).toBe(1);
    // Two messages since the last flush: the recovery point moved to the log end.
    expect(readFileSync(join(t.dir, 'recovery-point'), 'utf8').trim()).toBe('2');
    now += 1000;
    timed.append(batch(['c'], now));
    expect(timed.segmentCount).toBe(2);
    expect(timed.listSegments()[1]!.baseOffset).toBe(2);
  });

  it('writes appends only when flushed, coalescing them', () => {
    const { log, dir } = fresh();
    log.append(batch(['a']));
    log.append(batch(['b']));
    expect(statSync(join(dir, '00000000000000000000.log')).size).toBe(0);
    log.flushPending();
    const size = statSync(join(dir, '00000000000000000000.log')).size;
    expect(size).toBeGreaterThan(0);
    // Reads flush first: a reader never misses an append.
    log.append(batch(['c']));
    expect(readAll(log).map((r) => r.value!.toString())).toEqual(['a', 'b', 'c']);
  });

  it('refuses out-of-range offsets with OFFSET_OUT_OF_RANGE', () => {
    const { log } = fresh();
    log.append(batch(['a']));
    expect(log.read(1, 100).records.length).toBe(0);
    expect(() => log.read(2, 100)).toThrow(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
    expect(() => log.read(-1, 100)).toThrow(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
  });

  it('refuses batches over max.message.bytes and compacted records without keys', () => {
    const { log } = fresh({ 'max.message.bytes': '1000' });
    expect(() => log.append(batch(['z'.repeat(2000)]))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }));
    const compacted = fresh({ 'cleanup.policy': 'compact' }).log;
    expect(() => compacted.append(encodeBatch([{ key: null, value: Buffer.from('v'), timestamp: 1 }]))).toThrow(expect.objectContaining({ code: 'INVALID_RECORD' }));
    expect(log.logEndOffset).toBe(0);
  });

  it('finds offsets by timestamp through the time index', () => {
    const { log } = fresh({ 'segment.bytes': '5000', 'index.interval.bytes': '200' });
    for (let i = 0; i < 300; i++) log.append(batch([`v${i}`], 1000 + i * 10));
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1000 + 1234)).toEqual({ offset: 124, timestamp: 2240 });
    expect(log.offsetForTimestamp(1000 + 2990)).toEqual({ offset: 299, timestamp: 3990 });
    expect(log.offsetForTimestamp(5000)).toBeNull();
    expect(log.maxTimestamp()).toEqual({ offset: 299, timestamp: 3990 });
  });

  it('stamps LogAppendTime when the topic asks for it', () => {
    const { log } = fresh({ 'message.timestamp.type': 'LogAppendTime' });
    const res = log.append(batch(['a'], 5));
    expect(res.logAppendTime).toBe(clock);
    expect(decodeRecords(log.read(0, 1000).records, 0)[0]!.timestamp).toBe(clock);
  });

  it('keeps everything acknowledged across an unclean reopen', () => {
    const { log, dir } = fresh({ 'segment.bytes': '3000' });
    for (let i = 0; i < 200; i++) log.append(batch([`r${i}`]));
    log.flushPending(); // what the broker does before acknowledging
    // No close: as after SIGKILL.
    const again = open(dir);
    expect(again.logEndOffset).toBe(200);
    expect(readAll(again).map((r) => r.value!.toString())).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
    again.append(batch(['after']));
    expect(again.logEndOffset).toBe(201);
  });

  it('truncates a torn tail and rebuilds the index on open', () => {
    const { log, dir } = fresh();
    for (let i = 0; i < 10; i++) log.append(batch([`r${i}`]));
    log.close();
    const file = join(dir, '00000000000000000000.log');
    const size = statSync(file).size;
    appendFileSync(file, batch(['torn']).subarray(0, 40)); // half a batch, as a crash mid-write leaves it
    rmSync(join(dir, '00000000000000000000.index'), { force: true });
    const again = open(dir);
    expect(again.logEndOffset).toBe(10);
    expect(statSync(file).size).toBe(size);
    expect(again.append(batch(['next'])).baseOffset).toBe(10);
    expect(readAll(again).map((r) => r.value!.toString()).slice(-2)).toEqual(['r9', 'next']);
  });

  it('truncates at a corrupt byte instead of serving it', () => {
    const { log, dir } = fresh();
    for (let i = 0; i < 10; i++) log.append(batch([`record-${i}`]));
    log.close();
    const file = join(dir, '00000000000000000000.log');
    const bytes = readFileSync(file);
    const batchLen = bytes.length / 10;
    bytes[Math.floor(batchLen * 6 + batchLen / 2)] ^= 0x55; // inside batch 6
    writeFileSync(file, bytes);
    const again = open(dir);
    expect(again.logEndOffset).toBe(6);
    expect(readAll(again).map((r) => r.value!.toString())).toEqual(Array.from({ length: 6 }, (_, i) => `record-${i}`));
  });

  it('rebuilds a corrupt index of a sealed segment', () => {
    const { log, dir } = fresh({ 'segment.bytes': '2000', 'index.interval.bytes': '100' });
    for (let i = 0; i < 100; i++) log.append(batch([`r${i}`.padEnd(50, '-')]));
    log.close();
    writeFileSync(join(dir, '00000000000000000000.index'), Buffer.from('garbage!garbage?'));
    const again = open(dir, { 'segment.bytes': '2000', 'index.interval.bytes': '100' }, true);
    for (const target of [3, 10, 20]) expect(decodeRecords(again.read(target, 1).records, 0)[0]!.offset).toBe(target);
  });

  it('deletes whole segments past retention.ms and retention.bytes', () => {
    const { log } = fresh({ 'segment.bytes': '1000', 'retention.ms': '60000' });
    for (let i = 0; i < 50; i++) log.append(batch([`old-${i}`.padEnd(80)], clock - 120_000));
    for (let i = 0; i < 10; i++) log.append(batch([`new-${i}`.padEnd(80)], clock));
    const before = log.segmentCount;
    expect(log.applyRetention()).toBeGreaterThan(0);
    expect(log.segmentCount).toBeLessThan(before);
    const remaining = readAll(log).map((r) => r.value!.toString().trim());
    expect(remaining.filter((v) => v.startsWith('new'))).toHaveLength(10);
    expect(remaining.length).toBeLessThan(60);
    expect(log.logStartOffset).toBe(60 - remaining.length);

    const bySize = fresh({ 'segment.bytes': '1000', 'retention.bytes': '3000' }).log;
    for (let i = 0; i < 100; i++) bySize.append(batch([`v-${i}`.padEnd(80)]));
    bySize.applyRetention();
    expect(bySize.size).toBeLessThanOrEqual(3000 + 1000);
    expect(readAll(bySize).at(-1)!.value!.toString().trim()).toBe('v-99');
  });

  it('rolls and deletes an active segment whose records all expired', () => {
    const { log } = fresh({ 'retention.ms': '1000' });
    log.append(batch(['a'], clock - 10_000));
    expect(log.applyRetention()).toBe(1);
    expect(log.logStartOffset).toBe(1);
    expect(log.append(batch(['b'])).baseOffset).toBe(1);
  });

  it('moves the log start with deleteRecordsBefore and survives a reopen', () => {
    const { log, dir } = fresh({ 'segment.bytes': '1000' });
    for (let i = 0; i < 50; i++) log.append(batch([`v${i}`.padEnd(60)]));
    expect(log.deleteRecordsBefore(30)).toBe(30);
    expect(() => log.read(10, 100)).toThrow(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
    expect(readAll(log)[0]!.offset).toBe(30);
    log.close();
    const again = open(dir, { 'segment.bytes': '1000' });
    expect(again.logStartOffset).toBe(30);
    expect(() => again.deleteRecordsBefore(51)).toThrow(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
  });

  it('does not write an idempotent retry twice and refuses sequence gaps', () => {
    const { log } = fresh();
    const first = batch(['a', 'b'], clock, { producerId: 1, producerEpoch: 0, baseSequence: 0 });
    const retry = Buffer.from(first);
    expect(log.append(first)).toMatchObject({ baseOffset: 0, duplicate: false });
    expect(log.append(retry)).toMatchObject({ baseOffset: 0, lastOffset: 1, duplicate: true });
    expect(log.logEndOffset).toBe(2);
    expect(() => log.append(batch(['c'], clock, { producerId: 1, producerEpoch: 0, baseSequence: 5 }))).toThrow(expect.objectContaining({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }));
    expect(log.append(batch(['c'], clock, { producerId: 1, producerEpoch: 0, baseSequence: 2 })).baseOffset).toBe(2);
    // A bumped epoch restarts at 0; the old epoch is fenced.
    expect(log.append(batch(['d'], clock, { producerId: 1, producerEpoch: 1, baseSequence: 0 })).baseOffset).toBe(3);
    expect(() => log.append(batch(['e'], clock, { producerId: 1, producerEpoch: 0, baseSequence: 3 }))).toThrow(expect.objectContaining({ code: 'INVALID_PRODUCER_EPOCH' }));
  });

  it('remembers producer sequences across a restart (snapshot + replay)', () => {
    const { log, dir } = fresh({ 'segment.bytes': '500' });
    for (let s = 0; s < 20; s++) log.append(batch([`v${s}`], clock, { producerId: 9, producerEpoch: 2, baseSequence: s }));
    const dupBytes = batch(['v19'], clock, { producerId: 9, producerEpoch: 2, baseSequence: 19 });
    log.flushPending();
    const again = open(dir, { 'segment.bytes': '500' });
    expect(again.append(dupBytes)).toMatchObject({ duplicate: true, baseOffset: 19 });
    expect(() => again.append(batch(['x'], clock, { producerId: 9, producerEpoch: 2, baseSequence: 22 }))).toThrow(expect.objectContaining({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }));
  });

  it('hides open and aborted transactions from read_committed, with the LSO', () => {
    const { log, dir } = fresh();
    log.append(batch(['plain']));
    log.append(batch(['t1-a', 't1-b'], clock, { producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true }));
    log.append(batch(['t2-a'], clock, { producerId: 6, producerEpoch: 0, baseSequence: 0, transactional: true }));
    expect(log.lastStableOffset).toBe(1);
    expect(readAll(log, 0, 'read_committed').map((r) => r.value!.toString())).toEqual(['plain']);
    log.appendMarker('ABORT', 5, 0, 0);
    expect(log.lastStableOffset).toBe(3);
    log.appendMarker('COMMIT', 6, 0, 0);
    expect(log.lastStableOffset).toBe(log.logEndOffset);
    const res = log.read(0, 100_000, 'read_committed');
    expect(res.abortedTransactions).toEqual([{ producerId: 5, firstOffset: 1 }]);
    // After a restart the aborted transaction is still known.
    const again = open(dir);
    expect(again.read(0, 100_000, 'read_committed').abortedTransactions).toEqual([{ producerId: 5, firstOffset: 1 }]);
    expect(again.lastStableOffset).toBe(again.logEndOffset);
  });

  it('keeps an open transaction open across a restart', () => {
    const { log, dir } = fresh();
    log.append(batch(['t'], clock, { producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true }));
    log.append(batch(['u']));
    log.flushPending();
    const again = open(dir);
    expect(again.lastStableOffset).toBe(0);
    again.appendMarker('COMMIT', 5, 0, 0);
    expect(again.lastStableOffset).toBe(3);
  });

  it('recompresses when compression.type names a codec', () => {
    const { log } = fresh({ 'compression.type': 'gzip' });
    log.append(batch(['a'.repeat(1000), 'b'.repeat(1000)]));
    const res = log.read(0, 100_000);
    expect(res.records.readInt16BE(21) & 7).toBe(1);
    expect(res.records.length).toBeLessThan(500);
    expect(decodeRecords(res.records, 0).map((r) => r.value!.length)).toEqual([1000, 1000]);
  });
});
