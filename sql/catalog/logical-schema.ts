/**
 * The columns of a stream or table: key columns, value columns and header columns, in the order
 * they were declared. Names are unique across all three (ksqlDB's rule), and the pseudo columns
 * (ROWTIME, ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND) are reserved: they are not part of
 * a schema but every query can read them.
 */
import { formatSqlType, Types, type SqlType } from '../types/sql-type.js';
import type { Column } from '../formats/format.js';

export type ColumnNamespace = 'KEY' | 'VALUE' | 'HEADER';

export interface SchemaColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly namespace: ColumnNamespace;
  /** HEADER('k'): the header key the column reads; absent for HEADERS (all headers) and non-header columns. */
  readonly headerKey?: string;
}

/** Pseudo columns every row has (WINDOWSTART/WINDOWEND only on windowed sources). */
export const ROWTIME = 'ROWTIME';
export const ROWPARTITION = 'ROWPARTITION';
export const ROWOFFSET = 'ROWOFFSET';
export const WINDOWSTART = 'WINDOWSTART';
export const WINDOWEND = 'WINDOWEND';

export const PSEUDO_COLUMN_TYPES: ReadonlyMap<string, SqlType> = new Map([
  [ROWTIME, Types.BIGINT],
  [ROWPARTITION, Types.INTEGER],
  [ROWOFFSET, Types.BIGINT],
  [WINDOWSTART, Types.BIGINT],
  [WINDOWEND, Types.BIGINT],
]);

/** Names no user column may take. */
export const RESERVED_COLUMN_NAMES: ReadonlySet<string> = new Set(PSEUDO_COLUMN_TYPES.keys());

export function isReservedColumnName(name: string): boolean {
  return RESERVED_COLUMN_NAMES.has(name);
}

/** The type a HEADERS column must have: every header, in order. */
export const HEADERS_TYPE: SqlType = Types.array(Types.struct([
  { name: 'KEY', type: Types.STRING },
  { name: 'VALUE', type: Types.BYTES },
]));

export class LogicalSchema {
  readonly key: readonly SchemaColumn[];
  /** Value columns, header columns among them in declaration order. */
  readonly value: readonly SchemaColumn[];

  constructor(readonly columns: readonly SchemaColumn[]) {
    this.key = columns.filter((c) => c.namespace === 'KEY');
    this.value = columns.filter((c) => c.namespace !== 'KEY');
  }

  static of(key: readonly Column[], value: readonly Column[]): LogicalSchema {
    return new LogicalSchema([
      ...key.map((c) => ({ name: c.name, type: c.type, namespace: 'KEY' as const })),
      ...value.map((c) => ({ name: c.name, type: c.type, namespace: 'VALUE' as const })),
    ]);
  }

  /** The columns the value format holds (header columns live in record headers). */
  get valueColumns(): readonly Column[] {
    return this.value.filter((c) => c.namespace === 'VALUE');
  }

  get keyColumns(): readonly Column[] {
    return this.key;
  }

  get headerColumns(): readonly SchemaColumn[] {
    return this.value.filter((c) => c.namespace === 'HEADER');
  }

  find(name: string): SchemaColumn | undefined {
    return this.columns.find((c) => c.name === name);
  }

  isKey(name: string): boolean {
    return this.key.some((c) => c.name === name);
  }

  /** `ID INTEGER KEY, NAME STRING` (streams) or `ID INTEGER PRIMARY KEY, …` (tables), as DESCRIBE shows it. */
  format(primaryKey = false): string {
    const ordered = [...this.key, ...this.value];
    return ordered.map((c) => `${quoteIfNeeded(c.name)} ${formatSqlType(c.type)}${constraint(c, primaryKey)}`).join(', ');
  }

  toJSON(): SchemaColumn[] {
    return [...this.columns];
  }

  static fromJSON(columns: readonly SchemaColumn[]): LogicalSchema {
    return new LogicalSchema(columns);
  }
}

function constraint(c: SchemaColumn, primaryKey: boolean): string {
  if (c.namespace === 'KEY') return primaryKey ? ' PRIMARY KEY' : ' KEY';
  if (c.namespace === 'HEADER') return c.headerKey === undefined ? ' HEADERS' : ` HEADER('${c.headerKey.replace(/'/g, "''")}')`;
  return '';
}

/** Backticks around names that would not read back as written (lower case, odd characters, keywords are left alone). */
export function quoteIfNeeded(name: string): string {
  return /^[A-Z_][A-Z0-9_@]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}
