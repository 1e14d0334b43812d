/**
 * Change-logging: what each store kind sends to its changelog (Kafka's key layouts, so the
 * bytes are compared with fixtures), registration for restore, and restoring a fresh store
 * from those records to equal contents without logging again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, Cleanup, drain, FakeContext, openKeyValue, openSession, openTimestampedKeyValue, openWindow, stringSerde } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const t0 = 1_700_000_000_000;

describe('changelog records', () => {
  it('logs key-value writes and deletes with the record timestamp', async () => {
    const { store, ctx } = await openKeyValue(cleanup, 'memory', stringSerde, stringSerde);
    ctx.recordTime = t0;
    store.put('a', '1');
    ctx.recordTime = t0 + 1;
    store.delete('a');
    ctx.recordTime = undefined;
    ctx.time = t0 + 2;
    store.put('b', '2');
    expect(ctx.logged).toEqual([
      { store: 'kv', key: Buffer.from('a'), value: Buffer.from('1'), timestamp: t0 },
      { store: 'kv', key: Buffer.from('a'), value: null, timestamp: t0 + 1 },
      { store: 'kv', key: Buffer.from('b'), value: Buffer.from('2'), timestamp: t0 + 2 },
    ]);
  });

  it('logs timestamped values as timestamp + value, with their timestamp', async () => {
    const { store, ctx } = await openTimestampedKeyValue(cleanup, 'memory', stringSerde, stringSerde);
    store.put('k', { value: 'v', timestamp: 258 });
    expect(ctx.logged).toEqual([{ store: 'tkv', key: Buffer.from('k'), value: Buffer.from('0000000000000102' + '76', 'hex'), timestamp: 258 }]);
  });

  it("logs window keys in Kafka's layout: key | start int64 | seqnum int32", async () => {
    const { store, ctx } = await openWindow(cleanup, 'memory', stringSerde, stringSerde, { retainDuplicates: true });
    store.put('k', 'v1', 0x0102);
    store.put('k', 'v2', 0x0102);
    expect(ctx.logged.map((c) => c.key.toString('hex'))).toEqual(['6b' + '0000000000000102' + '00000001', '6b' + '0000000000000102' + '00000002']);
    const { store: plain, ctx: plainCtx } = await openWindow(cleanup, 'memory', stringSerde, stringSerde, { name: 'plain' });
    plain.put('k', 'v', 5);
    expect(plainCtx.logged[0]!.key.toString('hex')).toBe('6b' + '0000000000000005' + '00000000');
  });

  it("logs session keys in Kafka's layout: key | end int64 | start int64", async () => {
    const { store, ctx } = await openSession(cleanup, 'memory', stringSerde, stringSerde);
    store.put({ key: 'k', window: { start: 1, end: 2 } }, 'agg');
    store.remove({ key: 'k', window: { start: 1, end: 2 } });
    expect(ctx.logged.map((c) => [c.key.toString('hex'), c.value?.toString() ?? null])).toEqual([
      ['6b' + '0000000000000002' + '0000000000000001', 'agg'],
      ['6b' + '0000000000000002' + '0000000000000001', null],
    ]);
  });

  it('registers the outermost store for restore only when there is a changelog', async () => {
    const { store, ctx } = await openKeyValue(cleanup, 'memory', stringSerde, stringSerde);
    expect(ctx.restorers.get('kv')?.store).toBe(store);
    const quiet = new FakeContext(cleanup.dir(), 0, false);
    const { ctx: c2 } = await openKeyValue(cleanup, 'memory', stringSerde, stringSerde, { ctx: quiet, name: 'nolog' });
    expect(c2.restorers.size).toBe(0);
    const { ctx: c3 } = await openKeyValue(cleanup, 'memory', stringSerde, stringSerde, { logging: false, name: 'off' });
    expect(c3.restorers.size).toBe(0);
    expect(c3.logged).toEqual([]);
  });
});

describe.each(BACKENDS)('restore from the changelog on %s', (backend) => {
  it('rebuilds a key-value store', async () => {
    const { store, ctx } = await openKeyValue(cleanup, backend, stringSerde, stringSerde);
    for (let i = 0; i < 100; i++) store.put(`k${i % 37}`, `v${i}`);
    for (let i = 0; i < 10; i++) store.delete(`k${i * 3}`);
    const { store: fresh, ctx: freshCtx } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { name: 'kv' });
    await freshCtx.restore('kv', ctx.changelog('kv'));
    expect(drain(fresh.all())).toEqual(drain(store.all()));
    expect(freshCtx.logged).toEqual([]);
  });

  it('rebuilds a window store with duplicates', async () => {
    const { store, ctx } = await openWindow(cleanup, backend, stringSerde, stringSerde, { retainDuplicates: true });
    for (let i = 0; i < 60; i++) store.put(`k${i % 5}`, `v${i}`, (i % 7) * 10);
    const { store: fresh, ctx: freshCtx } = await openWindow(cleanup, backend, stringSerde, stringSerde, { retainDuplicates: true });
    await freshCtx.restore('win', ctx.changelog('win'));
    expect(drain(fresh.all())).toEqual(drain(store.all()));
    expect(drain(fresh.all())).toHaveLength(60);
    expect(freshCtx.logged).toEqual([]);
  });

  it('rebuilds a window store, dropping what expired', async () => {
    const { store, ctx } = await openWindow(cleanup, backend, stringSerde, stringSerde, { retentionMs: 100, segmentIntervalMs: 20 });
    for (let t = 0; t <= 300; t += 10) store.put('k', `v${t}`, t);
    const { store: fresh, ctx: freshCtx } = await openWindow(cleanup, backend, stringSerde, stringSerde, { retentionMs: 100, segmentIntervalMs: 20 });
    await freshCtx.restore('win', ctx.changelog('win'));
    expect(drain(fresh.all())).toEqual(drain(store.all()));
    expect(drain(fresh.all()).map((kv) => kv.key.window.start)).toEqual([210, 220, 230, 240, 250, 260, 270, 280, 290, 300]);
  });

  it('rebuilds a session store', async () => {
    const { store, ctx } = await openSession(cleanup, backend, stringSerde, stringSerde);
    for (let i = 0; i < 30; i++) store.put({ key: `k${i % 4}`, window: { start: i * 10, end: i * 10 + 5 } }, `a${i}`);
    store.remove({ key: 'k1', window: { start: 10, end: 15 } });
    const { store: fresh, ctx: freshCtx } = await openSession(cleanup, backend, stringSerde, stringSerde);
    await freshCtx.restore('sess', ctx.changelog('sess'));
    expect(drain(fresh.fetchKeyRange(null, null))).toEqual(drain(store.fetchKeyRange(null, null)));
    expect(freshCtx.logged).toEqual([]);
  });
});
