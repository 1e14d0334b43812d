import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { ReadOnlyKeyValueStore } from '../../../storage/state/stores.js';
import { StreamsApp } from '../../../engine/runtime/streams-app.js';
import { countTopology, produce, waitUntil } from './helpers.js';
import { kafkaForInstances, runningTasksOf, spawnCountApp, type Instance } from './fixtures/instances.js';

const launch = (bootstrap: string, stateDir: string): Instance => spawnCountApp(bootstrap, stateDir, 'two');
const running = runningTasksOf;

describe('two instances over the Kafka protocol', () => {
  const { kafka: harness, dirs } = kafkaForInstances('freshet-two');

  it('split the partitions, and the survivor takes over the killed one\'s tasks with their state', async () => {
    const kafka = harness();
    const client = kafka.broker.client();
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 11}`, value: `v${from + i}` }));
    await produce(client, 'input', batch(0, 400));

    const a = launch(kafka.bootstrap, dirs[0]!.dir);
    await waitUntil('a running', () => running(a).length === 4, 30_000);
    const b = launch(kafka.bootstrap, dirs[1]!.dir);
    try {
      await waitUntil('the tasks split between a and b', () => running(a).length === 2 && running(b).length === 2, 30_000);
      expect([...running(a), ...running(b)].sort()).toEqual(['0_0', '0_1', '0_2', '0_3']);
      const admin = client.admin();
      const committed = async () => (await admin.listGroupOffsets('two')).filter((o) => o.topic === 'input').reduce((n, o) => n + o.offset, 0);
      await waitUntil('the first batch committed', async () => (await committed()) === 400, 30_000);

      const restoredBefore = b.last!.restored;
      a.child.kill('SIGKILL');
      await a.exited;
      await produce(client, 'input', batch(400, 400));
      await waitUntil('b took over every task', () => running(b).length === 4, 30_000);
      await waitUntil('everything committed', async () => (await committed()) === 800, 30_000);
      await admin.close();
      // b rebuilt a's tasks from their changelogs.
      expect(b.last!.restored).toBeGreaterThan(restoredBefore);
      // Status lines come every 200 ms: wait for one taken after the last record was counted.
      const total = () => Object.values(b.last?.table ?? {}).reduce((n, c) => n + c, 0);
      await waitUntil('b reports the full table', () => total() >= 800, 10_000).catch(() => undefined);
      const distributed = b.last!.table!;

      // The same input through one instance gives the same table.
      const single = new StreamsApp(countTopology({ output: 'output-single' }), { applicationId: 'single', stateDir: dirs[2]!.dir, logger: silentLogger, processingGuarantee: 'exactly_once_v2' }, client);
      await single.start();
      await waitUntil('single counted everything', () => single.metrics().processed === 800);
      const table = Object.fromEntries([...single.store<ReadOnlyKeyValueStore<string, string>>('counts').all()].map((kv) => [kv.key, Number(kv.value)]));
      await single.close();
      expect(distributed).toEqual(table);
      expect(Object.values(table).reduce((n, c) => n + c, 0)).toBe(800);
    } finally {
      for (const i of [a, b]) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
  }, 120_000);
});
