/**
 * ApiVersions and the version ranges: what is advertised is served, every advertised version of
 * every API answers with a response the codec reads back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../../../server/kafka/handlers/index.js';
import { apiSpec, decodeResponseFrame, encodeRequestFrame, isFlexibleVersion, supportedVersions } from '../../../../server/kafka/protocol/index.js';
import { randomStruct, seeded } from '../protocol/random-values.js';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;

beforeAll(async () => {
  k = await startKafka();
});

afterAll(async () => {
  await k?.stop();
});

describe('ApiVersions', () => {
  it('lists every served API once, in key order, within what the codec knows', async () => {
    const c = await RawClient.connect(k.port);
    try {
      const r = await c.request(18, 4, { clientSoftwareName: 'test', clientSoftwareVersion: '1.0' });
      expect(r.errorCode).toBe(0);
      expect(r.apiKeys.map((a) => a.apiKey)).toEqual([...HANDLERS.keys()].sort((a, b) => a - b));
      for (const a of r.apiKeys) {
        const codec = supportedVersions(a.apiKey)!;
        expect(a.minVersion).toBeGreaterThanOrEqual(codec.min);
        expect(a.maxVersion).toBeLessThanOrEqual(codec.max);
      }
      const byKey = new Map(r.apiKeys.map((a) => [a.apiKey, [a.minVersion, a.maxVersion]]));
      // The minimums the task fixes: RecordBatch v2 only.
      expect(byKey.get(0)).toEqual([3, 11]);
      expect(byKey.get(1)).toEqual([4, 17]);
      // Not served: OffsetForLeaderEpoch, OffsetDelete, the transaction tooling APIs.
      for (const missing of [23, 47, 61, 65, 66]) expect(byKey.has(missing)).toBe(false);
      // v0 still answers (with the same list).
      expect((await c.request(18, 0, {})).apiKeys).toEqual(r.apiKeys);
    } finally {
      c.close();
    }
  });

  it('answers every advertised version of every API', async () => {
    const rand = seeded(99);
    const failures: string[] = [];
    for (const h of HANDLERS.values()) {
      for (let v = h.versions.min; v <= h.versions.max; v++) {
        const body = randomStruct(apiSpec(h.apiKey)!.request, v, isFlexibleVersion(h.apiKey, v), rand);
        // Bound legitimate waits; a produce with acks=0 has no response to check.
        if (h.apiKey === 1) body.maxWaitMs = 0;
        if (h.apiKey === 11) body.sessionTimeoutMs = 5;
        if (h.apiKey === 0) body.acks = -1;
        // A fresh connection each: an out-of-sequence SaslAuthenticate is answered, then closed.
        const c = await RawClient.connect(k.port);
        try {
          for (const chunk of encodeRequestFrame({ apiKey: h.apiKey, apiVersion: v, correlationId: v + 1, clientId: 'sweep' }, body)) c.write(chunk);
          const f = await c.nextFrame();
          if (f === null) failures.push(`${h.name} v${v}: connection closed`);
          else if (decodeResponseFrame(h.apiKey, v, f).header.correlationId !== v + 1) failures.push(`${h.name} v${v}: wrong correlation id`);
        } catch (err) {
          failures.push(`${h.name} v${v}: ${(err as Error).message}`);
        } finally {
          c.close();
        }
      }
    }
    expect(failures).toEqual([]);
    expect(k.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
