import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE_DIR, resolveStreamsConfig } from '../../../engine/runtime/streams-config.js';

describe('StreamsApp config', () => {
  it("takes Kafka Streams' defaults, with the commit interval following the guarantee", () => {
    const alos = resolveStreamsConfig({ applicationId: 'app' });
    expect(alos).toMatchObject({ processingGuarantee: 'at_least_once', commitIntervalMs: 30_000, cacheMaxBytes: 10 * 1024 * 1024, autoOffsetReset: 'earliest', deserializationExceptionHandler: 'log-and-fail', processingExceptionHandler: 'log-and-fail', productionExceptionHandler: 'log-and-fail', replicationFactor: -1 });
    expect(alos.stateDir).toBe(resolve(DEFAULT_STATE_DIR));
    expect(alos.numStandbyReplicas).toBe(0);
    expect(resolveStreamsConfig({ applicationId: 'app', numStandbyReplicas: 2 }).numStandbyReplicas).toBe(2);
    expect(resolveStreamsConfig({ applicationId: 'app', processingGuarantee: 'exactly_once_v2' }).commitIntervalMs).toBe(100);
    expect(resolveStreamsConfig({ applicationId: 'app', processingGuarantee: 'exactly_once_v2', commitIntervalMs: 7 }).commitIntervalMs).toBe(7);
  });

  it('rejects bad settings with STREAMS_CONFIG and says what is allowed', () => {
    const bad: [object, RegExp][] = [
      [{ applicationId: '' }, /applicationId is required/],
      [{ applicationId: 'a b' }, /letters, digits/],
      [{ applicationId: 'a', processingGuarantee: 'exactly_once' }, /'at_least_once' or 'exactly_once_v2'/],
      [{ applicationId: 'a', commitIntervalMs: -1 }, /commitIntervalMs must be a number >= 0/],
      [{ applicationId: 'a', replicationFactor: 0 }, /replicationFactor/],
      [{ applicationId: 'a', processingExceptionHandler: { deadLetterTopic: '' } }, /deadLetterTopic/],
      [{ applicationId: 'a', productionExceptionHandler: 'ignore' }, /'log-and-continue', 'log-and-fail'/],
      ...[-1, 1.5, '1', Number.NaN].map((numStandbyReplicas): [object, RegExp] => [{ applicationId: 'a', numStandbyReplicas }, /numStandbyReplicas must be an integer >= 0/]),
      ...['localhost', 'localhost:', ':7070', 'localhost:0', 'localhost:65536', 'local host:7070', 'http://localhost:7070', '::1:7070', 7070].map((applicationServer): [object, RegExp] => [
        { applicationId: 'a', applicationServer },
        /applicationServer must be 'host:port'.*got/,
      ]),
    ];
    for (const [config, message] of bad) {
      expect(() => resolveStreamsConfig(config as never), JSON.stringify(config)).toThrow(expect.objectContaining({ code: 'STREAMS_CONFIG', message: expect.stringMatching(message) }));
    }
  });

  it('parses applicationServer into host and port', () => {
    expect(resolveStreamsConfig({ applicationId: 'a' }).applicationServer).toBeNull();
    expect(resolveStreamsConfig({ applicationId: 'a', applicationServer: 'node-1.example.com:7070' }).applicationServer).toEqual({ host: 'node-1.example.com', port: 7070 });
    expect(resolveStreamsConfig({ applicationId: 'a', applicationServer: '10.0.0.7:1' }).applicationServer).toEqual({ host: '10.0.0.7', port: 1 });
    expect(resolveStreamsConfig({ applicationId: 'a', applicationServer: '[::1]:65535' }).applicationServer).toEqual({ host: '::1', port: 65535 });
  });
});
