/** max.task.idle.ms (KIP-695): a task with an empty input waits for records the broker still has. */
import { describe, expect, it } from 'vitest';
import { StreamTask } from '../../../engine/runtime/stream-task.js';
import { Topology } from '../../../engine/topology/topology.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { silentLogger } from '../../../storage/logger.js';

function twoInputTask(): StreamTask {
  const S = Serdes.String();
  const topology = new Topology()
    .addSource('a', ['left'], { keySerde: S, valueSerde: S })
    .addSource('b', ['right'], { keySerde: S, valueSerde: S })
    .addProcessor('merge', () => ({ process: () => {} }), 'a', 'b');
  const [sub] = topology.subTopologies();
  return new StreamTask({
    applicationId: 'idle',
    subTopology: sub!,
    topology,
    partition: 0,
    stateDir: '/tmp/unused',
    collector: { send: () => {}, partitionsFor: () => 1 },
    logger: silentLogger,
    cacheMaxBytes: 0,
    appConfigs: {},
    now: () => 0,
    changelogTopic: () => null,
    topicName: (t) => t,
  });
}

const record = (topic: string) => ({ topic, partition: 0, offset: 0, timestamp: 10, key: Buffer.from('k'), value: Buffer.from('v'), headers: [] });

describe('StreamTask.readyToProcess', () => {
  it('waits while an empty input has records the broker reported, and not once it is caught up', () => {
    const task = twoInputTask();
    task.addRecords('left', 0, [record('left')]);
    expect(task.readyToProcess(1000, 0, (t) => (t === 'right' ? 3 : 0))).toBe(false);
    expect(task.readyToProcess(1000, 0, (t) => (t === 'right' ? null : 0))).toBe(false);
    expect(task.readyToProcess(1000, 0, () => 0)).toBe(true);
    expect(task.readyToProcess(1000, -1, () => 3)).toBe(true);
  });

  it('with a positive idle time waits that long even for a caught-up input', () => {
    const task = twoInputTask();
    task.addRecords('left', 0, [record('left')]);
    expect(task.readyToProcess(1000, 50, () => 0)).toBe(false);
    expect(task.readyToProcess(1049, 50, () => 0)).toBe(false);
    expect(task.readyToProcess(1050, 50, () => 0)).toBe(true);
  });

  it('is ready when every input has records', () => {
    const task = twoInputTask();
    task.addRecords('left', 0, [record('left')]);
    task.addRecords('right', 0, [record('right')]);
    expect(task.readyToProcess(0, 0, () => 99)).toBe(true);
  });
});
