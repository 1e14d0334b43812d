import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { StorageClient } from '../../../storage/client/types.js';
import type { ReadOnlyKeyValueStore, ValueAndTimestamp } from '../../../storage/state/stores.js';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import type { Topology } from '../../../engine/topology/topology.js';
import { StreamsApp, type AppState } from '../../../engine/runtime/streams-app.js';
import { tempDir } from '../../helpers/tmp.js';
import { createTopic, openBroker, produce, readAll, str, upperTopology, waitUntil } from './helpers.js';

describe('StreamsApp, stateless, on the embedded broker', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  let client: StorageClient;
  let state: { dir: string; cleanup: () => void };

  beforeEach(async () => {
    env = await openBroker();
    client = env.broker.client();
    state = tempDir('freshet-rt-state-');
  });

  afterEach(async () => {
    await env.cleanup();
    state.cleanup();
  });

  const newApp = () => new StreamsApp(upperTopology(), { applicationId: 'upper', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 200 }, client);

  it('processes records end to end, commits offsets, and resumes after a restart without reprocessing', async () => {
    await createTopic(client, 'input', 2);
    await createTopic(client, 'output', 2);
    await produce(client, 'input', Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}` })));

    const app = newApp();
    const states: AppState[] = [];
    app.onStateChange((s) => states.push(s));
    await app.start();
    await app.waitForState('RUNNING');
    await waitUntil('100 outputs', async () => (await readAll(client, 'output')).length === 100);
    expect(app.metrics().processed).toBe(100);
    expect(await app.close()).toBe(true);
    expect(states).toEqual(['REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);

    const out = await readAll(client, 'output');
    expect(out.map((r) => str(r.value)).sort()).toEqual(Array.from({ length: 100 }, (_, i) => `V${i}`).sort());
    // Keys keep their partitions: the sink partitions by the same murmur2 as the input producer.
    const inputs = await readAll(client, 'input');
    const partitionOf = new Map(inputs.map((r) => [str(r.key), r.partition]));
    for (const r of out) expect(r.partition).toBe(partitionOf.get(str(r.key)));

    const admin = client.admin();
    const offsets = await admin.listGroupOffsets('upper');
    await admin.close();
    expect(offsets.filter((o) => o.topic === 'input').map((o) => o.lag)).toEqual([0, 0]);
    expect(offsets.filter((o) => o.topic === 'input').reduce((n, o) => n + o.offset, 0)).toBe(100);

    await produce(client, 'input', Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 7}`, value: `w${i}` })));
    const again = newApp();
    await again.start();
    await waitUntil('150 outputs', async () => (await readAll(client, 'output')).length >= 150);
    await new Promise((r) => setTimeout(r, 300));
    expect(again.metrics().processed).toBe(50);
    await again.close();
    const all = (await readAll(client, 'output')).map((r) => str(r.value));
    expect(all).toHaveLength(150);
    expect(new Set(all).size).toBe(150);
  });

  it('reports lag per input partition and commit metrics', async () => {
    await createTopic(client, 'input', 2);
    await createTopic(client, 'output', 2);
    const app = newApp();
    await app.start();
    await app.waitForState('RUNNING');
    await produce(client, 'input', Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    await waitUntil('processed', () => app.metrics().processed === 20);
    // End offsets are refreshed once a second.
    await waitUntil('lag known', () => app.metrics().lag.reduce((n, l) => n + l.endOffset, 0) === 20, 5000);
    await waitUntil('commits', () => app.metrics().commits.count > 0);
    const m = app.metrics();
    expect(m.lag.map((l) => l.topic)).toEqual(['input', 'input']);
    expect(m.lag.map((l) => l.lag)).toEqual([0, 0]);
    expect(m.commits.avgLatencyMs).toBeGreaterThanOrEqual(0);
    expect(Object.keys(m.tasks).sort()).toEqual(['0_0', '0_1']);
    await app.close();
  });

  it('refuses to start when a source topic is missing, and goes to ERROR', async () => {
    const app = newApp();
    await expect(app.start()).rejects.toMatchObject({ code: 'TOPOLOGY_ERROR', message: expect.stringContaining('input') });
    expect(app.state).toBe('ERROR');
  });

  it('allows one instance per state directory', async () => {
    await createTopic(client, 'input', 1);
    const a = newApp();
    await a.start();
    const b = newApp();
    await expect(b.start()).rejects.toMatchObject({ code: 'STATE_DIR_LOCKED' });
    await a.close();
  });
});

describe('StreamsApp running a DSL topology', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  let client: StorageClient;
  let state: { dir: string; cleanup: () => void };

  beforeEach(async () => {
    env = await openBroker();
    client = env.broker.client();
    state = tempDir('freshet-rt-state-');
    await createTopic(client, 'lines', 2);
    await createTopic(client, 'word-counts', 2);
  });

  afterEach(async () => {
    await env.cleanup();
    state.cleanup();
  });

  function wordCount(): Topology {
    const S = Serdes.String();
    const builder = new StreamsBuilder();
    builder
      .stream<string, string>('lines', { keySerde: S, valueSerde: S })
      .flatMapValues((line) => line.split(' '))
      .groupBy((_, word) => word, { keySerde: S, valueSerde: S })
      .count({ materialized: { storeName: 'counts' } })
      .toStream()
      .to('word-counts', { keySerde: S, valueSerde: Serdes.Long() });
    return builder.build();
  }

  for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
    it(`counts words through a repartition topic and a cached store, across a restart (${guarantee})`, async () => {
      const start = async () => {
        const app = new StreamsApp(wordCount(), { applicationId: 'words', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 50, processingGuarantee: guarantee }, client);
        await app.start();
        await app.waitForState('RUNNING');
        return app;
      };
      const finalCounts = async () => {
        const last = new Map<string, number>();
        for (const r of await readAll(client, 'word-counts', 'read_committed')) last.set(str(r.key)!, Number(r.value!.readBigInt64BE()));
        return Object.fromEntries([...last].sort());
      };
      const counts = (app: StreamsApp) => app.store<ReadOnlyKeyValueStore<string, ValueAndTimestamp<number>>>('counts');

      await produce(client, 'lines', [
        { key: null, value: 'a b a' },
        { key: null, value: 'c a b' },
      ]);
      const first = await start();
      await waitUntil('counted', async () => JSON.stringify(await finalCounts()) === JSON.stringify({ a: 3, b: 2, c: 1 }));
      expect(counts(first).get('a')?.value).toBe(3);
      expect([...counts(first).all()].map((kv) => kv.key)).toEqual(['a', 'b', 'c']);
      await first.close();

      await produce(client, 'lines', [{ key: null, value: 'a d' }]);
      const second = await start();
      await waitUntil('counted again', async () => JSON.stringify(await finalCounts()) === JSON.stringify({ a: 4, b: 2, c: 1, d: 1 }));
      expect(counts(second).get('d')?.value).toBe(1);
      await second.close();
    });
  }
});
