import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { StorageClient } from '../../../storage/client/types.js';
import type { ReadOnlyKeyValueStore } from '../../../storage/state/stores.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import type { Topology } from '../../../engine/topology/topology.js';
import { StreamsApp, type StreamsMetadata } from '../../../engine/runtime/streams-app.js';
import type { StreamsConfig } from '../../../engine/runtime/streams-config.js';
import { tempDir } from '../../helpers/tmp.js';
import { countTopology, createTopic, openBroker, produce, upperProcessor, waitUntil } from './helpers.js';
import { CLIENT_ENVIRONMENTS, kafkaForInstances, runningTasksOf, spawnCountApp, type ClientEnv } from './fixtures/instances.js';

const S = Serdes.String();
const APP = 'standby';
const CHANGELOG = `${APP}-counts-changelog`;
const KEYS = Array.from({ length: 40 }, (_, i) => `k${i}`);

const counts = (app: StreamsApp, stale = false) => app.store<ReadOnlyKeyValueStore<string, string>>('counts', { enableStaleStores: stale });
const table = (app: StreamsApp): globalThis.Record<string, string> => Object.fromEntries([...counts(app).all()].map((kv) => [kv.key, kv.value]));
const activeTasks = (app: StreamsApp) => Object.keys(app.metrics().tasks).sort();
const runningTasks = (app: StreamsApp) => Object.entries(app.metrics().tasks).filter(([, t]) => t.state === 'running').map(([id]) => id).sort();
const standbyTasks = (app: StreamsApp) => [...new Set(app.metrics().standby.partitions.map((p) => p.taskId))].sort();
const partitionsOf = (tps: { topic: string; partition: number }[]) => tps.map((tp) => `${tp.topic}-${tp.partition}`);

/** `rounds` records per key, all keys each round. */
const records = (rounds: number, from = 0) => Array.from({ length: rounds }, (_, r) => KEYS.map((key) => ({ key, value: `v${from + r}` }))).flat();

const environments = CLIENT_ENVIRONMENTS;
type Env = ClientEnv;

