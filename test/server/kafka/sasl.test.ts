/**
 * SASL/PLAIN: with users configured, a connection must authenticate before anything but
 * ApiVersions; wrong credentials get SASL_AUTHENTICATION_FAILED and a closed connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { encodeRequestFrame } from '../../../server/kafka/protocol/index.js';
import { RawClient, startKafka, type KafkaHarness } from './helpers.js';

let k: KafkaHarness;

beforeAll(async () => {
  k = await startKafka({ listener: { sasl: { users: { alice: 'alice-secret', bob: 'b0b' } } } });
});

afterAll(async () => {
  await k?.stop();
});

function plain(user: string, password: string, authzid = ''): Buffer {
  return Buffer.from(`${authzid}\u0000${user}\u0000${password}`);
}

function client(password: string, retries = 0): Kafka {
  return new Kafka({
    clientId: 'sasl-test',
    brokers: [k.bootstrap],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'plain', username: 'alice', password },
    retry: { retries, initialRetryTime: 50 },
  });
}

describe('SASL/PLAIN', () => {
  it('lets kafkajs with the right password produce and read metadata', async () => {
    const producer = client('alice-secret', 3).producer();
    await producer.connect();
    try {
      const [r] = await producer.send({ topic: 'sasl-topic', messages: [{ value: 'hello' }] });
      expect(r!.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
    expect(k.broker.listOffset('sasl-topic', 0, -1).offset).toBe(1);
  });

  it('fails kafkajs with a wrong password with SASL_AUTHENTICATION_FAILED', async () => {
    const admin = client('wrong').admin();
    // kafkajs shows the broker's message only for error 58 (SASL_AUTHENTICATION_FAILED).
    await expect(admin.connect()).rejects.toMatchObject({
      name: 'KafkaJSSASLAuthenticationError',
      message: 'SASL PLAIN authentication failed: Authentication failed: Invalid username or password',
    });
    await admin.disconnect();
  });

  it('answers a wrong password with error 58 and closes the connection', async () => {
    const c = await RawClient.connect(k.port);
    expect((await c.request(17, 1, { mechanism: 'PLAIN' })).mechanisms).toEqual(['PLAIN']);
    const r = await c.request(36, 2, { authBytes: plain('alice', 'nope') });
    expect(r.errorCode).toBe(58);
    expect(r.errorMessage).toContain('Invalid username or password');
    await c.closed;
  });

  it('closes a connection that sends anything but ApiVersions before authenticating', async () => {
    const c = await RawClient.connect(k.port);
    const versions = await c.request(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    expect(versions.errorCode).toBe(0);
    c.send(3, 9, { topics: null });
    expect(await c.nextFrame()).toBeNull();
    expect(k.lines.some((l) => l.message.includes('Metadata request before SASL authentication'))).toBe(true);
  });

  it('refuses mechanisms other than PLAIN, and an authorization id that is not the user', async () => {
    const c = await RawClient.connect(k.port);
    const scram = await c.request(17, 1, { mechanism: 'SCRAM-SHA-256' });
    expect(scram).toEqual({ errorCode: 33, mechanisms: ['PLAIN'] });
    await c.request(17, 1, { mechanism: 'PLAIN' });
    expect((await c.request(36, 1, { authBytes: plain('alice', 'alice-secret', 'bob') })).errorCode).toBe(58);
    await c.closed;
  });

  it('takes the bare token after SaslHandshake v0 and then serves requests', async () => {
    const c = await RawClient.connect(k.port);
    try {
      expect((await c.request(17, 0, { mechanism: 'PLAIN' })).errorCode).toBe(0);
      const token = plain('bob', 'b0b');
      const size = Buffer.alloc(4);
      size.writeInt32BE(token.length);
      c.write(Buffer.concat([size, token]));
      // Success is an empty frame.
      expect(await c.nextFrame()).toEqual(Buffer.alloc(0));
      const meta = await c.request(3, 9, { topics: null });
      expect(meta.brokers[0]!.port).toBe(k.port);
    } finally {
      c.close();
    }
  });

  it('is off by default: SASL requests are out of place and everything is served', async () => {
    const plainText = await startKafka();
    try {
      const c = await RawClient.connect(plainText.port);
      expect((await c.request(17, 1, { mechanism: 'PLAIN' })).errorCode).toBe(34);
      const meta = await c.request(3, 9, { topics: null });
      expect(meta.brokers).toHaveLength(1);
      // An unexpected SaslAuthenticate is answered, then the connection closes.
      const id = c.send(36, 1, { authBytes: plain('x', 'y') });
      expect(id).toBeGreaterThan(0);
      expect(await c.nextFrame()).not.toBeNull();
      await c.closed;
    } finally {
      await plainText.stop();
    }
  });

  it('rejects a request frame smuggled in place of the bare token', async () => {
    const c = await RawClient.connect(k.port);
    await c.request(17, 0, { mechanism: 'PLAIN' });
    for (const chunk of encodeRequestFrame({ apiKey: 3, apiVersion: 9, correlationId: 5, clientId: 'x' }, { topics: null })) c.write(chunk);
    expect(await c.nextFrame()).toBeNull();
  });
});

describe('before authentication', () => {
  it('closes a connection that sends more than 512 KiB', async () => {
    const c = await RawClient.connect(k.port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(50 << 20);
    c.write(size);
    c.write(Buffer.alloc(600 * 1024));
    expect(await c.nextFrame()).toBeNull();
    expect(k.lines.some((l) => l.message.includes('before SASL authentication') && l.message.includes('bytes received'))).toBe(true);
  });
});
