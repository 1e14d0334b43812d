/**
 * Hostile and broken input over real sockets: whatever a connection sends, the listener answers
 * or closes that connection (never hangs it, never crashes), logs one line for a connection it
 * closes, and other connections and the broker carry on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { encodeBatch } from '../../../storage/log/record-batch.js';
import { HANDLERS } from '../../../server/kafka/handlers/index.js';
import { apiSpec, decodeResponseFrame, encodeRequestFrame, isFlexibleVersion } from '../../../server/kafka/protocol/index.js';
import { randomBytes, randomInt, randomStruct, seeded, type Rand } from './protocol/random-values.js';
import { eventually, RawClient, startKafka, type KafkaHarness } from './helpers.js';

const MAX_REQUEST_BYTES = 1 << 20;
let k: KafkaHarness;

beforeAll(async () => {
  k = await startKafka({ listener: { maxRequestBytes: MAX_REQUEST_BYTES } });
  k.broker.createTopic('good-topic', { partitions: 1 });
});

afterAll(async () => {
  await k?.stop();
});

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function batch(value: string): Buffer {
  return encodeBatch([{ key: null, value: Buffer.from(value), timestamp: Date.now() }]);
}

/** What the server did with one connection's bytes. */
type Outcome = { kind: 'answered'; frame: Buffer } | { kind: 'closed' } | { kind: 'pending' };

/** Sends bytes on a fresh connection and waits for the first response frame or the close. */
async function exchange(port: number, bytes: Buffer, opts: { end?: boolean; timeoutMs?: number } = {}): Promise<Outcome> {
  const c = await RawClient.connect(port);
  c.write(bytes);
  if (opts.end) c.endWrites();
  try {
    const f = await c.nextFrame(opts.timeoutMs ?? 2000);
    return f === null ? { kind: 'closed' } : { kind: 'answered', frame: f };
  } catch {
    return { kind: 'pending' };
  } finally {
    c.close();
  }
}

/** The good client's round trip: produce one record and read it back. */
async function goodRoundTrip(good: RawClient, n: number): Promise<void> {
  const produced = await good.request(0, 9, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'good-topic', partitionData: [{ index: 0, records: batch(`good-${n}`) }] }] });
  const p = produced.responses[0]!.partitionResponses[0]!;
  expect(p.errorCode).toBe(0);
  const fetched = await good.request(1, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic: 'good-topic', partitions: [{ partition: 0, fetchOffset: p.baseOffset, partitionMaxBytes: 1 << 20 }] }],
  });
  const r = fetched.responses[0]!.partitions[0]!;
  expect(r.errorCode).toBe(0);
  expect(r.records!.includes(Buffer.from(`good-${n}`))).toBe(true);
}

/** Valid request frames of many APIs, to mutate. */
function templates(): Buffer[] {
  const enc = (apiKey: number, apiVersion: number, body: object): Buffer =>
    Buffer.concat(encodeRequestFrame({ apiKey, apiVersion, correlationId: 7, clientId: 'fuzz' }, body));
  return [
    enc(18, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' }),
    enc(3, 12, { topics: [{ name: 'good-topic' }], allowAutoTopicCreation: false }),
    enc(0, 9, { acks: 1, timeoutMs: 100, topicData: [{ name: 'good-topic', partitionData: [{ index: 0, records: batch('fuzz') }] }] }),
    enc(1, 12, { maxWaitMs: 10, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'good-topic', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }] }),
    enc(2, 7, { replicaId: -1, topics: [{ name: 'good-topic', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }),
    enc(10, 4, { keyType: 0, coordinatorKeys: ['g'] }),
    enc(11, 5, { groupId: 'fuzz-group', sessionTimeoutMs: 10, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([0, 1]) }] }),
    enc(9, 7, { groupId: 'fuzz-group', topics: null, requireStable: true }),
    enc(32, 4, { resources: [{ resourceType: 2, resourceName: 'good-topic', configurationKeys: null }] }),
    enc(22, 4, { transactionalId: null, transactionTimeoutMs: 1000 }),
  ];
}

function mutate(bytes: Buffer, rand: Rand): Buffer {
  const b = Buffer.from(bytes);
  switch (randomInt(rand, 0, 4)) {
    case 0:
      for (let i = randomInt(rand, 1, 3); i > 0; i--) b[randomInt(rand, 4, b.length - 1)] = randomInt(rand, 0, 255);
      return b;
    case 1: {
      // Truncate the body but keep the size prefix honest.
      const body = b.subarray(4, 4 + randomInt(rand, 0, b.length - 4));
      return frame(body);
    }
    case 2: {
      const at = randomInt(rand, 4, b.length);
      return frame(Buffer.concat([b.subarray(4, at), randomBytes(rand, randomInt(rand, 1, 4)), b.subarray(at)]));
    }
    case 3:
      if (b.length >= 12) b.writeUInt32BE([0x7fffffff, 0xffffffff, 0x80000000, 0xfffffffe][randomInt(rand, 0, 3)]!, randomInt(rand, 4, b.length - 4));
      return b;
    default:
      // Header fields: API key and version.
      b.writeInt16BE(randomInt(rand, -3, 70), 4);
      if (rand() < 0.5) b.writeInt16BE(randomInt(rand, -2, 40), 6);
      return b;
  }
}

