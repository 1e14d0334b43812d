/**
 * Request and response bodies by API key and version: the codecs compiled from the table in
 * `messages.generated.ts`, cached per (api, version, direction), and the public
 * encode/decode entry points. A body occupies the rest of its frame after the header; decoding
 * insists on consuming it exactly, so a misread version cannot pass silently.
 */
import { KafkaError } from '../../../storage/errors.js';
import type { Message, StructCodec } from './codec.js';
import { compileStruct, malformed } from './codec.js';
import type { RequestBodies, ResponseBodies } from './messages.generated.js';
import { API_SPECS } from './messages.generated.js';
import { Reader, Writer } from './primitives.js';
import type { ApiSpec, VersionRange } from './schema.js';
import { inVersions, parseVersions } from './schema.js';

/**
 * What an encoder accepts for a decoded type: any field may be left out (it encodes as its
 * default) and int64 fields also take safe-integer numbers.
 */
export type EncodeInput<T> = T extends Buffer
  ? T
  : T extends bigint
    ? bigint | number
    : T extends readonly (infer E)[]
      ? readonly EncodeInput<E>[]
      : T extends object
        ? { [K in keyof T]?: EncodeInput<T[K]> }
        : T;

export type ApiKey = keyof RequestBodies & keyof ResponseBodies;

interface CompiledApi {
  spec: ApiSpec;
  versions: VersionRange;
  flexible: VersionRange;
  request: Map<number, StructCodec>;
  response: Map<number, StructCodec>;
}

const APIS = new Map<number, CompiledApi>(
  API_SPECS.map((spec) => [
    spec.apiKey,
    { spec, versions: parseVersions(spec.validVersions), flexible: parseVersions(spec.flexibleVersions), request: new Map(), response: new Map() },
  ]),
);

export function apiSpec(apiKey: number): ApiSpec | undefined {
  return APIS.get(apiKey)?.spec;
}

/** The versions the codec can encode and decode for `apiKey` (including unstable ones). */
export function supportedVersions(apiKey: number): VersionRange | undefined {
  return APIS.get(apiKey)?.versions;
}

export function isVersionSupported(apiKey: number, version: number): boolean {
  const api = APIS.get(apiKey);
  return api !== undefined && inVersions(api.versions, version);
}

/**
 * Whether `version` of the API uses flexible encoding. Answers for versions above the
 * supported range too (flexible ranges are open-ended), which the request header needs to
 * read an ApiVersions request from a newer client.
 */
export function isFlexibleVersion(apiKey: number, version: number): boolean {
  const api = APIS.get(apiKey);
  if (!api) throw new KafkaError('INVALID_REQUEST', `Unknown API key ${apiKey}.`);
  return inVersions(api.flexible, version);
}

export type Direction = 'request' | 'response';

export function structCodec(direction: Direction, apiKey: number, version: number): StructCodec {
  const api = APIS.get(apiKey);
  if (!api) throw new KafkaError('UNSUPPORTED_VERSION', `API key ${apiKey} is not supported by this codec.`);
  const cache = api[direction];
  let codec = cache.get(version);
  if (codec) return codec;
  if (!inVersions(api.versions, version)) {
    throw new KafkaError(
      'UNSUPPORTED_VERSION',
      `${api.spec.name}${direction === 'request' ? 'Request' : 'Response'} version ${version} is not supported; supported versions are ${api.spec.validVersions}.`,
    );
  }
  const name = `${api.spec.name}${direction === 'request' ? 'Request' : 'Response'} v${version}`;
  codec = compileStruct(api.spec[direction], version, inVersions(api.flexible, version), '');
  // Encoding errors name the field by its path; prefix the message and version once here.
  const inner = codec;
  codec = {
    read: inner.read,
    write(w, m) {
      try {
        inner.write(w, m);
      } catch (err) {
        if (err instanceof KafkaError) throw new KafkaError(err.code, `${name}: ${err.message}`, { cause: err });
        throw err;
      }
    },
  };
  cache.set(version, codec);
  return codec;
}

/** Decodes `buf[offset, end)` as one whole body; anything malformed becomes a KafkaError. */
export function decodeStruct(codec: StructCodec, what: string, buf: Buffer, offset: number, end: number): Message {
  const r = new Reader(buf, offset, end);
  try {
    const m = codec.read(r);
    if (r.pos !== end) throw malformed(`${end - r.pos} byte(s) left over after the last field`);
    return m;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new KafkaError('INVALID_REQUEST', `Malformed ${what}: ${detail}`, { cause: err });
  }
}

function bodyName(direction: Direction, apiKey: number, version: number): string {
  return `${APIS.get(apiKey)!.spec.name}${direction === 'request' ? 'Request' : 'Response'} v${version}`;
}

/** Writes a body into `w` (used by the frame encoders, which put the header in front). */
export function writeBody(direction: Direction, apiKey: number, version: number, w: Writer, body: object): void {
  structCodec(direction, apiKey, version).write(w, body as Message);
}

export function encodeRequest<K extends ApiKey>(apiKey: K, version: number, body: EncodeInput<RequestBodies[K]>): Buffer;
export function encodeRequest(apiKey: number, version: number, body: object): Buffer;
export function encodeRequest(apiKey: number, version: number, body: object): Buffer {
  const w = new Writer();
  writeBody('request', apiKey, version, w, body);
  return w.toBuffer();
}

export function encodeResponse<K extends ApiKey>(apiKey: K, version: number, body: EncodeInput<ResponseBodies[K]>): Buffer;
export function encodeResponse(apiKey: number, version: number, body: object): Buffer;
export function encodeResponse(apiKey: number, version: number, body: object): Buffer {
  const w = new Writer();
  writeBody('response', apiKey, version, w, body);
  return w.toBuffer();
}

/** Decodes a request body occupying `buf[offset, end)`. Records and bytes fields are views of `buf`. */
export function decodeRequest<K extends ApiKey>(apiKey: K, version: number, buf: Buffer, offset?: number, end?: number): RequestBodies[K];
export function decodeRequest(apiKey: number, version: number, buf: Buffer, offset?: number, end?: number): Message;
export function decodeRequest(apiKey: number, version: number, buf: Buffer, offset = 0, end = buf.length): Message {
  const codec = structCodec('request', apiKey, version);
  return decodeStruct(codec, bodyName('request', apiKey, version), buf, offset, end);
}

/** Decodes a response body occupying `buf[offset, end)`. Records and bytes fields are views of `buf`. */
export function decodeResponse<K extends ApiKey>(apiKey: K, version: number, buf: Buffer, offset?: number, end?: number): ResponseBodies[K];
export function decodeResponse(apiKey: number, version: number, buf: Buffer, offset?: number, end?: number): Message;
export function decodeResponse(apiKey: number, version: number, buf: Buffer, offset = 0, end = buf.length): Message {
  const codec = structCodec('response', apiKey, version);
  return decodeStruct(codec, bodyName('response', apiKey, version), buf, offset, end);
}
