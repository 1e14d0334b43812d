/**
 * Table processors with a cached store: updates leave once per key per commit through the
 * cache's flush listener, and a table nothing reads downstream (a view kept for queries)
 * still materializes and logs the same, without its flushes forwarding to anybody.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { TopologyTestDriver } from '../../../engine/test-driver/topology-test-driver.js';
import type { TimestampedKeyValueStore } from '../../../storage/state/stores.js';

const S = Serdes.String();
const L = Serdes.Long();
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

describe('cached aggregations', () => {
  it('with nothing downstream, keep the store and log one change per key per commit', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().count({ materialized: { storeName: 'counts' } });
    driver = await TopologyTestDriver.create(b.build(), { cacheMaxBytes: 1 << 20 });
    const input = driver.createInputTopic('in', S, S);
    for (let i = 0; i < 5; i++) input.pipeInput('a', 'x', i);
    input.pipeInput('b', 'x', 9);
    await driver.commit();
    input.pipeInput('a', 'x', 10);
    await driver.commit();
    const store = driver.getStateStore<TimestampedKeyValueStore<string, number>>('counts');
    expect(store.get('a')).toEqual({ value: 6, timestamp: 10 });
    expect(store.get('b')).toEqual({ value: 1, timestamp: 9 });
    const changelog = driver.producedTopicNames().find((t) => t.endsWith('counts-changelog'))!;
    const logged = driver.createOutputTopic(changelog, S, Serdes.Bytes()).readRecordsToList();
    expect(logged.map((r) => `${r.key}@${r.timestamp}`)).toEqual(['a@4', 'b@9', 'a@10']);
  });

  it('with a downstream, forward the same updates the changelog holds', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().count({ materialized: { storeName: 'counts' } }).toStream().to('out', { keySerde: S, valueSerde: L });
    driver = await TopologyTestDriver.create(b.build(), { cacheMaxBytes: 1 << 20 });
    const input = driver.createInputTopic('in', S, S);
    for (let i = 0; i < 5; i++) input.pipeInput('a', 'x', i);
    input.pipeInput('b', 'x', 9);
    await driver.commit();
    input.pipeInput('a', 'x', 10);
    await driver.commit();
    expect(driver.createOutputTopic('out', S, L).readKeyValuesToList()).toEqual([
      ['a', 5],
      ['b', 1],
      ['a', 6],
    ]);
  });
});
