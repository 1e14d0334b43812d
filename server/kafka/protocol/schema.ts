/**
 * The shape of the message table in `messages.generated.ts`: Kafka's own message definitions
 * (clients/src/main/resources/common/message/*.json) reduced to what a codec needs. Field names
 * are camelCase as they appear on decoded objects; types and version ranges keep Kafka's
 * spelling (`'[]int32'`, `'3+'`, `'0-7'`, `'none'`) so a reader can hold the table beside the
 * JSON it came from.
 */

/** One field of a message or of a struct inside it. */
export interface FieldSpec {
  /** Kafka's field name in camelCase (`ErrorCode` -> `errorCode`). */
  readonly name: string;
  /**
   * `bool`, `int8`, `int16`, `uint16`, `int32`, `uint32`, `int64`, `float64`, `string`, `uuid`,
   * `bytes`, `records`, `[]<primitive>`, `[]<StructName>` or `<StructName>` (a single struct).
   */
  readonly type: string;
  /** Versions that carry the field. */
  readonly versions: string;
  readonly nullableVersions?: string;
  /** Versions in which the field travels in the tagged-fields section rather than in line. */
  readonly taggedVersions?: string;
  readonly tag?: number;
  /** Overrides the message's flexible versions for this field (RequestHeader.ClientId: `'none'`). */
  readonly flexibleVersions?: string;
  /** The spec's custom default; int64 defaults are bigints, `null` only for nullable fields. */
  readonly default?: number | bigint | boolean | string | null;
  /** Whether an encoder may drop a non-default value at a version that lacks the field. */
  readonly ignorable?: boolean;
  /** Kafka keeps such arrays as hash sets; on the wire and here they are plain arrays. */
  readonly mapKey?: boolean;
  /** Children of a struct or struct-array field; Kafka's commonStructs are resolved in place. */
  readonly fields?: readonly FieldSpec[];
}

export interface HeaderSpec {
  readonly name: string;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly fields: readonly FieldSpec[];
}

export interface ApiSpec {
  readonly apiKey: number;
  /** The message name without `Request`/`Response`: `Produce`, `Fetch`, `ApiVersions`. */
  readonly name: string;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly deprecatedVersions?: string;
  /** Kafka brokers do not advertise the highest version unless unstable APIs are enabled. */
  readonly latestVersionUnstable?: boolean;
  readonly request: readonly FieldSpec[];
  readonly response: readonly FieldSpec[];
}

/** An inclusive version interval; `min > max` is the empty range (`'none'`). */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** Open-ended ranges (`'3+'`) end at the largest int16, as in Kafka's `Versions`. */
export const MAX_VERSION = 0x7fff;

export const NO_VERSIONS: VersionRange = { min: 0, max: -1 };

export function parseVersions(text: string): VersionRange {
  const s = text.trim();
  if (s === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { min: Number(m[1]), max: MAX_VERSION };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`Not a Kafka version range: '${text}' (expected 'N', 'N+', 'N-M' or 'none').`);
}

export function inVersions(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}
