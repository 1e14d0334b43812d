import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { StorageClient } from '../../../storage/client/types.js';
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
