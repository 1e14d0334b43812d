/**
 * Kafka's framing: every request and response on a connection is
 *
 *   size int32 (bytes that follow) | header | body
 *
 * `FrameDecoder` turns socket chunks into frames (the bytes after the size), refusing a size
 * above `socket.request.max.bytes` before buffering any of it. The encoders produce the frame
 * as chunks for `socket.write` (under cork), so records travel by reference.
 */
import { KafkaError } from '../../../storage/errors.js';
import type { ApiKey, EncodeInput } from './bodies.js';
import { decodeRequest, decodeResponse, writeBody } from './bodies.js';
import type { Message } from './codec.js';
import type { RequestHeader, ResponseHeader } from './header.js';
import { readRequestHeader, readResponseHeader, responseHeaderVersion, writeRequestHeader, writeResponseHeader } from './header.js';
import type { RequestBodies, ResponseBodies } from './messages.generated.js';
import { EMPTY_BUFFER, Writer } from './primitives.js';

/** Kafka's default `socket.request.max.bytes`: 100 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;

/** A frame whose size prefix exceeds the limit; the connection cannot continue (Kafka closes it). */
export class FrameTooLargeError extends KafkaError {
  readonly size: number;
  readonly maxBytes: number;

  constructor(size: number, maxBytes: number) {
    super(
      'INVALID_REQUEST',
      `A frame of ${size} bytes is larger than the limit of ${maxBytes} bytes (socket.request.max.bytes); raise the limit or send smaller requests.`,
    );
    this.size = size;
    this.maxBytes = maxBytes;
  }
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  /** Size of the frame being assembled; -1 while its size prefix is still incomplete. */
  private need = -1;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received but not yet returned as frames (for back-pressure and diagnostics). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns the frames it completes, in order. A frame inside one chunk is a
   * view of it; a frame spanning chunks is copied once. After a throw the stream is out of sync:
   * close the connection.
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const size = this.take(4).readInt32BE(0);
        if (size < 0) throw new KafkaError('INVALID_REQUEST', `Negative frame size ${size}: the stream is not Kafka protocol.`);
        if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
        this.need = size;
      }
      if (this.buffered < this.need) break;
      frames.push(this.take(this.need));
      this.need = -1;
    }
    return frames;
  }

  private take(n: number): Buffer {
    if (n === 0) return EMPTY_BUFFER;
    this.buffered -= n;
    const first = this.chunks[this.head]!;
    if (first.length >= n) {
      this.consume(first, n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      this.consume(c, k);
    }
    return out;
  }

  /** Drops `k` bytes from the head chunk `c`. */
  private consume(c: Buffer, k: number): void {
    if (k < c.length) {
      this.chunks[this.head] = c.subarray(k);
      return;
    }
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

function finishFrame(w: Writer): Buffer[] {
  w.patchInt32(0, w.length - 4);
  return w.chunks();
}

/** `size | request header | body` as chunks, with the header version the API version calls for. */
export function encodeRequestFrame<K extends ApiKey>(header: RequestHeader & { apiKey: K }, body: EncodeInput<RequestBodies[K]>): Buffer[];
export function encodeRequestFrame(header: RequestHeader, body: object): Buffer[];
export function encodeRequestFrame(header: RequestHeader, body: object): Buffer[] {
  const w = new Writer();
  w.int32(0);
  writeRequestHeader(w, header);
  writeBody('request', header.apiKey, header.apiVersion, w, body);
  return finishFrame(w);
}

/** `size | response header | body` as chunks, answering a request of `apiKey` at `apiVersion`. */
export function encodeResponseFrame<K extends ApiKey>(apiKey: K, apiVersion: number, correlationId: number, body: EncodeInput<ResponseBodies[K]>): Buffer[];
export function encodeResponseFrame(apiKey: number, apiVersion: number, correlationId: number, body: object): Buffer[];
export function encodeResponseFrame(apiKey: number, apiVersion: number, correlationId: number, body: object): Buffer[] {
  const w = new Writer();
  w.int32(0);
  writeResponseHeader(w, correlationId, responseHeaderVersion(apiKey, apiVersion));
  writeBody('response', apiKey, apiVersion, w, body);
  return finishFrame(w);
}

/** A decoded request, discriminated on `apiKey` so a `switch` narrows `body`. */
export type DecodedRequest = {
  [K in ApiKey]: { apiKey: K; apiVersion: number; header: RequestHeader; headerVersion: number; body: RequestBodies[K] };
}[ApiKey];

/**
 * Decodes a frame from `FrameDecoder` (header and body). Throws UNSUPPORTED_VERSION for a
 * version the codec lacks (read the header alone with `readRequestHeader` to answer it, as an
 * ApiVersions request from a newer client needs) and INVALID_REQUEST for malformed bytes.
 */
export function decodeRequestFrame(frame: Buffer): DecodedRequest {
  const { header, headerVersion, bodyOffset } = readRequestHeader(frame);
  const body: Message = decodeRequest(header.apiKey, header.apiVersion, frame, bodyOffset);
  return { apiKey: header.apiKey, apiVersion: header.apiVersion, header, headerVersion, body } as unknown as DecodedRequest;
}

/** Decodes a response frame to a request this side sent as `apiKey` at `apiVersion`. */
export function decodeResponseFrame<K extends ApiKey>(apiKey: K, apiVersion: number, frame: Buffer): { header: ResponseHeader; body: ResponseBodies[K] };
export function decodeResponseFrame(apiKey: number, apiVersion: number, frame: Buffer): { header: ResponseHeader; body: Message };
export function decodeResponseFrame(apiKey: number, apiVersion: number, frame: Buffer): { header: ResponseHeader; body: Message } {
  const { header, bodyOffset } = readResponseHeader(frame, responseHeaderVersion(apiKey, apiVersion));
  return { header, body: decodeResponse(apiKey, apiVersion, frame, bodyOffset) };
}
