/**
 * Test harness for the Kafka listener: a real broker on a temporary data directory behind a
 * listener on a free loopback port, a logger that keeps its lines, and a raw protocol client
 * for requests no real client sends (bad frames, chosen versions, fetch sessions).
 */
import { connect, type Socket } from 'node:net';
import { Broker, type BrokerOptions } from '../../../storage/broker/broker.js';
import type { Logger } from '../../../storage/logger.js';
import { KafkaListener, type KafkaListenerOptions } from '../../../server/kafka/index.js';
import type { ApiKey, EncodeInput, RequestBodies, ResponseBodies } from '../../../server/kafka/protocol/index.js';
import { decodeResponseFrame, encodeRequestFrame, FrameDecoder } from '../../../server/kafka/protocol/index.js';
import { decodeFetchedRecords } from '../../../storage/client/fetch-decoder.js';
import type { ConsumerRecord } from '../../../storage/client/types.js';
import type { IsolationLevel } from '../../../storage/types.js';
import { tempDir } from '../../helpers/tmp.js';

export interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') }, lines };
}

export interface KafkaHarness {
  broker: Broker;
  listener: KafkaListener;
  port: number;
  /** `127.0.0.1:<port>` */
  bootstrap: string;
  lines: LogLine[];
  stop(): Promise<void>;
}

/** Fast group timing for tests: no initial rebalance delay, short sessions allowed. */
export async function startKafka(opts: { broker?: Partial<BrokerOptions>; listener?: KafkaListenerOptions } = {}): Promise<KafkaHarness> {
  const tmp = tempDir('freshet-kafka-');
  const { logger, lines } = captureLogger();
  const broker = await Broker.open({
    dataDir: tmp.dir,
    groupInitialRebalanceDelayMs: 0,
    groupMinSessionTimeoutMs: 1000,
    offsetsTopicPartitions: 4,
    transactionStateTopicPartitions: 4,
    logger,
    ...opts.broker,
  });
  const listener = new KafkaListener(broker, { port: 0, logger, ...opts.listener });
  const { port } = await listener.start();
  return {
    broker,
    listener,
    port,
    bootstrap: `127.0.0.1:${port}`,
    lines,
    async stop() {
      await listener.close();
      await broker.close();
      tmp.cleanup();
    },
  };
}

/** Every record of a topic, read in-process (partition by partition, in offset order). */
export async function readTopic(broker: Broker, topic: string, isolationLevel: IsolationLevel = 'read_uncommitted'): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  for (let partition = 0; partition < broker.topics.partitionCount(topic); partition++) {
    const log = broker.topics.log(topic, partition);
    const end = isolationLevel === 'read_committed' ? log.lastStableOffset : log.highWatermark;
    let offset = log.logStartOffset;
    while (offset < end) {
      const [r] = await broker.fetch([{ topic, partition, offset, maxBytes: 1 << 20 }], { maxWaitMs: 0, isolationLevel });
      if (!r || r.error || r.records.length === 0) break;
      offset = decodeFetchedRecords(topic, partition, r.records, offset, r.abortedTransactions, true, out);
    }
  }
  return out;
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A bare Kafka protocol client: one socket, requests encoded with the codec at a chosen
 * version, responses matched by correlation id. `closed` resolves when the server hangs up.
 */
export class RawClient {
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder(1 << 30);
  private readonly frames: Buffer[] = [];
  private waiting: (() => void) | null = null;
  private correlationId = 0;
  private isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push(f);
      this.waiting?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.waiting?.();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Half-closes: the server sees the end of input. */
  endWrites(): void {
    this.socket.end();
  }

  /** Sends a request frame and returns its correlation id. */
  send<K extends ApiKey>(apiKey: K, apiVersion: number, body: EncodeInput<RequestBodies[K]>, clientId: string | null = 'raw-test'): number {
    const correlationId = ++this.correlationId;
    for (const chunk of encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId }, body)) this.socket.write(chunk);
    return correlationId;
  }

  /** The next response frame, or null if the connection closed first. */
  async nextFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.isClosed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiting = null;
    }
    return this.frames.shift()!;
  }

  async request<K extends ApiKey>(apiKey: K, apiVersion: number, body: EncodeInput<RequestBodies[K]>, clientId?: string | null): Promise<ResponseBodies[K]> {
    const id = this.send(apiKey, apiVersion, body, clientId);
    const frame = await this.nextFrame();
    if (frame === null) throw new Error(`The connection closed instead of answering API ${apiKey} v${apiVersion}`);
    const { header, body: response } = decodeResponseFrame(apiKey, apiVersion, frame);
    if (header.correlationId !== id) throw new Error(`Correlation id ${header.correlationId} answers request ${id}`);
    return response;
  }

  close(): void {
    this.socket.destroy();
  }
}
