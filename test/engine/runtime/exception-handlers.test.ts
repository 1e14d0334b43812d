import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../storage/logger.js';
import type { ConsumerRecord, StorageClient } from '../../../storage/client/types.js';
import type { Processor, ProcessorContext } from '../../../engine/processor/processor.js';
import type { Record } from '../../../engine/processor/record.js';
import { serdeFrom } from '../../../engine/serde/serde.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { Topology } from '../../../engine/topology/topology.js';
import { StreamsApp } from '../../../engine/runtime/streams-app.js';
import type { StreamsConfig } from '../../../engine/runtime/streams-config.js';
import { tempDir } from '../../helpers/tmp.js';
import { createTopic, openBroker, produce, readAll, str, waitUntil } from './helpers.js';

interface Msg {
  n: number;
  boom?: boolean;
  far?: boolean;
}

const json = serdeFrom<Msg>(
  (m) => Buffer.from(JSON.stringify(m)),
  (b) => JSON.parse(b.toString('utf8')) as Msg,
);
const S = Serdes.String();

/** input (JSON) -> throws on `boom` -> output; `far` records are sent to a partition that does not exist. */
function topology(): Topology {
  return new Topology()
    .addSource('source', ['input'], { keySerde: S, valueSerde: json })
    .addProcessor(
      'check',
      () => {
        let ctx: ProcessorContext<string, Msg>;
        return {
          init: (c) => void (ctx = c),
          process(r: Record<string, Msg>) {
            if (r.value.boom) throw new Error(`boom at ${r.value.n}`);
            ctx.forward(r);
          },
        } satisfies Processor<string, Msg, string, Msg>;
      },
      'source',
    )
    .addSink('sink', 'output', { keySerde: S, valueSerde: json, partitioner: (_t, _k, v: Msg) => (v.far ? 99 : undefined) }, 'check');
}

const header = (r: ConsumerRecord, key: string): string | undefined => r.headers.find((h) => h.key === key)?.value?.toString('utf8');

