/**
 * A stream or table in the catalog: its columns, the topic it reads or writes, how keys and
 * values are serialized, where its timestamps come from and, for windowed sources, the window.
 * Plain data: the command log stores the statements, and replaying them rebuilds these.
 */
import type { FormatName } from '../formats/format.js';
import type { LogicalSchema } from './logical-schema.js';

export type SourceType = 'STREAM' | 'TABLE';

/** A key or value format with the WITH properties that shape it. */
export interface FormatInfo {
  readonly format: FormatName;
  /** KEY_DELIMITER / VALUE_DELIMITER as written (one character, TAB or SPACE). */
  readonly delimiter?: string;
  /** KEY_SCHEMA_ID / VALUE_SCHEMA_ID. */
  readonly schemaId?: number;
  /** KEY_SCHEMA_FULL_NAME / VALUE_SCHEMA_FULL_NAME. */
  readonly schemaFullName?: string;
  /** WRAP_SINGLE_VALUE as given (values only); undefined leaves the format's default. */
  readonly wrapSingleValue?: boolean;
}

/** The serde options (sql/formats' SerdeOptions) a format's WITH properties give. */
export function formatProperties(f: FormatInfo): { delimiter?: string; schemaId?: number; schemaFullName?: string; wrapSingleValue?: boolean } {
  return {
    ...(f.delimiter !== undefined ? { delimiter: f.delimiter } : {}),
    ...(f.schemaId !== undefined ? { schemaId: f.schemaId } : {}),
    ...(f.schemaFullName !== undefined ? { schemaFullName: f.schemaFullName } : {}),
    ...(f.wrapSingleValue !== undefined ? { wrapSingleValue: f.wrapSingleValue } : {}),
  };
}

export type WindowType = 'TUMBLING' | 'HOPPING' | 'SESSION';

export interface WindowInfo {
  readonly type: WindowType;
  /** Tumbling and hopping windows: the size, which the key bytes do not carry. */
  readonly sizeMs?: number;
}

/** TIMESTAMP='col' [TIMESTAMP_FORMAT='pattern']: event time from a column instead of the record. */
export interface TimestampColumn {
  readonly column: string;
  readonly format?: string;
}

export interface DataSource {
  readonly name: string;
  readonly sourceType: SourceType;
  readonly schema: LogicalSchema;
  readonly topic: string;
  readonly keyFormat: FormatInfo;
  readonly valueFormat: FormatInfo;
  readonly timestamp?: TimestampColumn;
  readonly window?: WindowInfo;
  /** CREATE SOURCE STREAM|TABLE: read-only (no INSERT, no DELETE TOPIC). */
  readonly isSource: boolean;
  /** Made by CREATE … AS SELECT: the sink of a persistent query. */
  readonly isCasTarget: boolean;
  /** The statement that created it. */
  readonly sqlText: string;
}

export function sourceTypeName(type: SourceType): 'stream' | 'table' {
  return type === 'STREAM' ? 'stream' : 'table';
}
