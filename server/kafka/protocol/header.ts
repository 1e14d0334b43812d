/**
 * Request and response headers, compiled from Kafka's RequestHeader.json / ResponseHeader.json
 * like any other struct:
 *
 *   request header v0    request_api_key int16 | request_api_version int16 | correlation_id int32
 *   request header v1    v0 | client_id string (int16 length, -1 = null)
 *   request header v2    v1 | tagged fields
 *   response header v0   correlation_id int32
 *   response header v1   v0 | tagged fields
 *
 * client_id keeps its int16 length in v2 (the spec sets the field's flexibleVersions to "none"):
 * a broker must be able to read the header of an ApiVersions request of any version, including
 * one newer than it knows, in order to answer it.
 *
 * Which header goes with which body: a flexible request version takes request header v2, any
 * other v1 (v0 only ever framed ControlledShutdown v0, which is not served here); a flexible
 * response takes response header v1, except ApiVersions, whose responses always take v0 so a
 * client that asked with a version the broker lacks can still read the error.
 */
import { KafkaError } from '../../../storage/errors.js';
import { isFlexibleVersion } from './bodies.js';
import type { StructCodec } from './codec.js';
import { compileStruct } from './codec.js';
import { REQUEST_HEADER_SPEC, RESPONSE_HEADER_SPEC } from './messages.generated.js';
import type { Writer } from './primitives.js';
import { Reader } from './primitives.js';
import type { HeaderSpec } from './schema.js';
import { inVersions, parseVersions } from './schema.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  /** Absent (null) in header v0; clients may also send null. */
  clientId: string | null;
}

export interface ResponseHeader {
  correlationId: number;
}

const API_VERSIONS_KEY = 18;

export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  return isFlexibleVersion(apiKey, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 1 : 0;
}

function headerCodecs(spec: HeaderSpec): StructCodec[] {
  const valid = parseVersions(spec.validVersions);
  const flexible = parseVersions(spec.flexibleVersions);
  const out: StructCodec[] = [];
  for (let v = valid.min; v <= valid.max; v++) out.push(compileStruct(spec.fields, v, inVersions(flexible, v), spec.name));
  return out;
}

const REQUEST_HEADERS = headerCodecs(REQUEST_HEADER_SPEC);
const RESPONSE_HEADERS = headerCodecs(RESPONSE_HEADER_SPEC);

function codecFor(codecs: StructCodec[], version: number, name: string): StructCodec {
  const codec = codecs[version];
  if (!codec) throw new KafkaError('UNSUPPORTED_VERSION', `${name} version ${version} does not exist.`);
  return codec;
}

export function writeRequestHeader(w: Writer, header: RequestHeader, headerVersion: number = requestHeaderVersion(header.apiKey, header.apiVersion)): void {
  codecFor(REQUEST_HEADERS, headerVersion, 'RequestHeader').write(w, {
    requestApiKey: header.apiKey,
    requestApiVersion: header.apiVersion,
    correlationId: header.correlationId,
    clientId: header.clientId,
  });
}

export interface DecodedRequestHeader {
  header: RequestHeader;
  headerVersion: number;
  /** Where the body starts in the buffer. */
  bodyOffset: number;
}

/**
 * Reads the request header at the start of a frame (the bytes after the size prefix). The
 * header version follows from the API key and version in its first four bytes, so this works
 * for API versions the codec cannot decode a body of; an unknown API key is an error (Kafka
 * closes the connection).
 */
export function readRequestHeader(frame: Buffer, offset = 0, end = frame.length): DecodedRequestHeader {
  if (end - offset < 8) {
    throw new KafkaError('INVALID_REQUEST', `A request of ${end - offset} byte(s) is too short for a request header (at least 8).`);
  }
  const apiKey = frame.readInt16BE(offset);
  const apiVersion = frame.readInt16BE(offset + 2);
  let headerVersion: number;
  try {
    headerVersion = requestHeaderVersion(apiKey, apiVersion);
  } catch {
    throw new KafkaError('INVALID_REQUEST', `Unknown API key ${apiKey} in request with correlation id ${frame.readInt32BE(offset + 4)}.`);
  }
  const r = new Reader(frame, offset, end);
  let h;
  try {
    h = codecFor(REQUEST_HEADERS, headerVersion, 'RequestHeader').read(r);
  } catch (err) {
    throw new KafkaError('INVALID_REQUEST', `Malformed request header v${headerVersion}: ${(err as Error).message}`, { cause: err });
  }
  return {
    header: {
      apiKey,
      apiVersion,
      correlationId: h.correlationId as number,
      clientId: h.clientId as string | null,
    },
    headerVersion,
    bodyOffset: r.pos,
  };
}

export function writeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  codecFor(RESPONSE_HEADERS, headerVersion, 'ResponseHeader').write(w, { correlationId });
}

export interface DecodedResponseHeader {
  header: ResponseHeader;
  bodyOffset: number;
}

/** Reads a response header; the version comes from the request it answers (`responseHeaderVersion`). */
export function readResponseHeader(frame: Buffer, headerVersion: number, offset = 0, end = frame.length): DecodedResponseHeader {
  const r = new Reader(frame, offset, end);
  let h;
  try {
    h = codecFor(RESPONSE_HEADERS, headerVersion, 'ResponseHeader').read(r);
  } catch (err) {
    if (err instanceof KafkaError && err.code === 'UNSUPPORTED_VERSION') throw err;
    throw new KafkaError('INVALID_REQUEST', `Malformed response header v${headerVersion}: ${(err as Error).message}`, { cause: err });
  }
  return { header: { correlationId: h.correlationId as number }, bodyOffset: r.pos };
}