async function changelogEnds(client: StorageClient, topic: string, partitions: number): Promise<number[]> {
  const consumer = client.consumer({ enableAutoCommit: false });
  try {
    return await consumer.endOffsets(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  } finally {
    await consumer.close();
  }
}

async function committedInput(client: StorageClient, group: string): Promise<number> {
  const admin = client.admin();
  try {
    return (await admin.listGroupOffsets(group)).filter((o) => o.topic === 'input').reduce((n, o) => n + o.offset, 0);
  } finally {
    await admin.close();
  }
}

for (const [where, open] of environments) {
  describe(`standby tasks (num.standby.replicas), on ${where}`, () => {
    let env: Env;
    const dirs: { dir: string; cleanup: () => void }[] = [];
    const apps: StreamsApp[] = [];

    beforeEach(async () => {
      env = await open();
      await createTopic(env.client(), 'input', 4);
      await createTopic(env.client(), 'output', 4);
    });

    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
      await env.close();
      for (const d of dirs.splice(0)) d.cleanup();
    });

    const launch = async (config: Partial<StreamsConfig>, topology = countTopology()): Promise<{ app: StreamsApp; stateDir: string }> => {
      const state = tempDir('freshet-rt-standby-');
      dirs.push(state);
      const app = new StreamsApp(topology, { applicationId: APP, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 100, heartbeatIntervalMs: 200, sessionTimeoutMs: 3000, ...config }, env.client());
      apps.push(app);
      await app.start();
      return { app, stateDir: state.dir };
    };

    it('keeps the other instance\'s stateful tasks as standbys, current, and the survivor restores only a tail', async () => {
      const { app: a, stateDir: dirA } = await launch({ applicationServer: 'node-a.example:7001', numStandbyReplicas: 1 });
      await a.waitForState('RUNNING');
      // Alone, there is nowhere to put a standby.
      expect(a.metrics().standby).toMatchObject({ tasks: 0, partitions: [] });
      const { app: b } = await launch({ applicationServer: 'node-b.example:7002', numStandbyReplicas: 1 });
      const settled = (app: StreamsApp) => app.state === 'RUNNING' && app.metadataForAllStreamsClients().length === 2 && app.metrics().standby.tasks === 2;
      await waitUntil('both instances run two tasks and keep two standbys', () => settled(a) && settled(b) && runningTasks(a).length === 2 && runningTasks(b).length === 2, 30_000);

      // Each instance's standbys are exactly the other's active tasks.
      expect(standbyTasks(a)).toEqual(activeTasks(b));
      expect(standbyTasks(b)).toEqual(activeTasks(a));
      expect([...activeTasks(a), ...activeTasks(b)].sort()).toEqual(['0_0', '0_1', '0_2', '0_3']);
      for (const app of [a, b]) {
        const [ofA, ofB] = app.metadataForAllStreamsClients() as [StreamsMetadata, StreamsMetadata];
        expect(ofA).toMatchObject({ stateStoreNames: ['counts'], standbyStateStoreNames: ['counts'] });
        expect(partitionsOf(ofA.standbyTopicPartitions)).toEqual(partitionsOf(ofB.topicPartitions));
        expect(partitionsOf(ofB.standbyTopicPartitions)).toEqual(partitionsOf(ofA.topicPartitions));
        expect(app.streamsMetadataForStore('counts')).toHaveLength(2);
      }
      for (const key of KEYS.slice(0, 8)) {
        const meta = a.queryMetadataForKey('counts', key, S);
        const other = meta.activeHost!.port === 7001 ? { host: 'node-b.example', port: 7002 } : { host: 'node-a.example', port: 7001 };
        expect(meta.standbyHosts).toEqual([other]);
        expect(b.queryMetadataForKey('counts', key, S)).toEqual({ ...meta, isLocal: !meta.isLocal });
      }

      await produce(env.client(), 'input', records(25));
      await waitUntil('every key counted', () => a.metrics().processed + b.metrics().processed === 25 * KEYS.length, 30_000);
      // A commit flushes the caches to the changelog before it commits the input offsets: once they are all committed, the changelog is complete.
      await waitUntil('the input committed', async () => (await committedInput(env.client(), APP)) === 25 * KEYS.length, 30_000);
      const ends = await changelogEnds(env.client(), CHANGELOG, 4);
      const changelogSize = ends.reduce((n, e) => n + e, 0);
      expect(changelogSize).toBeGreaterThan(0);

      // The standbys apply the changelogs up to their ends, and checkpoint what they applied.
      const caughtUp = (app: StreamsApp) => app.metrics().standby.partitions.every((p) => p.position === ends[p.partition] && p.lag === 0);
      await waitUntil('standbys caught up', () => caughtUp(a) && caughtUp(b), 30_000);
      const checkpointOf = (task: string) => {
        try {
          return readFileSync(join(dirA, APP, task, '.checkpoint'), 'utf8');
        } catch {
          return '';
        }
      };
      await waitUntil("a's standby checkpoints hold the changelog ends", () => standbyTasks(a).every((t) => checkpointOf(t) === `0\n1\n${CHANGELOG} ${t.slice(2)} ${ends[Number(t.slice(2))]}\n`), 10_000);
      expect(a.metrics().standby.appliedRecords + b.metrics().standby.appliedRecords).toBe(changelogSize);

      // A stale-store query reads the standby copy; a plain one only the active tasks.
      for (const key of KEYS) {
        const owner = a.queryMetadataForKey('counts', key, S).isLocal ? a : b;
        const standby = owner === a ? b : a;
        expect(counts(owner).get(key)).toBe('25');
        expect(counts(standby).get(key)).toBeNull();
        expect(counts(standby, true).get(key)).toBe('25');
      }
      expect(Object.keys(Object.fromEntries([...counts(a, true).all()].map((kv) => [kv.key, kv.value])))).toHaveLength(KEYS.length);

      // b leaves: a takes its tasks over from the standbys' stores.
      const restoredBefore = a.metrics().restore.restoredRecords;
      await b.close();
      await waitUntil('a runs all four tasks', () => a.state === 'RUNNING' && runningTasks(a).length === 4, 30_000);
      const restored = a.metrics().restore.restoredRecords - restoredBefore;
      expect(restored).toBeLessThan(changelogSize / 10);
      expect(a.metrics().standby.tasks).toBe(0);
      expect(table(a)).toEqual(Object.fromEntries(KEYS.map((k) => [k, '25'])));

      // Processing goes on from the taken-over state; the result is a single instance's.
      await produce(env.client(), 'input', records(5, 25));
      await waitUntil('a counted the rest', () => KEYS.every((k) => counts(a).get(k) === '30'), 30_000);
      await createTopic(env.client(), 'output-single', 4);
      const single = await launch({ applicationId: `${APP}-single` }, countTopology({ output: 'output-single' }));
      await waitUntil('the single instance counted everything', () => single.app.metrics().processed === 30 * KEYS.length, 30_000).catch((err: unknown) => {
        throw new Error(`${String(err)}: ${JSON.stringify({ state: single.app.state, processed: single.app.metrics().processed, tasks: single.app.metrics().tasks })}`);
      });
      expect(table(a)).toEqual(table(single.app));
    }, 120_000);
  });
}

