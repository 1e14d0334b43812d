/**
 * Kafka wire protocol: request/response codecs for every API in `messages.generated.ts`, the
 * request/response headers and size-prefixed framing. The listener's loop is:
 *
 *   const frames = decoder.push(chunk);                       // FrameDecoder
 *   const req = decodeRequestFrame(frame);                    // switch (req.apiKey) narrows req.body
 *   socket.cork(); for (const c of encodeResponseFrame(req.apiKey, req.apiVersion,
 *     req.header.correlationId, body)) socket.write(c); socket.uncork();
 *
 * int64 fields are bigints; uuids are 22-character base64url strings as Kafka prints them;
 * records and bytes are Buffers that, once decoded, share memory with the frame.
 */
export type { ApiKey, Direction, EncodeInput } from './bodies.js';
export {
  apiSpec,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  isFlexibleVersion,
  isVersionSupported,
  structCodec,
  supportedVersions,
} from './bodies.js';
export type { Message, StructCodec } from './codec.js';
export type { DecodedRequest } from './frames.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  FrameDecoder,
  FrameTooLargeError,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
} from './frames.js';
export type { DecodedRequestHeader, DecodedResponseHeader, RequestHeader, ResponseHeader } from './header.js';
export {
  readRequestHeader,
  readResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
} from './header.js';
export type * from './messages.generated.js';
export { API_KEYS, API_SPECS } from './messages.generated.js';
export { EMPTY_BUFFER, Reader, Writer, ZERO_COPY_THRESHOLD, ZERO_UUID } from './primitives.js';
export type { ApiSpec, FieldSpec, HeaderSpec, VersionRange } from './schema.js';
export { parseVersions } from './schema.js';
