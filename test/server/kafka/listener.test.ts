/** The listener's life: options, start on a free port, close, and what a closed listener does. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { KafkaListener, KafkaListenerError } from '../../../server/kafka/index.js';
import { captureLogger, RawClient, startKafka, type KafkaHarness } from './helpers.js';

let k: KafkaHarness;

beforeAll(async () => {
  k = await startKafka();
});

afterAll(async () => {
  await k?.stop();
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('KafkaListener', () => {
  it('refuses bad options with a typed error', () => {
    const make = (o: object) => () => new KafkaListener(k.broker, o);
    expect(make({ port: 70000 })).toThrow(KafkaListenerError);
    expect(make({ port: -1 })).toThrow(/not a TCP port/);
    expect(make({ advertisedPort: 0 })).toThrow(/advertisedPort 0/);
    expect(make({ maxRequestBytes: 0 })).toThrow(/maxRequestBytes/);
    expect(make({ sasl: { users: {} } })).toThrow(expect.objectContaining({ code: 'KAFKA_LISTENER_INVALID_OPTION' }));
  });

  it('starts on a free port, serves, and on close stops accepting and drops its connections', async () => {
    const { logger, lines } = captureLogger();
    const l = new KafkaListener(k.broker, { port: 0, logger });
    const { host, port } = await l.start();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    const c = await RawClient.connect(port);
    expect((await c.request(3, 9, { topics: [] })).brokers[0]!.port).toBe(port);
    expect(l.connectionCount).toBe(1);
    await l.close();
    await c.closed;
    expect(await refused(port)).toBe(true);
    expect(lines.map((x) => x.message)).toEqual(expect.arrayContaining([`Kafka listener on 127.0.0.1:${port}`, 'Kafka listener closed']));
    // The broker is not the listener's to close.
    expect(k.broker.isClosed).toBe(false);
    await expect(l.start()).rejects.toMatchObject({ code: 'KAFKA_LISTENER_STATE' });
    await l.close();
  });

  it('fails to start on a port in use with KAFKA_LISTENER_BIND_FAILED', async () => {
    const l = new KafkaListener(k.broker, { port: k.port, logger: captureLogger().logger });
    await expect(l.start()).rejects.toMatchObject({ code: 'KAFKA_LISTENER_BIND_FAILED', message: expect.stringContaining(`127.0.0.1:${k.port}`) });
  });

  it('closes while a long poll is waiting, without waiting for it', async () => {
    const { logger } = captureLogger();
    const l = new KafkaListener(k.broker, { port: 0, logger });
    const { port } = await l.start();
    k.broker.createTopic('lp', { partitions: 1 });
    const c = await RawClient.connect(port);
    c.send(1, 11, { maxWaitMs: 30_000, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'lp', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }] });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await l.close();
    await c.closed;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
