/**
 * The row a source step emits, and the names a query reads it by:
 *
 *   [ value columns … | header columns … | ROWTIME ROWPARTITION ROWOFFSET | WINDOWSTART WINDOWEND | key columns … ]
 *
 * (window bounds only for windowed sources). The key columns are copies of the record key, so
 * expressions read every column from one array.
 */
import type { DataSource } from '../catalog/data-source.js';
import { ROWOFFSET, ROWPARTITION, ROWTIME, WINDOWEND, WINDOWSTART } from '../catalog/logical-schema.js';
import { Types } from '../types/sql-type.js';
import type { ScopeEntry } from './row-scope.js';
import type { PlanColumn, SourceLayout, StepSchema } from './steps.js';

export const PSEUDO_COLUMNS: readonly PlanColumn[] = [
  { name: ROWTIME, type: Types.BIGINT },
  { name: ROWPARTITION, type: Types.INTEGER },
  { name: ROWOFFSET, type: Types.BIGINT },
];

export const WINDOW_BOUNDS: readonly PlanColumn[] = [
  { name: WINDOWSTART, type: Types.BIGINT },
  { name: WINDOWEND, type: Types.BIGINT },
];

export function sourceLayout(source: DataSource): SourceLayout {
  return {
    valueColumns: source.schema.valueColumns.map((c) => ({ name: c.name, type: c.type })),
    headerColumns: source.schema.headerColumns.map((c) => ({ name: c.name, type: c.type, ...(c.headerKey !== undefined ? { headerKey: c.headerKey } : {}) })),
    keyColumns: source.schema.key.map((c) => ({ name: c.name, type: c.type })),
  };
}

/** The value row's columns, in slot order. */
export function sourceRowColumns(layout: SourceLayout, windowed: boolean): PlanColumn[] {
  return [
    ...layout.valueColumns,
    ...layout.headerColumns.map((c) => ({ name: c.name, type: c.type })),
    ...PSEUDO_COLUMNS,
    ...(windowed ? WINDOW_BOUNDS : []),
    ...layout.keyColumns,
  ];
}

export function sourceStepSchema(source: DataSource): StepSchema {
  const layout = sourceLayout(source);
  return {
    key: layout.keyColumns,
    value: sourceRowColumns(layout, source.window !== undefined),
    ...(source.window ? { window: source.window } : {}),
  };
}

/**
 * Scope entries for a source read under `alias`. `*` lists the key columns, then the value and
 * header columns; the pseudo columns (window bounds too) are readable but hidden.
 */
export function sourceScopeEntries(source: DataSource, alias: string, options: { windowBoundsInStar?: boolean } = {}): ScopeEntry[] {
  const layout = sourceLayout(source);
  const windowed = source.window !== undefined;
  const columns = sourceRowColumns(layout, windowed);
  const entries = columns.map((c, index): ScopeEntry => {
    // Pseudo columns, window bounds included (a windowed result carries them in its key), are not part of `*`.
    const pseudo = index >= layout.valueColumns.length + layout.headerColumns.length && index < columns.length - layout.keyColumns.length && !(options.windowBoundsInStar && (c.name === WINDOWSTART || c.name === WINDOWEND));
    return { qualifier: alias, name: c.name, rowName: c.name, index, type: c.type, ...(pseudo ? { hidden: true } : {}) };
  });
  const keyStart = columns.length - layout.keyColumns.length;
  const boundsStart = layout.valueColumns.length + layout.headerColumns.length + PSEUDO_COLUMNS.length;
  const keys = entries.slice(keyStart);
  const bounds = windowed ? entries.slice(boundsStart, boundsStart + 2) : [];
  const values = entries.slice(0, layout.valueColumns.length + layout.headerColumns.length);
  const pseudo = entries.slice(layout.valueColumns.length + layout.headerColumns.length, boundsStart);
  // The order entries are listed in is the order `*` expands to.
  return [...keys, ...bounds, ...values, ...pseudo];
}
