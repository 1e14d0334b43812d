import { describe, expect, it } from 'vitest';
import { Topology } from '../../../engine/topology/topology.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { TopologyTestDriver } from '../../../engine/test-driver/topology-test-driver.js';
import type { ProcessorContext } from '../../../engine/processor/processor.js';
import type { Record } from '../../../engine/processor/record.js';
import { upperProcessor } from './helpers.js';

const S = Serdes.String();

function upperTopology(): Topology {
  return new Topology()
    .addSource('in', ['input'], { keySerde: S, valueSerde: S })
    .addProcessor('upper', upperProcessor, 'in')
    .addSink('out', 'output', { keySerde: S, valueSerde: S }, 'upper');
}

describe('Processor API on the test driver', () => {
  it('runs records through processors to sinks, keeping keys and timestamps', async () => {
    const driver = await TopologyTestDriver.create(upperTopology());
    const input = driver.createInputTopic('input', S, S);
    const output = driver.createOutputTopic('output', S, S);
    input.pipeInput('a', 'hello', 5);
    input.pipeInput('b', 'world', 7);
    expect(output.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 'HELLO', 5],
      ['b', 'WORLD', 7],
    ]);
    expect(driver.metrics().processed).toBe(2);
    await driver.close();
  });

  it('fires stream-time and wall-clock punctuations', async () => {
    const fired: string[] = [];
    const simple = new Topology()
      .addSource('in', ['input'], { keySerde: S, valueSerde: S })
      .addProcessor(
        'p',
        () => ({
          init: (ctx: ProcessorContext<string, string>) => {
            ctx.schedule(10, 'STREAM_TIME', (t) => fired.push(`stream@${t}`));
            ctx.schedule(1000, 'WALL_CLOCK_TIME', (t) => fired.push(`wall@${t}`));
          },
          process: () => {},
        }),
        'in',
      );
    const driver = await TopologyTestDriver.create(simple, { initialWallClockTime: 0 });
    const input = driver.createInputTopic('input', S, S);
    input.pipeInput('k', 'v', 100);
    input.pipeInput('k', 'v', 105);
    input.pipeInput('k', 'v', 131);
    await driver.advanceWallClockTime(1500);
    expect(fired).toEqual(['stream@100', 'stream@131', 'wall@1500']);
    await driver.close();
  });

  it('keeps per-partition tasks apart on multi-partition topics', async () => {
    const seen: string[] = [];
    const topology = new Topology()
      .addSource('in', ['input'], { keySerde: S, valueSerde: S })
      .addProcessor(
        'track',
        () => {
          let ctx: ProcessorContext<string, string>;
          return {
            init: (c: ProcessorContext<string, string>) => (ctx = c),
            process: (r: Record<string, string>) => seen.push(`${ctx.taskId}:${r.key}`),
          };
        },
        'in',
      );
    const driver = await TopologyTestDriver.create(topology, { partitions: 4 });
    expect(driver.taskIds()).toEqual(['0_0', '0_1', '0_2', '0_3']);
    const input = driver.createInputTopic('input', S, S);
    for (const k of ['a', 'b', 'c', 'a']) input.pipeInput(k, 'x', 1);
    const tasksOfA = new Set(seen.filter((s) => s.endsWith(':a')).map((s) => s.split(':')[0]));
    expect(tasksOfA.size).toBe(1);
    await driver.close();
  });

  it('describes the topology with predictable names', () => {
    expect(upperTopology().describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: in (topics: [input])',
        '      --> upper',
        '    Processor: upper (stores: [])',
        '      --> out',
        '      <-- in',
        '    Sink: out (topic: output)',
        '      <-- upper',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad wiring with clear errors', () => {
    const t = new Topology().addSource('in', ['input']);
    expect(() => t.addSource('in', ['other'])).toThrow(/already exists/);
    expect(() => t.addSource('in2', ['input'])).toThrow(/already the source/);
    expect(() => t.addProcessor('p', () => ({ process: () => {} }), 'missing')).toThrow(/does not exist/);
    expect(() => t.connectProcessorAndStateStores('in', 'x')).toThrow(/not a processor/);
  });
});
