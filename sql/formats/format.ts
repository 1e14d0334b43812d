/**
 * What a serialization format is to the rest of Freshet: something that turns rows (an array of
 * column values in column order, valued as sql/types/sql-type.ts describes) into record bytes
 * and back, for the key or the value of a topic, given the persistence schema (the columns).
 *
 * ksqlDB's formats and their single-column behaviour:
 *
 *   format         wraps a single column?      registry   inference
 *   KAFKA          never (one column at most)  no         no
 *   DELIMITED      never (one field per col)   no         no
 *   JSON           values yes, keys no          no         no
 *   JSON_SR        values yes, keys no          yes        yes
 *   AVRO           values yes, keys no          yes        yes
 *   PROTOBUF       always (a message)          yes        yes
 *   PROTOBUF_NOSR  always (a message)          no         no
 *   NONE           no columns at all           no         no
 *
 * "Wrapped" means the columns are fields of a record/object/message; "unwrapped" means the lone
 * column's value is the whole record (WRAP_SINGLE_VALUE=false, and single keys by default).
 */
import type { Serde } from '../../engine/serde/serde.js';
import { formatSqlType, someType, type SqlType } from '../types/sql-type.js';
import type { SchemaRegistryClient } from '../schema-registry/client.js';
import { FormatError } from './errors.js';
import { voidRowSerde } from './row-serde.js';

export interface Column {
  readonly name: string;
  readonly type: SqlType;
}

/** Column values in column order; a tombstone is a null row, not a row of nulls. */
export type Row = unknown[];

export type RowSerde = Serde<Row>;

export type FormatName = 'KAFKA' | 'JSON' | 'JSON_SR' | 'AVRO' | 'PROTOBUF' | 'PROTOBUF_NOSR' | 'DELIMITED' | 'NONE';

export interface SerdeOptions {
  /** Whether the serde is for record keys (single keys are unwrapped by default) or values. */
  readonly isKey: boolean;
  /** WRAP_SINGLE_VALUE as given; undefined leaves the format's default (see the table above). */
  readonly wrapSingleValue?: boolean;
  /** DELIMITED's KEY_DELIMITER / VALUE_DELIMITER as written in WITH: one character, TAB or SPACE. */
  readonly delimiter?: string;
  /** KEY_SCHEMA_ID / VALUE_SCHEMA_ID: write with this registered schema instead of a generated one. */
  readonly schemaId?: number;
  /** KEY_SCHEMA_FULL_NAME / VALUE_SCHEMA_FULL_NAME: the record (Avro) or message (Protobuf) name. */
  readonly schemaFullName?: string;
  /** Where schemas are registered and looked up; required by AVRO, PROTOBUF and JSON_SR. */
  readonly registry?: SchemaRegistryClient;
  /** The topic written: its subject is `<topic>-key` or `<topic>-value` (TopicNameStrategy). */
  readonly topic?: string;
  /** A subject other than the topic's (KEY_SCHEMA_SUBJECT_NAME / VALUE_SCHEMA_SUBJECT_NAME). */
  readonly subject?: string;
  /**
   * Register the generated schema when the serde is created (the default, as ksqlDB does for
   * the topics it writes). When false, the schema must already be registered under the subject;
   * a serde for reading only never needs it.
   */
  readonly autoRegister?: boolean;
  /**
   * Rows read are this many slots wide: the columns, then nulls. A query's source widens each
   * row with more columns (sql/planner/source-rows.ts); reading it that wide saves a copy per
   * record. A format may ignore this and read rows as wide as the columns.
   */
  readonly rowWidth?: number;
}

