import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import { Stores } from '../../../storage/state/index.js';
import type { StateStore } from '../../../storage/state/state-store.js';
import type { KeyValueStore, ReadOnlyKeyValueStore } from '../../../storage/state/stores.js';
import type { Processor, ProcessorContext } from '../../../engine/processor/processor.js';
import type { Record } from '../../../engine/processor/record.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { StreamsApp, type StreamsMetadata } from '../../../engine/runtime/streams-app.js';
import type { StreamsConfig } from '../../../engine/runtime/streams-config.js';
import { tempDir } from '../../helpers/tmp.js';
import { countTopology, createTopic, openBroker, produce, waitUntil } from './helpers.js';
import { CLIENT_ENVIRONMENTS, type ClientEnv } from './fixtures/instances.js';

const S = Serdes.String();
const A = { host: 'node-a.example', port: 7001 };
const B = { host: 'node-b.example', port: 7002 };
const KEYS = Array.from({ length: 40 }, (_, i) => `k${i}`);

/** The count app, plus a global store `rates` every instance holds. */
function topology() {
  return countTopology().addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('rates'), S, S).withLoggingDisabled(), 'rates-source', 'rates', { keySerde: S, valueSerde: S }, 'rates-updater', () => {
    let rates: KeyValueStore<string, string> & StateStore;
    return {
      init: (c: ProcessorContext<never, never>) => void (rates = c.getStateStore<KeyValueStore<string, string> & StateStore>('rates')),
      process: (r: Record<string, string>) => rates.put(r.key, r.value),
    } satisfies Processor<string, string>;
  });
}

