/**
 * One client connection. Bytes become frames (FrameDecoder), frames become requests, and
 * requests are handled strictly one after another, each response written (corked, so a fetch's
 * record buffers go out in one writev without being copied) before the next request starts.
 * That is Kafka's model: a long-polling Fetch or a JoinGroup waiting for its rebalance holds
 * the connection's later requests, and responses leave in request order.
 *
 * What closes the connection (with one log line): a frame the decoder rejects (negative or
 * above socket.request.max.bytes), a malformed header or body, an API this listener does not
 * serve, a version neither the listener nor the codec can answer, a request before SASL
 * authentication completed, a failed authentication (after its response), an acks=0 produce
 * that failed, and the client hanging up in the middle of a frame. Nothing on one connection
 * affects another or the broker.
 */
import type { Socket } from 'node:net';
import { KafkaError, kafkaErrorCode } from '../../storage/errors.js';
import type { ApiKey, RequestHeader } from './protocol/index.js';
import { decodeRequest, encodeResponseFrame, FrameDecoder, FrameTooLargeError, isVersionSupported, readRequestHeader } from './protocol/index.js';
import type { ConnectionState, ListenerState, Reply, RequestContext } from './handlers/handler.js';
import { NO_RESPONSE } from './handlers/handler.js';
import { HANDLERS } from './handlers/index.js';
import type { AnyHandler } from './handlers/index.js';
import { authenticate } from './handlers/sasl.js';

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

/** Stop reading while this much decoded but unhandled input waits (Kafka reads one request at a time). */
const MAX_QUEUED_BYTES = 16 << 20;
const MAX_QUEUED_FRAMES = 256;

/**
 * sasl.server.max.receive.size: before authentication a client may not make the broker buffer
 * more than this (a forged 100 MiB size prefix must not cost 100 MiB per anonymous socket).
 */
const MAX_UNAUTHENTICATED_BYTES = 512 * 1024;

/** Ends the request loop for this connection; the reason is the log line. */
class CloseConnection extends Error {}

export class KafkaConnection {
  readonly state: ConnectionState;
  readonly remote: string;
  private readonly decoder: FrameDecoder;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private processing = false;
  private closed = false;
  private paused = false;

  constructor(
    private readonly socket: Socket,
    private readonly listener: ListenerState,
    maxRequestBytes: number,
    private readonly onClosed: (c: KafkaConnection) => void,
  ) {
    this.decoder = new FrameDecoder(maxRequestBytes);
    const address = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    this.remote = `${address}:${socket.remotePort ?? 0}`;
    this.state = {
      clientHost: `/${address}`,
      authenticated: listener.sasl === null,
      saslMechanism: null,
      saslRawTokenNext: false,
      principal: null,
      closeAfterResponse: null,
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.listener.logger.debug('Kafka listener: connection error', { remote: this.remote, error: err.message }));
    socket.on('close', () => {
      // A reset rather than an orderly end: the incomplete frame still deserves its line.
      if (!this.closed && this.decoder.bufferedBytes > 0) this.logTruncated();
      this.closed = true;
      this.onClosed(this);
    });
  }