/** What each format module defines; `defineFormat` adds the shared serde factory around it. */
export interface FormatSpec {
  readonly name: FormatName;
  /** Keys and values go through a schema registry (with Confluent's wire format). */
  readonly usesSchemaRegistry: boolean;
  /** CREATE without columns can take them from the subject's registered schema. */
  readonly supportsSchemaInference: boolean;
  /** A single column can be written bare (UNWRAP_SINGLES). */
  readonly canUnwrap: boolean;
  /** A single column can be written as a one-field record (WRAP_SINGLES). */
  readonly canWrap: boolean;
  /** The WITH properties the format takes, by ksqlDB's internal names (see `validateProperties`). */
  readonly properties: readonly FormatProperty[];
  /** Types and names the format cannot encode, as a ksqlDB-worded reason, or null when fine. */
  unsupported(columns: readonly Column[], isKey: boolean): string | null;
  /** Makes the serde, options already validated and the wrapping decided. */
  createSerde(columns: readonly Column[], options: ResolvedSerdeOptions): Promise<RowSerde>;
}

/** SerdeOptions without `isKey`, for `keySerde`/`valueSerde`. */
export type FormatProperties = Omit<SerdeOptions, 'isKey'>;

export interface Format extends FormatSpec {
  /** A serde for record keys of these (key) columns. */
  keySerde(columns: readonly Column[], properties?: FormatProperties): Promise<RowSerde>;
  /** A serde for record values of these (value) columns. */
  valueSerde(columns: readonly Column[], properties?: FormatProperties): Promise<RowSerde>;
  /** Throws the error ksqlDB gives when these columns and properties cannot use the format. */
  validate(columns: readonly Column[], options: SerdeOptions): void;
}

export function defineFormat(spec: FormatSpec): Format {
  const format: Format = {
    ...spec,
    keySerde: (columns, properties = {}) => createRowSerde(format, columns, { ...properties, isKey: true }),
    valueSerde: (columns, properties = {}) => createRowSerde(format, columns, { ...properties, isKey: false }),
    validate: (columns, options) => {
      validateProperties(format, options);
      if (options.isKey && columns.length === 0) return;
      validateColumns(format, columns, options, resolveWrapping(format, columns, options));
    },
  };
  return format;
}

/**
 * The serde for rows of `columns` in `format`: validated as ksqlDB validates a statement (a
 * FormatError when the format cannot hold them), wrapping decided, registry schema registered
 * or fetched (hence async). A key without columns (a keyless stream) reads and writes nothing.
 */
export async function createRowSerde(format: Format, columns: readonly Column[], options: SerdeOptions): Promise<RowSerde> {
  format.validate(columns, options);
  if (options.isKey && columns.length === 0) return voidRowSerde();
  const wrapped = resolveWrapping(format, columns, options);
  return format.createSerde(columns, { ...options, wrapped, target: options.isKey ? 'key' : 'value' });
}

export type FormatProperty = 'delimiter' | 'fullSchemaName' | 'schemaId' | 'subjectName';

/** SerdeOptions after validation, with the wrapping decided. */
export interface ResolvedSerdeOptions extends SerdeOptions {
  readonly wrapped: boolean;
  readonly target: 'key' | 'value';
}

/** `[\`A\` INTEGER, \`B\` STRING KEY]`, as ksqlDB lists columns in messages. */
export function formatColumns(columns: readonly Column[], isKey: boolean): string {
  return `[${columns.map((c) => `${quoteName(c.name)} ${formatSqlType(c.type)}${isKey ? ' KEY' : ''}`).join(', ')}]`;
}

export function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * Whether a serde for these columns writes them inside a record. Throws ksqlDB's errors for
 * WRAP_SINGLE_VALUE settings the format or the column count does not allow.
 */
