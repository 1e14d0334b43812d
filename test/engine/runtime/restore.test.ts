import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { StorageClient } from '../../../storage/client/types.js';
import type { ReadOnlyKeyValueStore } from '../../../storage/state/stores.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { StreamsApp } from '../../../engine/runtime/streams-app.js';
import { tempDir } from '../../helpers/tmp.js';
import { countTopology, createTopic, openBroker, produce, readAll, waitUntil } from './helpers.js';

const APP = 'counter';
const CHANGELOG = `${APP}-counts-changelog`;

function table(app: StreamsApp): Record<string, string> {
  const view = app.store<ReadOnlyKeyValueStore<string, string>>('counts');
  return Object.fromEntries([...view.all()].map((kv) => [kv.key, kv.value]));
}

describe('StreamsApp with a change-logged store', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  let client: StorageClient;
  let state: { dir: string; cleanup: () => void };

  beforeEach(async () => {
    env = await openBroker();
    client = env.broker.client();
    state = tempDir('freshet-rt-state-');
    await createTopic(client, 'input', 2);
    await createTopic(client, 'output', 2);
  });

  afterEach(async () => {
    await env.cleanup();
    state.cleanup();
  });

  const start = async (opts: { kind?: 'rocksdb' | 'memory' | 'custom' } = {}): Promise<StreamsApp> => {
    const app = new StreamsApp(countTopology(opts), { applicationId: APP, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 100 }, client);
    await app.start();
    await app.waitForState('RUNNING');
    return app;
  };

  for (const kind of ['rocksdb', 'custom'] as const) {
    it(`creates the changelog, restores only the tail after its checkpoint, and everything when the state directory is gone (${kind} store)`, async () => {
      const input = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 6}`, value: `v${i}` }));
      await produce(client, 'input', input);
      const first = await start({ kind });
      await waitUntil('all counted', () => first.metrics().processed === 60);
      expect(table(first)).toEqual(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, '10'])));
      expect(first.queryMetadataForKey('counts', 'k1', Serdes.String())).toMatchObject({ isLocal: true });
      await first.close();

      const admin = client.admin();
      const [changelog] = await admin.describeTopics([CHANGELOG]);
      const configs = await admin.describeConfigs([{ type: 'topic', name: CHANGELOG }]);
      await admin.close();
      expect(changelog!.partitions).toHaveLength(2);
      expect(configs[0]!.entries.find((e) => e.name === 'cleanup.policy')?.value).toBe('compact');
      const changelogRecords = await readAll(client, CHANGELOG);
      expect(changelogRecords).toHaveLength(60);

      // The checkpoint of each task holds the end of its changelog partition.
      for (const p of [0, 1]) {
        const file = join(state.dir, APP, `0_${p}`, '.checkpoint');
        const end = changelogRecords.filter((r) => r.partition === p).length;
        expect(readFileSync(file, 'utf8')).toBe(`0\n1\n${CHANGELOG} ${p} ${end}\n`);
      }

      // Changes the local state has not seen (as if written by a run that crashed after its last checkpoint).
      await produce(client, CHANGELOG, [
        { key: 'k0', value: '100', partition: changelogRecords.find((r) => r.key?.toString() === 'k0')!.partition },
        { key: 'zz', value: '7', partition: 0 },
      ]);
      const second = await start({ kind });
      expect(second.metrics().restore.restoredRecords).toBe(2);
      const expected = { ...Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, '10'])), k0: '100', zz: '7' };
      expect(table(second)).toEqual(expected);
      await second.close();

      rmSync(join(state.dir, APP), { recursive: true, force: true });
      const third = await start({ kind });
      const m = third.metrics();
      expect(m.restore.restoredRecords).toBe(62);
      expect(m.restore.partitions.map((p) => [p.taskId, p.done]).sort()).toEqual([
        ['0_0', true],
        ['0_1', true],
      ]);
      expect(table(third)).toEqual(expected);
      // Processing continues from the restored counts.
      await produce(client, 'input', [{ key: 'k1', value: 'x' }]);
      await waitUntil('k1 counted', () => table(third)['k1'] === '11');
      await third.close();
    });
  }

  it('restores in-memory stores from the start of the changelog on every start', async () => {
    await produce(client, 'input', Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}` })));
    const first = await start({ kind: 'memory' });
    await waitUntil('all counted', () => first.metrics().processed === 20);
    await first.close();
    // An in-memory store's checkpoint would be meaningless: it starts empty.
    expect(existsSync(join(state.dir, APP, '0_0', '.checkpoint'))).toBe(false);
    const second = await start({ kind: 'memory' });
    expect(second.metrics().restore.restoredRecords).toBe(20);
    expect(table(second)).toEqual({ k0: '5', k1: '5', k2: '5', k3: '5' });
    await second.close();
  });
});