const counts = (app: StreamsApp) => app.store<ReadOnlyKeyValueStore<string, string>>('counts');
const hosts = (m: StreamsMetadata[]) => m.map((x) => x.hostInfo);
const partitionsOf = (m: StreamsMetadata) => m.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`);

const environments = CLIENT_ENVIRONMENTS;
type Env = ClientEnv;

for (const [where, open] of environments) {
  describe(`instance metadata for interactive queries, on ${where}`, () => {
    let env: Env;
    const dirs: { dir: string; cleanup: () => void }[] = [];
    const apps: StreamsApp[] = [];

    beforeEach(async () => {
      env = await open();
      const client = env.client();
      await createTopic(client, 'input', 4);
      await createTopic(client, 'output', 4);
      await createTopic(client, 'rates', 1);
    });

    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
      await env.close();
      for (const d of dirs.splice(0)) d.cleanup();
    });

    const launch = async (config: Partial<StreamsConfig>): Promise<StreamsApp> => {
      const state = tempDir('freshet-rt-meta-');
      dirs.push(state);
      const app = new StreamsApp(topology(), { applicationId: 'meta', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 100, heartbeatIntervalMs: 200, sessionTimeoutMs: 3000, ...config }, env.client());
      apps.push(app);
      await app.start();
      return app;
    };

    it('tells which instance holds each key, and the survivor takes every key when the other closes', async () => {
      const a = await launch({ applicationServer: 'node-a.example:7001' });
      await a.waitForState('RUNNING');
      const b = await launch({ applicationServer: 'node-b.example:7002' });
      const settled = (app: StreamsApp) => app.state === 'RUNNING' && app.metadataForAllStreamsClients().length === 2;
      await waitUntil('both instances see both', () => settled(a) && settled(b), 30_000);

      // Three records per key, counted where the group put the key's partition.
      await produce(env.client(), 'input', [0, 1, 2].flatMap(() => KEYS.map((key) => ({ key, value: 'x' }))));
      const holder = (key: string) => [a, b].find((app) => counts(app).get(key) !== null);
      await waitUntil('every key counted', () => KEYS.every((key) => holder(key) !== undefined && counts(holder(key)!).get(key) === '3'), 30_000);

      for (const app of [a, b]) {
        const all = app.metadataForAllStreamsClients();
        expect(hosts(all)).toEqual([A, B]);
        const [ofA, ofB] = all as [StreamsMetadata, StreamsMetadata];
        // Disjoint, and together all four input partitions.
        expect([...partitionsOf(ofA), ...partitionsOf(ofB)].sort()).toEqual(['input-0', 'input-1', 'input-2', 'input-3']);
        expect(partitionsOf(ofA)).toHaveLength(2);
        for (const m of all) expect(m).toMatchObject({ stateStoreNames: ['counts', 'rates'], standbyStateStoreNames: [], standbyTopicPartitions: [] });
        expect(hosts(app.streamsMetadataForStore('counts'))).toEqual([A, B]);
        expect(hosts(app.streamsMetadataForStore('rates'))).toEqual([A, B]);
      }

      let onA = 0;
      for (const key of KEYS) {
        const fromA = a.queryMetadataForKey('counts', key, S);
        const fromB = b.queryMetadataForKey('counts', key, S);
        // Both instances agree, and the one they name holds the key (the other does not).
        expect(fromB).toEqual({ ...fromA, isLocal: !fromA.isLocal });
        const owner = fromA.activeHost!.port === A.port ? a : b;
        const other = owner === a ? b : a;
        expect(counts(owner).get(key)).toBe('3');
        expect(counts(other).get(key)).toBeNull();
        expect(owner.queryMetadataForKey('counts', key, S)).toMatchObject({ isLocal: true, standbyHosts: [] });
        if (owner === a) onA++;
      }
      expect(onA).toBeGreaterThan(0);
      expect(onA).toBeLessThan(KEYS.length);
      // A global store is everywhere: each instance answers for itself.
      expect(b.queryMetadataForKey('rates', 'k1', S)).toEqual({ activeHost: B, standbyHosts: [], partition: -1, taskId: null, isLocal: true });

      await b.close();
      await waitUntil('a alone, holding everything', () => a.state === 'RUNNING' && a.metadataForAllStreamsClients().length === 1, 30_000);
      expect(partitionsOf(a.metadataForAllStreamsClients()[0]!)).toEqual(['input-0', 'input-1', 'input-2', 'input-3']);
      for (const key of KEYS) {
        expect(a.queryMetadataForKey('counts', key, S)).toMatchObject({ activeHost: A, isLocal: true });
        expect(counts(a).get(key)).toBe('3');
      }
    }, 90_000);
  });
}

describe('instance metadata without an applicationServer', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  const state = tempDir('freshet-rt-meta-none-');

  beforeEach(async () => {
    env = await openBroker();
    await createTopic(env.broker.client(), 'input', 2);
    await createTopic(env.broker.client(), 'output', 2);
  });

  afterEach(async () => {
    await env.cleanup();
    state.cleanup();
  });

  it('refuses a malformed applicationServer when the app is created', () => {
    for (const applicationServer of ['localhost', 'localhost:http', 'localhost:99999']) {
      expect(() => new StreamsApp(countTopology(), { applicationId: 'meta-none', stateDir: state.dir, applicationServer }, env.broker.client())).toThrow(
        expect.objectContaining({ code: 'STREAMS_CONFIG', message: expect.stringContaining("applicationServer must be 'host:port'") }),
      );
    }
  });

  it('leaves the instance out of the metadata and answers no active host, yet knows the key is local', async () => {
    const app = new StreamsApp(countTopology(), { applicationId: 'meta-none', stateDir: state.dir, logger: silentLogger }, env.broker.client());
    expect(() => app.metadataForAllStreamsClients()).toThrow(expect.objectContaining({ code: 'STREAMS_ILLEGAL_STATE' }));
    expect(() => app.queryMetadataForKey('counts', 'k', S)).toThrow(expect.objectContaining({ code: 'STREAMS_ILLEGAL_STATE' }));
    await app.start();
    await app.waitForState('RUNNING');
    try {
      expect(app.metadataForAllStreamsClients()).toEqual([]);
      expect(app.streamsMetadataForStore('counts')).toEqual([]);
      expect(() => app.streamsMetadataForStore('nope')).toThrow(expect.objectContaining({ code: 'STORE_NOT_QUERYABLE' }));
      const meta = app.queryMetadataForKey('counts', 'k', S);
      expect(meta).toEqual({ activeHost: null, standbyHosts: [], partition: meta.partition, taskId: `0_${meta.partition}`, isLocal: true });
    } finally {
      await app.close();
    }
    expect(() => app.metadataForAllStreamsClients()).toThrow(expect.objectContaining({ code: 'STREAMS_ILLEGAL_STATE' }));
  });
});