describe('hostile input', () => {
  it('survives random, mutated and random-but-valid requests; a good connection keeps working', async () => {
    const rand = seeded(2024);
    const good = await RawClient.connect(k.port);
    const bases = templates();
    const served = [...HANDLERS.values()].filter((h) => h.apiKey !== 17 && h.apiKey !== 36);
    const unexpected: string[] = [];
    const deadline = Date.now() + 3000;
    let cases = 0;
    for (; cases < 1500 && Date.now() < deadline; cases++) {
      const kind = cases % 3;
      if (kind === 0) {
        // Random bytes behind an honest size prefix.
        const body = randomBytes(rand, randomInt(rand, 0, 64));
        const out = await exchange(k.port, frame(body));
        if (out.kind === 'pending') unexpected.push(`random frame ${body.toString('hex')} neither answered nor closed`);
      } else if (kind === 1) {
        // A mutated valid request; we hang up after it, so an incomplete frame is closed too.
        const bytes = mutate(bases[randomInt(rand, 0, bases.length - 1)]!, rand);
        const out = await exchange(k.port, bytes, { end: true });
        if (out.kind === 'pending') unexpected.push(`mutated frame ${bytes.toString('hex')} neither answered nor closed`);
      } else {
        // A well-formed request of a random served API and version with random field values.
        const h = served[randomInt(rand, 0, served.length - 1)]!;
        const version = randomInt(rand, h.versions.min, h.versions.max);
        const body = randomStruct(apiSpec(h.apiKey)!.request, version, isFlexibleVersion(h.apiKey, version), rand);
        // Bound the waits that are legitimate (long polls, rebalances).
        if (h.apiKey === 1) body.maxWaitMs = 10;
        if (h.apiKey === 11) body.sessionTimeoutMs = 5;
        const bytes = Buffer.concat(encodeRequestFrame({ apiKey: h.apiKey, apiVersion: version, correlationId: 1, clientId: 'fuzz' }, body));
        const out = await exchange(k.port, bytes);
        if (out.kind === 'pending') unexpected.push(`${h.name} v${version} neither answered nor closed`);
        if (out.kind === 'answered') {
          try {
            expect(decodeResponseFrame(h.apiKey, version, out.frame).header.correlationId).toBe(1);
          } catch (err) {
            unexpected.push(`${h.name} v${version}: unreadable response (${(err as Error).message})`);
          }
        }
      }
      if (cases % 50 === 0) await goodRoundTrip(good, cases);
    }
    await goodRoundTrip(good, cases);
    expect(good.isOpen).toBe(true);
    good.close();
    expect(cases).toBeGreaterThan(100);
    expect(unexpected).toEqual([]);
    // Hostile input is the client's problem: nothing reached the log as a server error.
    expect(k.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('closes a connection whose frame is larger than maxRequestBytes, before reading it', async () => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(MAX_REQUEST_BYTES + 1);
    const before = k.lines.length;
    expect(await exchange(k.port, size)).toEqual({ kind: 'closed' });
    const logged = k.lines.slice(before).filter((l) => l.message.includes('closing connection'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toContain(`larger than the limit of ${MAX_REQUEST_BYTES} bytes`);
  });

  it('closes a connection with a negative frame size or an unknown API key', async () => {
    expect(await exchange(k.port, Buffer.from([0xff, 0xff, 0xff, 0xf0]))).toEqual({ kind: 'closed' });
    const unknownKey = Buffer.concat(encodeRequestFrame({ apiKey: 47, apiVersion: 0, correlationId: 1, clientId: null }, { groupId: 'g', topics: [] }));
    expect(await exchange(k.port, unknownKey)).toEqual({ kind: 'closed' });
    const notInCodec = frame(Buffer.from([0x00, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff]));
    expect(await exchange(k.port, notInCodec)).toEqual({ kind: 'closed' });
    expect(k.lines.some((l) => l.message.includes('API key 47 is not served'))).toBe(true);
  });

  it('logs one line when a client hangs up in the middle of a frame', async () => {
    const before = k.lines.length;
    const whole = Buffer.concat(encodeRequestFrame({ apiKey: 3, apiVersion: 1, correlationId: 1, clientId: 'x' }, { topics: null }));
    expect(await exchange(k.port, whole.subarray(0, whole.length - 3), { end: true })).toEqual({ kind: 'closed' });
    const logged = k.lines.slice(before).filter((l) => l.message.includes('closing connection'));
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toContain('hung up in the middle of a request');

    // The same for a connection reset instead of an orderly close.
    const mark = k.lines.length;
    const s = connect({ host: '127.0.0.1', port: k.port });
    await new Promise((r) => s.once('connect', r));
    s.on('error', () => {});
    s.write(whole.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 50));
    s.resetAndDestroy();
    const reset = await eventually(() => {
      const lines = k.lines.slice(mark).filter((l) => l.message.includes('closing connection'));
      return lines.length > 0 && lines;
    }, 5000, 'the log line of the reset connection');
    expect(reset).toHaveLength(1);
    expect(reset[0]!.message).toContain('6 byte(s) of an incomplete frame');
  });

  it('answers an unsupported version with UNSUPPORTED_VERSION', async () => {
    const c = await RawClient.connect(k.port);
    try {
      // ApiVersions from a newer client: a v0 answer with the list to choose from.
      const future = Buffer.concat(encodeRequestFrame({ apiKey: 18, apiVersion: 3, correlationId: 99, clientId: 'future' }, { clientSoftwareName: 'x', clientSoftwareVersion: '9' }));
      future.writeInt16BE(9, 6);
      c.write(future);
      const id = 99;
      const f = await c.nextFrame();
      const answer = decodeResponseFrame(18, 0, f!);
      expect(answer.header.correlationId).toBe(id);
      expect(answer.body.errorCode).toBe(35);
      expect(answer.body.apiKeys.find((a) => a.apiKey === 1)).toEqual({ apiKey: 1, minVersion: 4, maxVersion: 17 });

      // Versions the codec knows but the listener does not serve: the error where the response has room.
      const produce = await c.request(0, 2, { acks: 1, timeoutMs: 100, topicData: [{ name: 'good-topic', partitionData: [{ index: 0, records: batch('old') }] }] });
      expect(produce.responses[0]!.partitionResponses[0]!.errorCode).toBe(35);
      const fetch = await c.request(1, 3, { maxWaitMs: 0, minBytes: 0, maxBytes: 100, topics: [{ topic: 'good-topic', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 100 }] }] });
      expect(fetch.responses[0]!.partitions[0]!.errorCode).toBe(35);
      const offsetFetch = await c.request(9, 0, { groupId: 'g', topics: [{ name: 'good-topic', partitionIndexes: [0] }] });
      expect(offsetFetch.topics[0]!.partitions[0]!.errorCode).toBe(35);
      // Nothing was written by the refused produce.
      expect(k.broker.listOffset('good-topic', 0, -1).offset).toBe(k.broker.topics.log('good-topic', 0).highWatermark);
      expect(c.isOpen).toBe(true);
    } finally {
      c.close();
    }
    // A version beyond anything the codec knows cannot be answered readably: the connection closes.
    const tooNew = Buffer.concat(encodeRequestFrame({ apiKey: 3, apiVersion: 12, correlationId: 1, clientId: 'x' }, { topics: null }));
    tooNew.writeInt16BE(13, 6);
    expect(await exchange(k.port, tooNew)).toEqual({ kind: 'closed' });
  });

  it('closes the connection of a failed acks=0 produce, and sends nothing for a good one', async () => {
    const c = await RawClient.connect(k.port);
    c.send(0, 9, { acks: 0, timeoutMs: 100, topicData: [{ name: 'good-topic', partitionData: [{ index: 0, records: batch('fire-and-forget') }] }] });
    const id = c.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    const f = await c.nextFrame();
    // The first frame back answers the ApiVersions request: the produce got none.
    expect(decodeResponseFrame(18, 3, f!).header.correlationId).toBe(id);
    c.send(0, 9, { acks: 0, timeoutMs: 100, topicData: [{ name: 'no-such-topic', partitionData: [{ index: 0, records: batch('lost') }] }] });
    await c.closed;
    expect(k.lines.some((l) => l.message.includes('an acks=0 produce request failed') && l.message.includes('no-such-topic'))).toBe(true);
  });

  it('answers pipelined requests in order, a long poll holding the ones behind it', async () => {
    const c = await RawClient.connect(k.port);
    try {
      const end = k.broker.topics.log('good-topic', 0).highWatermark;
      const started = Date.now();
      const ids = [
        c.send(1, 11, { maxWaitMs: 300, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'good-topic', partitions: [{ partition: 0, fetchOffset: BigInt(end), partitionMaxBytes: 1000 }] }] }),
        c.send(3, 9, { topics: null }),
        c.send(18, 2, {}),
      ];
      const apis = [1, 3, 18];
      const versions = [11, 9, 2];
      for (let i = 0; i < 3; i++) {
        const f = await c.nextFrame();
        expect(decodeResponseFrame(apis[i]!, versions[i]!, f!).header.correlationId).toBe(ids[i]);
        if (i === 0) expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      }
    } finally {
      c.close();
    }
  });
});

// Keeps the helper honest: a plain socket that says nothing is left alone (no idle timeout here).
describe('quiet connections', () => {
  it('leave a connection that sends nothing open', async () => {
    const s = connect({ host: '127.0.0.1', port: k.port });
    await new Promise((r) => s.once('connect', r));
    await new Promise((r) => setTimeout(r, 200));
    expect(s.destroyed).toBe(false);
    s.destroy();
  });
});
