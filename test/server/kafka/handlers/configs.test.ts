/** DescribeConfigs, AlterConfigs and IncrementalAlterConfigs on the wire. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka();
  k.broker.createTopic('cfg', { partitions: 1, configs: { 'retention.ms': '5000' } });
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

async function incremental(configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false, resourceType = 2, resourceName = 'cfg') {
  const r = await c.request(44, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly });
  return r.responses[0]!;
}

describe('DescribeConfigs', () => {
  it('describes a topic: values, sources, types, synonyms and documentation on request', async () => {
    const r = await c.request(32, 4, { resources: [{ resourceType: 2, resourceName: 'cfg', configurationKeys: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: true, includeDocumentation: true });
    const [res] = r.results;
    expect(res).toMatchObject({ errorCode: 0, resourceType: 2, resourceName: 'cfg' });
    expect(res!.configs).toEqual([
      expect.objectContaining({ name: 'cleanup.policy', value: 'delete', configSource: 5, configType: 7, synonyms: [{ name: 'cleanup.policy', value: 'delete', source: 5 }] }),
      expect.objectContaining({ name: 'retention.ms', value: '5000', configSource: 1, configType: 5, isSensitive: false, readOnly: false }),
    ]);
    expect(res!.configs[1]!.documentation).toContain('segments are deleted');
  });

  it('describes every config when no keys are given; v0 says which are defaults', async () => {
    const r = await c.request(32, 0, { resources: [{ resourceType: 2, resourceName: 'cfg', configurationKeys: null }] });
    const byName = new Map(r.results[0]!.configs.map((e) => [e.name, e]));
    expect(byName.size).toBeGreaterThan(15);
    expect(byName.get('retention.ms')!.isDefault).toBe(false);
    expect(byName.get('segment.bytes')!.isDefault).toBe(true);
  });

  it('describes the broker, and refuses unknown topics, other brokers and other resource types', async () => {
    const r = await c.request(32, 2, {
      resources: [
        { resourceType: 4, resourceName: '1', configurationKeys: ['num.partitions'] },
        { resourceType: 4, resourceName: '7', configurationKeys: null },
        { resourceType: 2, resourceName: 'cfg-none', configurationKeys: null },
        { resourceType: 3, resourceName: 'g', configurationKeys: null },
      ],
    });
    expect(r.results.map((x) => x.errorCode)).toEqual([0, 42, 3, 42]);
    expect(r.results[0]!.configs).toEqual([expect.objectContaining({ name: 'num.partitions', value: '1', readOnly: true, configSource: 4 })]);
  });
});

describe('AlterConfigs', () => {
  it('replaces the overrides of a topic; validateOnly changes nothing; broker configs are static', async () => {
    k.broker.createTopic('cfg-alter', { partitions: 1, configs: { 'retention.ms': '5000' } });
    const dry = await c.request(33, 1, { resources: [{ resourceType: 2, resourceName: 'cfg-alter', configs: [{ name: 'segment.ms', value: '60000' }] }], validateOnly: true });
    expect(dry.responses[0]!.errorCode).toBe(0);
    expect(k.broker.describeTopic('cfg-alter').configs).toEqual({ 'retention.ms': '5000' });
    const r = await c.request(33, 2, {
      resources: [
        { resourceType: 2, resourceName: 'cfg-alter', configs: [{ name: 'segment.ms', value: '60000' }] },
        { resourceType: 2, resourceName: 'cfg-none', configs: [] },
        { resourceType: 4, resourceName: '1', configs: [{ name: 'num.partitions', value: '3' }] },
        { resourceType: 2, resourceName: 'cfg', configs: [{ name: 'retention.ms', value: 'never' }] },
      ],
      validateOnly: false,
    });
    expect(r.responses.map((x) => x.errorCode)).toEqual([0, 3, 42, 40]);
    expect(r.responses[3]!.errorMessage).toContain('retention.ms');
    expect(k.broker.describeTopic('cfg-alter').configs).toEqual({ 'segment.ms': '60000' });
  });
});

describe('IncrementalAlterConfigs', () => {
  it('sets, deletes, appends to and subtracts from configs', async () => {
    expect((await incremental([{ name: 'segment.ms', configOperation: 0, value: '120000' }])).errorCode).toBe(0);
    expect(k.broker.describeTopic('cfg').configs).toEqual({ 'retention.ms': '5000', 'segment.ms': '120000' });
    expect((await incremental([{ name: 'retention.ms', configOperation: 1, value: null }])).errorCode).toBe(0);
    expect(k.broker.describeTopic('cfg').configs).toEqual({ 'segment.ms': '120000' });
    // cleanup.policy is a list: APPEND adds to the default 'delete', SUBTRACT removes.
    expect((await incremental([{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }])).errorCode).toBe(0);
    expect(k.broker.describeTopic('cfg').configs['cleanup.policy']).toBe('delete,compact');
    expect((await incremental([{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }])).errorCode).toBe(0);
    expect(k.broker.describeTopic('cfg').configs['cleanup.policy']).toBe('delete,compact');
    expect((await incremental([{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }])).errorCode).toBe(0);
    expect(k.broker.describeTopic('cfg').configs['cleanup.policy']).toBe('compact');
  });

  it('refuses what Kafka refuses, per resource', async () => {
    expect((await incremental([{ name: 'retention.ms', configOperation: 2, value: '1' }])).errorCode).toBe(40);
    expect((await incremental([{ name: 'retention.ms', configOperation: 0, value: null }])).errorCode).toBe(40);
    expect((await incremental([{ name: 'retention.ms', configOperation: 7, value: '1' }])).errorCode).toBe(42);
    const dup = await incremental([
      { name: 'retention.ms', configOperation: 0, value: '1' },
      { name: 'retention.ms', configOperation: 1, value: null },
    ]);
    expect(dup.errorCode).toBe(42);
    expect((await incremental([{ name: 'log.retention.ms', configOperation: 0, value: '1' }], false, 4, '1')).errorCode).toBe(42);
    const before = k.broker.describeTopic('cfg').configs;
    expect((await incremental([{ name: 'segment.ms', configOperation: 0, value: '999999' }], true)).errorCode).toBe(0);
    expect(k.broker.describeTopic('cfg').configs).toEqual(before);
  });
});
