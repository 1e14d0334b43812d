/**
 * The remote client's own configuration against a real listener: SASL/PLAIN, and the errors a
 * user sees for a wrong password, an unreachable cluster and a malformed config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { Broker } from '../../../storage/broker/broker.js';
import { silentLogger } from '../../../storage/logger.js';
import { RemoteClient } from '../../../storage/remote/client.js';
import { KafkaListener } from '../../../server/kafka/listener.js';
import { tempDir } from '../../helpers/tmp.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('remote client configuration', () => {
  let broker: Broker;
  let listener: KafkaListener;
  let bootstrap: string;
  let cleanup: () => void;

  beforeAll(async () => {
    const tmp = tempDir('freshet-remote-sasl-');
    cleanup = tmp.cleanup;
    broker = await Broker.open({ dataDir: tmp.dir, groupInitialRebalanceDelayMs: 0, logger: silentLogger, offsetsTopicPartitions: 1, transactionStateTopicPartitions: 1 });
    listener = new KafkaListener(broker, { host: '127.0.0.1', port: 0, logger: silentLogger, sasl: { users: { alice: 'alice-secret' } } });
    const { host, port } = await listener.start();
    bootstrap = `${host}:${port}`;
  });

  afterAll(async () => {
    await listener?.close();
    await broker?.close();
    cleanup?.();
  });

  it('authenticates with SASL/PLAIN, then produces and consumes', async () => {
    const client = new RemoteClient({ brokers: [bootstrap], sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } });
    const admin = client.admin();
    await admin.createTopics([{ name: 'sasl-remote', partitions: 1 }]);
    const producer = client.producer();
    const meta = await producer.send({ topic: 'sasl-remote', key: 'k', value: 'hello' });
    expect(meta).toMatchObject({ topic: 'sasl-remote', partition: 0, offset: 0 });
    const consumer = client.consumer({ autoOffsetReset: 'earliest' });
    consumer.assign([{ topic: 'sasl-remote', partition: 0 }]);
    const got = [];
    for (let i = 0; i < 20 && got.length === 0; i++) got.push(...(await consumer.poll(200)));
    expect(got.map((r) => r.value?.toString())).toEqual(['hello']);
    await Promise.all([consumer.close(), producer.close(), admin.close()]);
  });

  it('fails with SASL_AUTHENTICATION_FAILED for a wrong password', async () => {
    const admin = new RemoteClient({ brokers: [bootstrap], sasl: { mechanism: 'plain', username: 'alice', password: 'wrong' } }).admin();
    await expect(admin.listTopics()).rejects.toMatchObject({ code: 'SASL_AUTHENTICATION_FAILED' });
    await admin.close();
  });

  it('fails with NETWORK_EXCEPTION when no broker answers', async () => {
    const admin = new RemoteClient({ brokers: [`127.0.0.1:${await closedPort()}`] }).admin();
    await expect(admin.listTopics()).rejects.toMatchObject({ code: 'NETWORK_EXCEPTION' });
    await admin.close();
  }, 20_000);

  it('refuses a config without usable bootstrap brokers', () => {
    expect(() => new RemoteClient({ brokers: [] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => new RemoteClient({ brokers: ['localhost'] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });

  it('refuses an idempotent producer without acks=all, as the embedded client does', () => {
    const client = new RemoteClient({ brokers: [bootstrap] });
    expect(() => client.producer({ acks: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
