import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { TopologyTestDriver } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';
import type { ProcessorContext } from '../../../engine/processor/processor.js';

const S = Serdes.String();
const I = Serdes.Integer();
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function run(topology: Topology, inputs: [string | null, string][], outputs: string[], partitions = 1): Promise<Map<string, [string | null, unknown][]>> {
  driver = await TopologyTestDriver.create(topology, { partitions });
  const input = driver.createInputTopic('in', S, S);
  inputs.forEach(([k, v], i) => input.pipeInput(k, v, 1000 + i));
  const result = new Map<string, [string | null, unknown][]>();
  for (const o of outputs) result.set(o, driver.createOutputTopic(o, S, S).readKeyValuesToList());
  return result;
}

describe('KStream stateless operators', () => {
  it('filter, filterNot, mapValues and to', async () => {
    const b = new StreamsBuilder();
    const s = b.stream<string, string>('in', { keySerde: S, valueSerde: S });
    s.filter((_, v) => v.startsWith('a')).mapValues((v) => v.toUpperCase()).to('kept', { valueSerde: S });
    s.filterNot((_, v) => v.startsWith('a')).to('dropped');
    const out = await run(b.build(), [['1', 'apple'], ['2', 'banana'], ['3', 'avocado']], ['kept', 'dropped']);
    expect(out.get('kept')).toEqual([['1', 'APPLE'], ['3', 'AVOCADO']]);
    expect(out.get('dropped')).toEqual([['2', 'banana']]);
  });

  it('map, selectKey, flatMap and flatMapValues', async () => {
    const b = new StreamsBuilder();
    const s = b.stream<string, string>('in', { keySerde: S, valueSerde: S });
    s.map((k, v) => ({ key: v, value: k ?? 'none' })).to('swapped', { keySerde: S, valueSerde: S });
    s.selectKey((_, v) => v[0]!).to('first-letter', { keySerde: S, valueSerde: S });
    s.flatMap((k, v) => v.split(' ').map((w) => ({ key: w, value: k ?? '' }))).to('words', { keySerde: S, valueSerde: S });
    s.flatMapValues((v) => v.split(' ')).to('values', { keySerde: S, valueSerde: S });
    const out = await run(b.build(), [['k', 'hello world']], ['swapped', 'first-letter', 'words', 'values']);
    expect(out.get('swapped')).toEqual([['hello world', 'k']]);
    expect(out.get('first-letter')).toEqual([['h', 'hello world']]);
    expect(out.get('words')).toEqual([['hello', 'k'], ['world', 'k']]);
    expect(out.get('values')).toEqual([['k', 'hello'], ['k', 'world']]);
  });

  it('split into named branches with a default, and merge them back', async () => {
    const b = new StreamsBuilder();
    const branches = b
      .stream<string, string>('in', { keySerde: S, valueSerde: S })
      .split({ name: 'by-size-' })
      .branch((_, v) => v.length < 4, { name: 'short' })
      .branch((_, v) => v.length < 8, { name: 'medium' })
      .defaultBranch({ name: 'long' });
    expect([...branches.keys()]).toEqual(['by-size-short', 'by-size-medium', 'by-size-long']);
    branches.get('by-size-short')!.to('short');
    branches.get('by-size-long')!.merge(branches.get('by-size-medium')!).to('not-short');
    const out = await run(b.build(), [['a', 'cat'], ['b', 'horse'], ['c', 'elephants'], ['d', 'ox']], ['short', 'not-short']);
    expect(out.get('short')!.map(([, v]) => v)).toEqual(['cat', 'ox']);
    expect(out.get('not-short')!.map(([, v]) => v)).toEqual(['horse', 'elephants']);
  });

  it('peek and foreach see every record; to() with a topic chosen per record', async () => {
    const seen: string[] = [];
    const b = new StreamsBuilder();
    const s = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).peek((_, v) => seen.push(`peek:${v}`));
    s.foreach((_, v) => seen.push(`each:${v}`));
    s.to((_, v) => (v.startsWith('x') ? 'xs' : 'others'));
    const out = await run(b.build(), [['1', 'xy'], ['2', 'ab']], ['xs', 'others']);
    expect(seen).toEqual(['peek:xy', 'each:xy', 'peek:ab', 'each:ab']);
    expect(out.get('xs')).toEqual([['1', 'xy']]);
    expect(out.get('others')).toEqual([['2', 'ab']]);
  });

  it('repartition sends records through an internal topic partitioned by the new key', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S })
      .selectKey((_, v) => v)
      .repartition({ name: 'by-value', keySerde: S, valueSerde: S })
      .to('out');
    const topology = b.build();
    expect(topology.describe().toString()).toContain('Sink: by-value-repartition-sink (topic: by-value-repartition)');
    const out = await run(topology, [['1', 'a'], ['2', 'b'], [null, 'a']], ['out'], 3);
    expect(out.get('out')!.sort()).toEqual([['a', 'a'], ['a', 'a'], ['b', 'b']]);
    expect(driver!.producedTopicNames()).toContain('test-app-by-value-repartition');
  });

  it('names nodes the way Kafka Streams does', () => {
    const b = new StreamsBuilder();
    b.stream<string, number>('in', { keySerde: S, valueSerde: I }).filter((_, v) => v > 0).mapValues((v) => v * 2).to('out');
    expect(b.build().describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [in])',
        '      --> KSTREAM-FILTER-0000000001',
        '    Processor: KSTREAM-FILTER-0000000001 (stores: [])',
        '      --> KSTREAM-MAPVALUES-0000000002',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])',
        '      --> KSTREAM-SINK-0000000003',
        '      <-- KSTREAM-FILTER-0000000001',
        '    Sink: KSTREAM-SINK-0000000003 (topic: out)',
        '      <-- KSTREAM-MAPVALUES-0000000002',
        '',
      ].join('\n'),
    );
  });

  it('processValues keeps the key whatever the processor forwards', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S })
      .processValues<string>(() => {
        let ctx: ProcessorContext<string, string>;
        return { init: (c) => (ctx = c), process: (r) => ctx.forward(r.withKey('changed').withValue(r.value + '!')) };
      })
      .to('out', { keySerde: S, valueSerde: S });
    const out = await run(b.build(), [['k', 'v']], ['out']);
    expect(out.get('out')).toEqual([['k', 'v!']]);
  });
});