  /** Closes at once (listener shutdown). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.logger.warn(`Kafka listener: closing connection from ${this.remote}: ${reason}`);
    this.socket.destroy();
  }

  private logTruncated(): void {
    this.close(`the client hung up in the middle of a request (${this.decoder.bufferedBytes} byte(s) of an incomplete frame)`);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const detail = err instanceof FrameTooLargeError ? `${err.message}` : `unreadable framing (${(err as Error).message})`;
      this.close(detail);
      return;
    }
    for (const f of frames) {
      this.queue.push(f);
      this.queuedBytes += f.length;
    }
    if (!this.state.authenticated && this.queuedBytes + this.decoder.bufferedBytes > MAX_UNAUTHENTICATED_BYTES) {
      this.close(`more than ${MAX_UNAUTHENTICATED_BYTES} bytes received before SASL authentication`);
      return;
    }
    if (!this.paused && (this.queuedBytes > MAX_QUEUED_BYTES || this.queue.length > MAX_QUEUED_FRAMES)) {
      this.paused = true;
      this.socket.pause();
    }
    if (!this.processing && this.queue.length > 0) void this.pump();
  }

  private onEnd(): void {
    if (!this.closed && this.decoder.bufferedBytes > 0) this.logTruncated();
  }

  private async pump(): Promise<void> {
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const frame = this.queue.shift()!;
        this.queuedBytes -= frame.length;
        if (this.paused && this.queuedBytes <= MAX_QUEUED_BYTES / 2 && this.queue.length <= MAX_QUEUED_FRAMES / 2) {
          this.paused = false;
          this.socket.resume();
        }
        await this.handleFrame(frame);
        if (this.state.closeAfterResponse !== null) {
          this.closeAfterFlush(this.state.closeAfterResponse);
          return;
        }
        if (this.socket.writableNeedDrain) await this.drained();
      }
    } catch (err) {
      if (err instanceof CloseConnection) this.close(err.message);
      else this.close(`unexpected error (${err instanceof Error ? (err.stack ?? err.message) : String(err)})`);
    } finally {
      this.processing = false;
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Sends what was written, then closes. */
  private closeAfterFlush(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.logger.info(`Kafka listener: closing connection from ${this.remote}: ${reason}`);
    this.socket.end();
    // A client that never reads must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  private async handleFrame(frame: Buffer): Promise<void> {
    if (this.state.saslRawTokenNext) return this.handleRawSaslToken(frame);
    let header: RequestHeader;
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeader(frame));
    } catch (err) {
      throw new CloseConnection(`malformed request (${(err as Error).message})`);
    }
    const { apiKey, apiVersion } = header;
    const handler = HANDLERS.get(apiKey);
    if (!handler) throw new CloseConnection(`API key ${apiKey} is not served by this listener (correlation id ${header.correlationId})`);
    if (!this.state.authenticated && apiKey !== API_VERSIONS && apiKey !== SASL_HANDSHAKE && apiKey !== SASL_AUTHENTICATE) {
      throw new CloseConnection(`${handler.name} request before SASL authentication`);
    }
    const advertised = apiVersion >= handler.versions.min && apiVersion <= handler.versions.max;
    if (!advertised && apiKey === API_VERSIONS) {
      // The client is newer than us: answer in v0, which every client reads, with the list to pick from.
      this.write(API_VERSIONS, 0, header.correlationId, { errorCode: kafkaErrorCode('UNSUPPORTED_VERSION'), apiKeys: this.listener.apiVersions });
      return;
    }
    if (!advertised && !isVersionSupported(apiKey, apiVersion)) {
      throw new CloseConnection(`${handler.name} v${apiVersion} is neither served (${handler.versions.min}-${handler.versions.max}) nor known to the codec, so no response could be read`);
    }
    let body;
    try {
      body = decodeRequest(apiKey, apiVersion, frame, bodyOffset);
    } catch (err) {
      throw new CloseConnection(`malformed ${handler.name} v${apiVersion} request (${(err as Error).message})`);
    }
    const ctx: RequestContext = { listener: this.listener, conn: this.state, header, apiVersion };
    let reply: Reply<ApiKey> | typeof NO_RESPONSE;
    if (!advertised) {
      reply = handler.errorResponse(body as never, kafkaErrorCode('UNSUPPORTED_VERSION'), ctx);
      if (reply === NO_RESPONSE) throw new CloseConnection(`${handler.name} v${apiVersion} is not supported (${handler.versions.min}-${handler.versions.max}) and the request expects no response`);
    } else {
      reply = await this.run(handler, body as never, ctx);
    }
    if (reply !== NO_RESPONSE && !this.closed) this.write(apiKey, apiVersion, header.correlationId, reply);
  }

  private async run(handler: AnyHandler, body: never, ctx: RequestContext): Promise<Reply<ApiKey> | typeof NO_RESPONSE> {
    try {
      return await handler.handle(body, ctx);
    } catch (err) {
      // Handlers turn the broker's KafkaErrors into per-partition errors; what reaches here is a
      // request-level failure (a KafkaError) or a bug.
      if (!(err instanceof KafkaError)) {
        this.listener.logger.error(`Kafka listener: ${handler.name} failed unexpectedly`, { remote: this.remote, clientId: ctx.header.clientId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
      const reply = handler.errorResponse(body, err instanceof KafkaError ? err.errorCode : -1, ctx);
      if (reply === NO_RESPONSE) throw new CloseConnection(`${handler.name} failed and the request expects no response`);
      return reply;
    }
  }

  private write(apiKey: number, apiVersion: number, correlationId: number, body: object): void {
    let chunks: Buffer[];
    try {
      chunks = encodeResponseFrame(apiKey, apiVersion, correlationId, body);
    } catch (err) {
      throw new CloseConnection(`could not encode the response to API ${apiKey} v${apiVersion} (${(err as Error).message})`);
    }
    const s = this.socket;
    s.cork();
    for (const c of chunks) s.write(c);
    s.uncork();
  }

  /** After SaslHandshake v0 the token arrives as a bare frame; success is answered with an empty one. */
  private handleRawSaslToken(token: Buffer): void {
    const failure = authenticate(this.listener, this.state, token);
    // Kafka has no way to report the failure in this framing: it closes the connection.
    if (failure !== null) return;
    this.socket.write(Buffer.alloc(4));
  }
}
