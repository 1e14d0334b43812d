/** A foreign-key join between tables whose topics have different partition counts, on the real runtime. */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { StreamsApp } from '../../../engine/runtime/streams-app.js';
import { silentLogger } from '../../../storage/logger.js';
import { tempDir } from '../../helpers/tmp.js';
import { createTopic, openBroker, produce, readAll } from './helpers.js';

const S = Serdes.String();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('foreign-key join on the runtime', () => {
  it('sizes its subscription and response topics after the tables they are read with', async () => {
    const { broker, cleanup } = await openBroker();
    cleanups.push(cleanup);
    const client = broker.client();
    await createTopic(client, 'orders', 2);
    await createTopic(client, 'customers', 5);
    await createTopic(client, 'enriched', 1);
    const b = new StreamsBuilder();
    const customers = b.table<string, string>('customers', { keySerde: S, valueSerde: S });
    b.table<string, string>('orders', { keySerde: S, valueSerde: S })
      .joinOnForeignKey(customers, (order) => order.split(':')[0]!, (order, customer) => `${order} for ${customer}`)
      .toStream()
      .to('enriched', { keySerde: S, valueSerde: S });
    const state = tempDir('freshet-fk-state-');
    cleanups.push(state.cleanup);
    const app = new StreamsApp(b.build(), { applicationId: 'fk-partitions', stateDir: state.dir, commitIntervalMs: 50, logger: silentLogger }, client);
    cleanups.push(() => app.close().then(() => undefined));
    await app.start();
    await produce(client, 'customers', [{ key: 'c1', value: 'Alice' }, { key: 'c2', value: 'Bob' }]);
    await produce(client, 'orders', [{ key: 'o1', value: 'c1:lamp' }, { key: 'o2', value: 'c2:desk' }]);
    const deadline = Date.now() + 20_000;
    let out: string[] = [];
    while (Date.now() < deadline && out.length < 2) {
      out = (await readAll(client, 'enriched')).map((r) => `${r.key}=${r.value}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out.sort()).toEqual(['o1=c1:lamp for Alice', 'o2=c2:desk for Bob']);
    const names = await client.admin().listTopics();
    const topics = await client.admin().describeTopics(names.filter((t) => /subscription-(registration|response)/i.test(t)));
    const sizes = Object.fromEntries(topics.map((t) => [/registration/i.test(t.name) ? 'registration' : 'response', t.partitions.length]));
    expect(sizes).toEqual({ registration: 5, response: 2 });
  });
});