export function resolveWrapping(format: FormatSpec, columns: readonly Column[], options: SerdeOptions): boolean {
  const { wrapSingleValue } = options;
  if (wrapSingleValue !== undefined) {
    if (columns.length !== 1) {
      throw new FormatError('FORMAT_INVALID_PROPERTY', "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
    }
    if (wrapSingleValue ? !format.canWrap : !format.canUnwrap) {
      throw new FormatError('FORMAT_INVALID_PROPERTY', `Format '${format.name}' does not support 'WRAP_SINGLE_VALUE' set to '${wrapSingleValue}'.`);
    }
  }
  if (!format.canWrap) return false;
  if (!format.canUnwrap) return true;
  if (columns.length !== 1) return true;
  return wrapSingleValue ?? !options.isKey;
}

const PROPERTY_OF: Record<FormatProperty, keyof SerdeOptions> = {
  delimiter: 'delimiter',
  fullSchemaName: 'schemaFullName',
  schemaId: 'schemaId',
  subjectName: 'subject',
};

/** Rejects WITH properties the format does not take, in ksqlDB's words. */
export function validateProperties(format: FormatSpec, options: SerdeOptions): void {
  const unsupported = (Object.keys(PROPERTY_OF) as FormatProperty[]).filter(
    (p) => options[PROPERTY_OF[p]] !== undefined && !format.properties.includes(p),
  );
  if (unsupported.length > 0) {
    throw new FormatError('FORMAT_INVALID_PROPERTY', `${format.name} does not support the following configs: [${unsupported.join(', ')}]`);
  }
  if (options.schemaFullName !== undefined && options.schemaFullName.trim() === '') {
    throw new FormatError('FORMAT_INVALID_PROPERTY', `fullSchemaName cannot be empty. Format configuration: {fullSchemaName=${options.schemaFullName.trim()}}`);
  }
  if (options.schemaId !== undefined && (!Number.isInteger(options.schemaId) || options.schemaId < 0)) {
    throw new FormatError('FORMAT_INVALID_PROPERTY', `A schema id is a non-negative integer, got ${options.schemaId}.`);
  }
}

/**
 * Rejects columns the format cannot hold. Key schemas get ksqlDB's full "Key format does not
 * support schema" message; map-typed keys are refused for every format, since map entry order
 * would make equal keys serialize differently.
 */
export function validateColumns(format: FormatSpec, columns: readonly Column[], options: SerdeOptions, wrapped: boolean): void {
  if (options.isKey) {
    for (const c of columns) {
      if (containsMap(c.type)) {
        throw new FormatError(
          'FORMAT_UNSUPPORTED_SCHEMA',
          'Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. ' +
            `Key column name: ${quoteName(c.name)}. Column type: ${formatSqlType(c.type)}. See https://github.com/confluentinc/ksql/issues/6621 for more.`,
        );
      }
    }
  }
  const reason = format.unsupported(columns, options.isKey);
  if (reason === null) return;
  // Only formats where wrapping is a choice list it as a feature (KAFKA is unwrapped by nature).
  const choice = format.canWrap && format.canUnwrap && columns.length === 1;
  const features = !choice ? '' : options.wrapSingleValue === true ? 'WRAP_SINGLES' : wrapped ? '' : 'UNWRAP_SINGLES';
  throw new FormatError(
    'FORMAT_UNSUPPORTED_SCHEMA',
    `${options.isKey ? 'Key' : 'Value'} format does not support schema.\nformat: ${format.name}\n` +
      `schema: Persistence{columns=${formatColumns(columns, options.isKey)}, features=[${features}]}\nreason: ${reason}`,
  );
}

function containsMap(type: SqlType): boolean {
  return someType(type, (t) => t.kind === 'MAP');
}

/** The first type, depth first, that `accept` rejects: what "does not support type" names. */
export function findType(type: SqlType, reject: (t: SqlType) => boolean): SqlType | null {
  if (reject(type)) return type;
  switch (type.kind) {
    case 'ARRAY':
      return findType(type.element, reject);
    case 'MAP':
      return findType(type.key, reject) ?? findType(type.value, reject);
    case 'STRUCT':
      for (const f of type.fields) {
        const found = findType(f.type, reject);
        if (found) return found;
      }
      return null;
    default:
      return null;
  }
}

/** The subject a serde registers under and reads the latest schema of. */
export function subjectOf(options: SerdeOptions): string | undefined {
  if (options.subject !== undefined) return options.subject;
  if (options.topic === undefined) return undefined;
  return `${options.topic}-${options.isKey ? 'key' : 'value'}`;
}
