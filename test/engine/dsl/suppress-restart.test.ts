import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { StorageClient } from '../../../storage/client/types.js';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { BufferConfig, Suppressed } from '../../../engine/dsl/suppress.js';
import { TimeWindows } from '../../../engine/dsl/windows.js';
import { StreamsApp } from '../../../engine/runtime/streams-app.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { WindowedSerdes } from '../../../engine/serde/windowed.js';
import { tempDir } from '../../helpers/tmp.js';
import { createTopic, openBroker, produce, readAll, waitUntil } from '../runtime/helpers.js';

const S = Serdes.String();
const L = Serdes.Long();
const TW = WindowedSerdes.timeWindowedSerdeFrom(S, 10);
const APP = 'final-counts';

describe('suppression across restarts (StreamsApp on the embedded broker)', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  let client: StorageClient;
  let state: { dir: string; cleanup: () => void };

  beforeEach(async () => {
    env = await openBroker();
    client = env.broker.client();
    state = tempDir('freshet-suppress-state-');
    await createTopic(client, 'in', 1);
    await createTopic(client, 'out', 1);
  });

  afterEach(async () => {
    await env.cleanup();
    state.cleanup();
  });

  const start = async (): Promise<StreamsApp> => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count()
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'))
      .toStream()
      .to('out', { keySerde: TW, valueSerde: L });
    const app = new StreamsApp(b.build(), { applicationId: APP, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 50 }, client);
    await app.start();
    await app.waitForState('RUNNING');
    return app;
  };

  const results = async (): Promise<[string, number | null][]> =>
    (await readAll(client, 'out')).map((r) => {
      const key = TW.deserialize('out', r.key)!;
      return [`${key.key}@${key.window.start}`, L.deserialize('out', r.value)];
    });

  it('neither loses nor re-emits held-back results when restarted, with its state or restoring it', async () => {
    await produce(client, 'in', [
      { key: 'a', value: 'x', timestamp: 1 },
      { key: 'a', value: 'x', timestamp: 2 },
      { key: 'b', value: 'x', timestamp: 3 },
      { key: 'a', value: 'x', timestamp: 12 }, // closes [0,10); a@[10,20) is held back
    ]);
    const first = await start();
    await waitUntil('first window emitted', async () => (await results()).length === 2);
    await first.close();
    expect(await results()).toEqual([
      ['a@0', 2],
      ['b@0', 1],
    ]);

    // Restart on the same state directory: the buffer still holds a@[10,20).
    await produce(client, 'in', [{ key: 'a', value: 'x', timestamp: 13 }]);
    const second = await start();
    await waitUntil('second run processed', () => second.metrics().processed === 1);
    await second.close();
    expect(await results()).toHaveLength(2);

    // Restart without local state: window store and buffer come back from their changelogs.
    rmSync(join(state.dir, APP), { recursive: true, force: true });
    await produce(client, 'in', [{ key: 'c', value: 'x', timestamp: 25 }]);
    const third = await start();
    expect(third.metrics().restore.restoredRecords).toBeGreaterThan(0);
    await waitUntil('second window emitted', async () => (await results()).length === 3);
    await third.close();
    expect(await results()).toEqual([
      ['a@0', 2],
      ['b@0', 1],
      ['a@10', 2],
    ]);
  });
});
