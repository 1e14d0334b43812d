import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { StorageClient } from '../../../storage/client/types.js';
import { Stores } from '../../../storage/state/index.js';
import type { StateStore } from '../../../storage/state/state-store.js';
import type { KeyValueStore } from '../../../storage/state/stores.js';
import type { Processor, ProcessorContext } from '../../../engine/processor/processor.js';
import type { Record } from '../../../engine/processor/record.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { Topology } from '../../../engine/topology/topology.js';
import { StreamsApp } from '../../../engine/runtime/streams-app.js';
import { tempDir } from '../../helpers/tmp.js';
import { createTopic, openBroker, produce, readAll, str, waitUntil } from './helpers.js';

const S = Serdes.String();

function counter(store: string): () => Processor<string, string, string, string> {
  return () => {
    let ctx: ProcessorContext<string, string>;
    let counts: KeyValueStore<string, string>;
    return {
      init(c) {
        ctx = c;
        counts = c.getStateStore<KeyValueStore<string, string> & StateStore>(store);
      },
      process(r: Record<string, string>) {
        const next = Number(counts.get(r.key) ?? '0') + 1;
        counts.put(r.key, String(next));
        ctx.forward(r.withValue(String(next)));
      },
    };
  };
}

const countsStore = () => Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('counts'), S, S);

/** input -> key := first letter of the value -> rekey-repartition -> count -> output. */
function rekeyTopology(): Topology {
  return new Topology()
    .addInternalTopic({ name: 'rekey-repartition', kind: 'repartition', configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } })
    .addSource('source', ['input'], { keySerde: S, valueSerde: S })
    .addProcessor(
      'rekey',
      () => {
        let ctx: ProcessorContext<string, string>;
        return { init: (c) => void (ctx = c), process: (r: Record<string, string>) => ctx.forward(r.withKey(r.value.slice(0, 1))) };
      },
      'source',
    )
    .addSink('to-repartition', 'rekey-repartition', { keySerde: S, valueSerde: S }, 'rekey')
    .addSource('from-repartition', ['rekey-repartition'], { keySerde: S, valueSerde: S })
    .addProcessor('count', counter('counts'), 'from-repartition')
    .addStateStore(countsStore(), 'count')
    .addSink('sink', 'output', { keySerde: S, valueSerde: S }, 'count');
}

describe('internal topics, co-partitioning and subscriptions', () => {
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

  it('creates repartition topics with the upstream partition count, routes through them, and purges what was consumed', async () => {
    await createTopic(client, 'input', 3);
    await createTopic(client, 'output', 3);
    const words = ['apple', 'avocado', 'banana', 'blueberry', 'cherry', 'apricot', 'beet', 'carrot', 'cabbage', 'almond'];
    await produce(client, 'input', words.map((w, i) => ({ key: `k${i}`, value: w })));
    const app = new StreamsApp(rekeyTopology(), { applicationId: 'rekey', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 50, repartitionPurgeIntervalMs: 0 }, client);
    await app.start();
    await waitUntil('all counted', () => app.metrics().processed === 20);

    const admin = client.admin();
    const [repartition] = await admin.describeTopics(['rekey-rekey-repartition']);
    expect(repartition!.partitions).toHaveLength(3);
    const [cfg] = await admin.describeConfigs([{ type: 'topic', name: 'rekey-rekey-repartition' }]);
    expect(cfg!.entries.find((e) => e.name === 'cleanup.policy')?.value).toBe('delete');
    expect(Object.keys(app.metrics().tasks).sort()).toEqual(['0_0', '0_1', '0_2', '1_0', '1_1', '1_2']);

    // Processed is not yet written: the sink's records leave after the producer's linger.
    let output: Awaited<ReturnType<typeof readAll>> = [];
    await waitUntil('every count written', async () => (output = await readAll(client, 'output')).length >= words.length);
    const last = new Map<string, string>();
    for (const r of output) last.set(str(r.key)!, str(r.value)!);
    expect(output).toHaveLength(words.length);
    expect(Object.fromEntries(last)).toEqual({ a: '4', b: '3', c: '3' });

    // Consumed repartition records are deleted once committed.
    await waitUntil('repartition purged', async () => {
      const starts = await admin.listOffsets([0, 1, 2].map((partition) => ({ topic: 'rekey-rekey-repartition', partition, spec: 'earliest' as const })));
      return starts.reduce((n, s) => n + s.offset, 0) === 10;
    });
    await admin.close();
    await app.close();
  });

  it('refuses topics read together that are not co-partitioned, naming them and their counts', async () => {
    await createTopic(client, 'left', 2);
    await createTopic(client, 'right', 3);
    const topology = new Topology()
      .addSource('l', ['left'], { keySerde: S, valueSerde: S })
      .addSource('r', ['right'], { keySerde: S, valueSerde: S })
      .addProcessor('merge', () => ({ process() {} }), 'l', 'r');
    const app = new StreamsApp(topology, { applicationId: 'copart', stateDir: state.dir, logger: silentLogger }, client);
    await expect(app.start()).rejects.toMatchObject({ code: 'TOPOLOGY_ERROR', message: expect.stringMatching(/left \(2 partitions\), right \(3 partitions\).*not co-partitioned/) });
    expect(app.state).toBe('ERROR');
  });

  it('refuses an existing internal topic with the wrong partition count', async () => {
    await createTopic(client, 'input', 3);
    await createTopic(client, 'rekey-rekey-repartition', 2);
    const app = new StreamsApp(rekeyTopology(), { applicationId: 'rekey', stateDir: state.dir, logger: silentLogger }, client);
    await expect(app.start()).rejects.toMatchObject({ code: 'TOPOLOGY_ERROR', message: expect.stringContaining('rekey-rekey-repartition has 2 partitions but the topology needs 3') });
  });

  it('subscribes to source patterns, picks up new matching topics, and never reads its own changelogs', async () => {
    await createTopic(client, 'pat-a', 2);
    await createTopic(client, 'pat-b', 2);
    await createTopic(client, 'other', 2);
    await createTopic(client, 'output', 2);
    // `pat.*` also matches this app's changelog `pat-counts-changelog`.
    const topology = new Topology()
      .addSource('source', /pat.*/, { keySerde: S, valueSerde: S })
      .addProcessor('count', counter('counts'), 'source')
      .addStateStore(countsStore(), 'count')
      .addSink('sink', 'output', { keySerde: S, valueSerde: S }, 'count');
    await produce(client, 'pat-a', [{ key: 'x', value: '1' }]);
    await produce(client, 'pat-b', [{ key: 'x', value: '2' }]);
    await produce(client, 'other', [{ key: 'x', value: '3' }]);
    const app = new StreamsApp(topology, { applicationId: 'pat', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 50 }, client);
    await app.start();
    await waitUntil('two counted', () => app.metrics().processed === 2);
    await createTopic(client, 'pat-c', 2);
    await produce(client, 'pat-c', [{ key: 'x', value: '4' }]);
    await waitUntil('the new topic counted', () => app.metrics().processed === 3, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(app.metrics().processed).toBe(3);
    expect((await readAll(client, 'output')).map((r) => str(r.value))).toEqual(['1', '2', '3']);
    await app.close();
  });
});