describe('standby tasks, placement corner cases', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  let client: StorageClient;
  const dirs: { dir: string; cleanup: () => void }[] = [];
  const apps: StreamsApp[] = [];

  beforeEach(async () => {
    env = await openBroker();
    client = env.broker.client();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await env.cleanup();
    for (const d of dirs.splice(0)) d.cleanup();
  });

  const launch = async (applicationId: string, topology: Topology, config: Partial<StreamsConfig>): Promise<StreamsApp> => {
    const state = tempDir('freshet-rt-standby-');
    dirs.push(state);
    const app = new StreamsApp(topology, { applicationId, stateDir: state.dir, logger: silentLogger, commitIntervalMs: 100, heartbeatIntervalMs: 200, sessionTimeoutMs: 3000, ...config }, client);
    apps.push(app);
    await app.start();
    return app;
  };

  it('gives each task one standby per other instance when more replicas are asked than there are instances', async () => {
    await createTopic(client, 'input', 4);
    await createTopic(client, 'output', 4);
    const a = await launch('many', countTopology(), { numStandbyReplicas: 3 });
    await a.waitForState('RUNNING');
    expect(a.metrics().standby.tasks).toBe(0);
    const b = await launch('many', countTopology(), { numStandbyReplicas: 3 });
    await waitUntil('two tasks and two standbys each', () => [a, b].every((app) => app.state === 'RUNNING' && runningTasks(app).length === 2 && app.metrics().standby.tasks === 2), 30_000);
    expect(standbyTasks(a)).toEqual(activeTasks(b));
    expect(standbyTasks(b)).toEqual(activeTasks(a));
  }, 60_000);

  it('keeps standbys on an instance without stateful tasks, and none of stateless tasks', async () => {
    await createTopic(client, 'input', 1);
    await createTopic(client, 'lines', 2);
    await createTopic(client, 'output', 1);
    await createTopic(client, 'upper', 2);
    // Sub-topology 0 counts the one partition of 'input'; sub-topology 1 upper-cases 'lines' and has no store.
    const topology = () =>
      countTopology()
        .addSource('lines-source', ['lines'], { keySerde: S, valueSerde: S })
        .addProcessor('upper', upperProcessor, 'lines-source')
        .addSink('upper-sink', 'upper', { keySerde: S, valueSerde: S }, 'upper');
    const a = await launch('mixed', topology(), { numStandbyReplicas: 1, applicationServer: 'a.example:1' });
    await a.waitForState('RUNNING');
    const b = await launch('mixed', topology(), { numStandbyReplicas: 1, applicationServer: 'b.example:2' });
    await waitUntil('two instances with three tasks between them', () => [a, b].every((app) => app.state === 'RUNNING' && app.metadataForAllStreamsClients().length === 2) && activeTasks(a).length + activeTasks(b).length === 3, 30_000);
    const withCount = activeTasks(a).includes('0_0') ? a : b;
    const without = withCount === a ? b : a;
    expect(activeTasks(without).every((t) => t.startsWith('1_'))).toBe(true);
    await waitUntil('the instance without stateful tasks keeps the standby of the counting one', () => standbyTasks(without).join() === '0_0', 30_000);
    expect(standbyTasks(withCount)).toEqual([]);
    const ofWithout = without.metadataForAllStreamsClients().find((m) => m.standbyStateStoreNames.length > 0)!;
    expect(ofWithout).toMatchObject({ standbyStateStoreNames: ['counts'], standbyTopicPartitions: [{ topic: 'input', partition: 0 }] });

    await produce(client, 'input', records(3));
    await waitUntil('the standby applied every count', () => KEYS.every((k) => counts(without, true).get(k) === '3'), 30_000);
  }, 60_000);
  it('moves standbys when the group changes, closing those no longer placed and keeping their directories', async () => {
    await createTopic(client, 'input', 4);
    await createTopic(client, 'output', 4);
    const instance = async (id: string) => {
      const state = tempDir(`freshet-rt-standby-${id}-`);
      dirs.push(state);
      const app = new StreamsApp(countTopology(), { applicationId: 'moving', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 100, heartbeatIntervalMs: 200, sessionTimeoutMs: 3000, numStandbyReplicas: 1 }, client);
      apps.push(app);
      await app.start();
      return { app, dir: state.dir };
    };
    // Every stateful task has one standby, never on the instance running it.
    const placedOnce = (group: StreamsApp[]) => {
      if (!group.every((app) => app.state === 'RUNNING' && activeTasks(app).length > 0)) return false;
      const standbys = group.flatMap((app) => standbyTasks(app));
      return standbys.length === 4 && new Set(standbys).size === 4 && group.every((app) => standbyTasks(app).every((t) => !activeTasks(app).includes(t)));
    };
    const a = await instance('a');
    const b = await instance('b');
    await waitUntil('two instances with one standby per task', () => placedOnce([a.app, b.app]), 30_000);
    await produce(client, 'input', records(3));
    await waitUntil('every key counted', () => a.app.metrics().processed + b.app.metrics().processed === 3 * KEYS.length, 30_000);
    const before = new Map([a, b].map((s) => [s, standbyTasks(s.app)]));

    // A third instance: two tasks and two standbys each no longer fit on a and b.
    const c = await instance('c');
    await waitUntil('three instances with one standby per task', () => placedOnce([a.app, b.app, c.app]), 30_000);
    let displaced = 0;
    for (const s of [a, b]) {
      for (const task of before.get(s)!.filter((t) => !standbyTasks(s.app).includes(t) && !activeTasks(s.app).includes(t))) {
        // Closed with a checkpoint; the directory stays for a later standby or active task here.
        expect(readFileSync(join(s.dir, 'moving', task, '.checkpoint'), 'utf8')).toMatch(/^0\n1\nmoving-counts-changelog \d+ \d+\n$/);
        displaced++;
      }
    }
    expect(displaced).toBeGreaterThan(0);

    await c.app.close();
    await waitUntil('two instances again, each with standbys of the other', () => placedOnce([a.app, b.app]) && activeTasks(a.app).length === 2, 30_000);
    for (const s of [a, b]) await waitUntil('standby copies current', () => KEYS.every((k) => counts(s.app, true).get(k) === '3'), 30_000);
  }, 60_000);

  it('keeps standbys of in-memory stores too; the promoted task rebuilds them from the changelog', async () => {
    await createTopic(client, 'input', 4);
    await createTopic(client, 'output', 4);
    const a = await launch('memory', countTopology({ kind: 'memory' }), { numStandbyReplicas: 1 });
    const b = await launch('memory', countTopology({ kind: 'memory' }), { numStandbyReplicas: 1 });
    await waitUntil('two tasks and two standbys each', () => [a, b].every((app) => app.state === 'RUNNING' && runningTasks(app).length === 2 && app.metrics().standby.tasks === 2), 30_000);
    await produce(client, 'input', records(4));
    for (const app of [a, b]) await waitUntil('standby and active copies hold every count', () => KEYS.every((k) => counts(app, true).get(k) === '4'), 30_000);
    await b.close();
    await waitUntil('a runs all four tasks', () => a.state === 'RUNNING' && runningTasks(a).length === 4, 30_000);
    expect(table(a)).toEqual(Object.fromEntries(KEYS.map((k) => [k, '4'])));
  }, 60_000);
});

