/**
 * Where the registry keeps its state: an ordered log of keyed records, of which only the last
 * record per key matters (so a compacted topic can hold it). The registry replays the log when
 * it opens and appends one record per change; the latest value of every key is the state.
 *
 * Records (keys and values are JSON; on a topic, UTF-8 JSON bytes, with a key's fields always in
 * the order shown because compaction compares key bytes). The layout follows Confluent's
 * `_schemas` topic so it reads familiarly; it is Freshet's own and only Freshet reads it:
 *
 *   key   {"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}
 *   value {"subject":"orders-value","version":1,"id":3,"schemaType":"AVRO","references":[],
 *          "schema":"<canonical text>","deleted":false}
 *         a version of a subject; "deleted": true marks a soft delete; a null value (tombstone)
 *         is a permanent delete. "schemaType" is omitted for AVRO, as Confluent does.
 *
 *   key   {"keytype":"CONFIG","subject":"orders-value","magic":0}    ("subject": null: global)
 *   value {"compatibilityLevel":"FULL"}     a null value removes the subject's setting
 *
 * Schema ids are not allocated by a record of their own: an id is the largest id in the log
 * plus one, and the same schema text keeps its id across subjects.
 */
import type { SchemaReference, SchemaType } from './client.js';
import type { CompatibilityLevel } from './compatibility.js';

export type StoreKey =
  | { readonly keytype: 'SCHEMA'; readonly subject: string; readonly version: number; readonly magic: 1 }
  | { readonly keytype: 'CONFIG'; readonly subject: string | null; readonly magic: 0 };

export interface SchemaValue {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schemaType?: SchemaType;
  readonly references: readonly SchemaReference[];
  readonly schema: string;
  readonly deleted: boolean;
}

export interface ConfigValue {
  readonly compatibilityLevel: CompatibilityLevel;
}

export type StoreRecord =
  | { readonly key: Extract<StoreKey, { keytype: 'SCHEMA' }>; readonly value: SchemaValue | null }
  | { readonly key: Extract<StoreKey, { keytype: 'CONFIG' }>; readonly value: ConfigValue | null };

export interface SchemaStore {
  /** Every record from the beginning, in order. Called once, when the registry opens. */
  load(): Promise<StoreRecord[]>;
  /** Appends a record durably before resolving. */
  append(record: StoreRecord): Promise<void>;
  close(): Promise<void>;
}

export function schemaKey(subject: string, version: number): Extract<StoreKey, { keytype: 'SCHEMA' }> {
  return { keytype: 'SCHEMA', subject, version, magic: 1 };
}

export function configKey(subject: string | null): Extract<StoreKey, { keytype: 'CONFIG' }> {
  return { keytype: 'CONFIG', subject, magic: 0 };
}

/** A key's bytes: fields in a fixed order, so equal keys are equal bytes for compaction. */
export function encodeKey(key: StoreKey): Buffer {
  const text =
    key.keytype === 'SCHEMA'
      ? JSON.stringify({ keytype: key.keytype, subject: key.subject, version: key.version, magic: key.magic })
      : JSON.stringify({ keytype: key.keytype, subject: key.subject, magic: key.magic });
  return Buffer.from(text, 'utf8');
}

export function encodeValue(record: StoreRecord): Buffer | null {
  if (record.value === null) return null;
  if (record.key.keytype === 'CONFIG') return Buffer.from(JSON.stringify({ compatibilityLevel: (record.value as ConfigValue).compatibilityLevel }), 'utf8');
  const v = record.value as SchemaValue;
  const ordered: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id };
  if (v.schemaType !== undefined && v.schemaType !== 'AVRO') ordered.schemaType = v.schemaType;
  ordered.references = v.references;
  ordered.schema = v.schema;
  ordered.deleted = v.deleted;
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

/** Decodes a record read back; records of unknown key types (a newer writer) are skipped as null. */
export function decodeRecord(key: Buffer, value: Buffer | null): StoreRecord | null {
  const k = JSON.parse(key.toString('utf8')) as Record<string, unknown>;
  const v = value === null ? null : (JSON.parse(value.toString('utf8')) as Record<string, unknown>);
  if (k.keytype === 'SCHEMA' && typeof k.subject === 'string' && typeof k.version === 'number') {
    if (v === null) return { key: schemaKey(k.subject, k.version), value: null };
    return {
      key: schemaKey(k.subject, k.version),
      value: {
        subject: String(v.subject),
        version: Number(v.version),
        id: Number(v.id),
        schemaType: (v.schemaType as SchemaType | undefined) ?? 'AVRO',
        references: (v.references as SchemaReference[] | undefined) ?? [],
        schema: String(v.schema),
        deleted: v.deleted === true,
      },
    };
  }
  if (k.keytype === 'CONFIG') {
    const subject = typeof k.subject === 'string' ? k.subject : null;
    return { key: configKey(subject), value: v === null ? null : { compatibilityLevel: v.compatibilityLevel as CompatibilityLevel } };
  }
  return null;
}

/** A store in memory: for tests and for a registry that need not survive a restart. */
export class InMemorySchemaStore implements SchemaStore {
  private readonly records: StoreRecord[] = [];

  async load(): Promise<StoreRecord[]> {
    return [...this.records];
  }

  async append(record: StoreRecord): Promise<void> {
    this.records.push(record);
  }

  async close(): Promise<void> {}

  /** What was appended, for tests. */
  get log(): readonly StoreRecord[] {
    return this.records;
  }
}