describe('exception handlers', () => {
  let env: Awaited<ReturnType<typeof openBroker>>;
  let client: StorageClient;
  let state: { dir: string; cleanup: () => void };

  beforeEach(async () => {
    env = await openBroker();
    client = env.broker.client();
    state = tempDir('freshet-rt-state-');
    for (const t of ['input', 'output', 'dlq']) await createTopic(client, t, 1);
  });

  afterEach(async () => {
    await env.cleanup();
    state.cleanup();
  });

  const start = async (config: Partial<StreamsConfig>): Promise<StreamsApp> => {
    const app = new StreamsApp(topology(), { applicationId: 'handlers', stateDir: state.dir, logger: silentLogger, commitIntervalMs: 100, ...config }, client);
    await app.start();
    return app;
  };

  const committed = async (): Promise<number | undefined> => {
    const admin = client.admin();
    const offsets = await admin.listGroupOffsets('handlers');
    await admin.close();
    return offsets.find((o) => o.topic === 'input')?.offset;
  };

  const input = (...values: (string | Msg)[]) => produce(client, 'input', values.map((v, i) => ({ key: `k${i}`, value: typeof v === 'string' ? v : JSON.stringify(v) })));

  it('log-and-continue skips a record that does not deserialize, and counts it', async () => {
    await input({ n: 0 }, 'not json', { n: 2 });
    const app = await start({ deserializationExceptionHandler: 'log-and-continue' });
    await waitUntil('committed past all three', async () => (await committed()) === 3);
    expect((await readAll(client, 'output')).map((r) => JSON.parse(str(r.value)!) as Msg)).toEqual([{ n: 0 }, { n: 2 }]);
    expect(app.metrics().skipped.deserialization).toBe(1);
    expect(app.state).toBe('RUNNING');
    await app.close();
  });

  it('sends an undeserializable record to the dead-letter topic with the error in headers', async () => {
    await input({ n: 0 }, 'not json', { n: 2 });
    const app = await start({ deserializationExceptionHandler: { deadLetterTopic: 'dlq' } });
    await waitUntil('committed past all three', async () => (await committed()) === 3);
    const [dead, ...rest] = await readAll(client, 'dlq');
    expect(rest).toEqual([]);
    expect(str(dead!.key)).toBe('k1');
    expect(str(dead!.value)).toBe('not json');
    expect(header(dead!, '__streams.errors.exception')).toBe('SyntaxError');
    expect(header(dead!, '__streams.errors.message')).toMatch(/JSON/);
    expect(header(dead!, '__streams.errors.stacktrace')).toMatch(/SyntaxError/);
    expect([header(dead!, '__streams.errors.topic'), header(dead!, '__streams.errors.partition'), header(dead!, '__streams.errors.offset')]).toEqual(['input', '0', '1']);
    expect(app.metrics().deadLettered.deserialization).toBe(1);
    expect((await readAll(client, 'output')).length).toBe(2);
    await app.close();
  });

  it('sends a record whose processing throws to the dead-letter topic', async () => {
    await input({ n: 0 }, { n: 1, boom: true }, { n: 2 });
    const app = await start({ processingExceptionHandler: { deadLetterTopic: 'dlq' } });
    await waitUntil('committed past all three', async () => (await committed()) === 3);
    const [dead] = await readAll(client, 'dlq');
    expect(JSON.parse(str(dead!.value)!)).toEqual({ n: 1, boom: true });
    expect(header(dead!, '__streams.errors.message')).toBe('boom at 1');
    expect(header(dead!, '__streams.errors.offset')).toBe('1');
    expect(app.metrics().skipped.processing).toBe(1);
    await app.close();
  });

  it('log-and-fail stops the app in ERROR, with the records before the failing one committed', async () => {
    await input({ n: 0 }, { n: 1 }, { n: 2, boom: true }, { n: 3 });
    const app = await start({});
    await app.waitForState('ERROR');
    expect(app.error).toMatchObject({ code: 'TOPOLOGY_ERROR', message: expect.stringContaining('boom at 2') });
    expect(await committed()).toBe(2);
    expect((await readAll(client, 'output')).map((r) => (JSON.parse(str(r.value)!) as Msg).n)).toEqual([0, 1]);
    expect(await app.close()).toBe(true);
    expect(app.state).toBe('ERROR');
  });

  it('log-and-fail on a record that does not deserialize commits up to it, not past it', async () => {
    await input({ n: 0 }, 'not json', { n: 2 });
    const app = await start({ deserializationExceptionHandler: 'log-and-fail' });
    await app.waitForState('ERROR');
    expect(await committed()).toBe(1);
  });

  it('routes a failed send through the production handler', async () => {
    await input({ n: 0 }, { n: 1, far: true }, { n: 2 });
    const cont = await start({ productionExceptionHandler: 'log-and-continue' });
    await waitUntil('committed past all three', async () => (await committed()) === 3);
    expect(cont.metrics().skipped.production).toBe(1);
    expect((await readAll(client, 'output')).length).toBe(2);
    await cont.close();

    await input({ n: 3, far: true });
    const dlq = await start({ productionExceptionHandler: { deadLetterTopic: 'dlq' } });
    await waitUntil('committed past it', async () => (await committed()) === 4);
    const [dead] = await readAll(client, 'dlq');
    expect(JSON.parse(str(dead!.value)!)).toEqual({ n: 3, far: true });
    expect(header(dead!, '__streams.errors.exception')).toBe('KafkaError (UNKNOWN_TOPIC_OR_PARTITION)');
    await dlq.close();

    await input({ n: 4, far: true });
    const fail = await start({ productionExceptionHandler: 'log-and-fail' });
    await fail.waitForState('ERROR');
    expect(fail.error).toMatchObject({ code: 'PRODUCTION_FAILED' });
    expect(await committed()).toBe(4);
  });
});