// ---------------------------------------------------------------- a killed instance

const spawnInstance = spawnCountApp;
const running = runningTasksOf;

describe('standby tasks when an instance is killed (exactly-once, over the Kafka protocol)', () => {
  const { kafka: harness, dirs } = kafkaForInstances('freshet-standby');

  it("the survivor promotes its standbys of the killed instance's tasks and restores only the tail", async () => {
    const kafka = harness();
    const client = kafka.broker.client();
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 13}`, value: `v${from + i}` }));
    const a = spawnInstance(kafka.bootstrap, dirs[0]!.dir, 'killed', 1);
    const b = spawnInstance(kafka.bootstrap, dirs[1]!.dir, 'killed', 1);
    try {
      await waitUntil('the tasks split, each instance keeping standbys of the other\'s', () => running(a).length === 2 && running(b).length === 2 && a.last!.standby.tasks.join() === running(b).sort().join() && b.last!.standby.tasks.join() === running(a).sort().join(), 30_000);
      await produce(client, 'input', batch(0, 1000));
      const committed = () => committedInput(client, 'killed');
      await waitUntil('the batch committed', async () => (await committed()) === 1000, 30_000);
      await waitUntil("b's standbys caught up", () => b.last!.standby.caughtUp && b.last!.standby.applied > 0, 30_000);

      const ofA = running(a);
      const restoredBefore = b.last!.restored;
      a.child.kill('SIGKILL');
      await a.exited;
      await produce(client, 'input', batch(1000, 200));
      await waitUntil('b took over every task', () => running(b).length === 4, 30_000);
      await waitUntil('everything committed', async () => (await committed()) === 1200, 30_000);

      // The changelog partitions of a's tasks hold far more than b had to restore.
      const changelog = 'killed-counts-changelog';
      const ends = await changelogEnds(client, changelog, 4);
      const ofASize = ofA.reduce((n, t) => n + ends[Number(t.slice(2))]!, 0);
      expect(ofASize).toBeGreaterThan(100);
      expect(b.last!.restored - restoredBefore).toBeLessThan(ofASize / 10);

      const total = () => Object.values(b.last?.table ?? {}).reduce((n, c) => n + c, 0);
      await waitUntil('b reports the full table', () => total() >= 1200, 10_000).catch(() => undefined);
      const single = new StreamsApp(countTopology({ output: 'output-single' }), { applicationId: 'killed-single', stateDir: dirs[2]!.dir, logger: silentLogger, processingGuarantee: 'exactly_once_v2' }, client);
      await single.start();
      await waitUntil('single counted everything', () => single.metrics().processed === 1200);
      const expected = Object.fromEntries([...counts(single).all()].map((kv) => [kv.key, Number(kv.value)]));
      await single.close();
      expect(b.last!.table).toEqual(expected);
    } finally {
      for (const i of [a, b]) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
  }, 120_000);
});
