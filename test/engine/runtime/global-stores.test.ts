import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { StorageClient } from '../../../storage/client/types.js';
import { Stores } from '../../../storage/state/index.js';
import type { StateStore } from '../../../storage/state/state-store.js';
import type { KeyValueStore, ReadOnlyKeyValueStore } from '../../../storage/state/stores.js';
import type { Processor, ProcessorContext } from '../../../engine/processor/processor.js';
import type { Record } from '../../../engine/processor/record.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { Topology } from '../../../engine/topology/topology.js';
import { StreamsApp } from '../../../engine/runtime/streams-app.js';
import { tempDir } from '../../helpers/tmp.js';
import { createTopic, openBroker, produce, readAll, str, waitUntil } from './helpers.js';

const S = Serdes.String();
type Rates = KeyValueStore<string, string> & StateStore;

/** input value × the rate of its key from the global `rates` store -> output. */
function topology(): Topology {
  return new Topology()
    .addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('rates'), S, S).withLoggingDisabled(), 'rates-source', 'rates', { keySerde: S, valueSerde: S }, 'rates-updater', () => {
      let rates: Rates;
      return {
        init: (c: ProcessorContext<never, never>) => void (rates = c.getStateStore<Rates>('rates')),
        process: (r: Record<string, string>) => rates.put(r.key, r.value),
      } satisfies Processor<string, string>;
    })
    .addSource('source', ['input'], { keySerde: S, valueSerde: S })
    .addProcessor(
      'price',
      () => {
        let ctx: ProcessorContext<string, string>;
        let rates: Rates;
        return {
          init(c) {
            ctx = c;
            rates = c.getStateStore<Rates>('rates');
          },
          process: (r: Record<string, string>) => ctx.forward(r.withValue(String(Number(r.value) * Number(rates.get(r.key) ?? 0)))),
        } satisfies Processor<string, string, string, string>;
      },
      'source',
    )
    .addSink('sink', 'output', { keySerde: S, valueSerde: S }, 'price');
}

describe('global stores', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  let client: StorageClient;
  let state: { dir: string; cleanup: () => void };

  beforeEach(async () => {
    env = await openBroker();
    client = env.broker.client();
    state = tempDir('freshet-rt-state-');
    for (const t of ['rates', 'input', 'output']) await createTopic(client, t, 2);
  });

  afterEach(async () => {
    await env.cleanup();
    state.cleanup();
  });

  const start = async (): Promise<StreamsApp> => {
    const app = new StreamsApp(topology(), { applicationId: 'pricing', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 50 }, client);
    await app.start();
    await app.waitForState('RUNNING');
    return app;
  };

  it('loads all partitions of the global topic before processing, follows updates, and answers queries', async () => {
    await produce(client, 'rates', [
      { key: 'a', value: '2' },
      { key: 'b', value: '3' },
    ]);
    const app = await start();
    expect(app.metrics().restore.globalRecords).toBe(2);
    await produce(client, 'input', [
      { key: 'a', value: '10' },
      { key: 'b', value: '10' },
    ]);
    await waitUntil('two prices', async () => (await readAll(client, 'output')).length === 2);
    const rates = app.store<ReadOnlyKeyValueStore<string, string>>('rates');
    await produce(client, 'rates', [{ key: 'a', value: '5' }]);
    await waitUntil('rate a updated', () => rates.get('a') === '5');
    await produce(client, 'input', [{ key: 'a', value: '1' }]);
    await waitUntil('three prices', async () => (await readAll(client, 'output')).length === 3);
    const out = await readAll(client, 'output');
    expect(out.map((r) => `${str(r.key)}=${str(r.value)}`).sort()).toEqual(['a=20', 'a=5', 'b=30']);
    expect(rates.get('b')).toBe('3');
    await app.close();

    // The persistent global store and its checkpoint make a restart read nothing again.
    const again = await start();
    expect(again.metrics().restore.globalRecords).toBe(0);
    expect(again.store<ReadOnlyKeyValueStore<string, string>>('rates').get('a')).toBe('5');
    await again.close();
  });
});
