/**
 * Name resolution for a query's rows. Each slot of the row has a column name, the source alias
 * it came from (when it came from one) and a unique row name: after a join, `L.A` and `R.A` are
 * the row's `L_A` and `R_A`, as ksqlDB names them.
 */
import type { ColumnRef, Expression } from '../ast/expressions.js';
import { formatExpression } from '../ast/format-expression.js';
import { SqlStatementError } from '../catalog/errors.js';
import type { ColumnBinding, ExpressionScope } from '../codegen/compiled.js';
import type { SqlType } from '../types/sql-type.js';
import type { PlanColumn } from './steps.js';
import { rewrite } from './rewrite.js';

export interface ScopeEntry {
  /** The source alias (or name) the column belongs to; absent for columns of the query itself. */
  readonly qualifier?: string;
  /** The column's name within its source. */
  readonly name: string;
  /** Unique name of the slot in the row. */
  readonly rowName: string;
  readonly index: number;
  readonly type: SqlType;
  /** Pseudo columns (ROWTIME …) and synthetic ones are readable but not part of `*`. */
  readonly hidden?: boolean;
}

/** The canonical text of a reference to a row column (quoted when the name needs it). */
export function columnText(rowName: string): string {
  return formatExpression({ kind: 'ColumnRef', name: rowName, loc: { offset: 0, line: 1, column: 0 } } as ColumnRef);
}

export class RowScope implements ExpressionScope {
  constructor(
    readonly entries: readonly ScopeEntry[],
    /** The clause being resolved, for messages ("WHERE column 'X' cannot be resolved."). */
    private readonly clause?: string,
  ) {}

  /** A scope of plain columns (a step's row), each named as its row name. */
  static of(columns: readonly PlanColumn[]): RowScope {
    return new RowScope(columns.map((c, index) => ({ name: c.name, rowName: c.name, index, type: c.type })));
  }

  withClause(clause: string): RowScope {
    return new RowScope(this.entries, clause);
  }

  get qualifiers(): Set<string> {
    return new Set(this.entries.flatMap((e) => (e.qualifier === undefined ? [] : [e.qualifier])));
  }

  /** The entry a reference names, or an error in ksqlDB's words. */
  entry(ref: ColumnRef): ScopeEntry {
    if (ref.source !== undefined) {
      if (!this.qualifiers.has(ref.source)) {
        throw new SqlStatementError('SQL_UNKNOWN_SOURCE', `'${ref.source}' is not a valid stream/table name or alias.`);
      }
      const found = this.entries.find((e) => e.qualifier === ref.source && e.name === ref.name);
      if (!found) throw this.unknown(`${ref.source}.${ref.name}`);
      return found;
    }
    const matches = this.entries.filter((e) => e.name === ref.name || (e.qualifier === undefined && e.rowName === ref.name));
    const distinct = [...new Map(matches.map((m) => [m.index, m])).values()];
    if (distinct.length === 1) return distinct[0]!;
    if (distinct.length > 1) {
      // A column of the query itself (a synthetic key) wins over the sources' columns.
      const own = distinct.filter((e) => e.qualifier === undefined);
      if (own.length === 1) return own[0]!;
      const names = distinct.map((e) => `${e.qualifier}.${e.name}`).join(', ');
      throw new SqlStatementError('SQL_AMBIGUOUS_COLUMN', `Column '${ref.name}' is ambiguous. Could be any of: ${names}`);
    }
    const byRowName = this.entries.find((e) => e.rowName === ref.name);
    if (byRowName) return byRowName;
    throw this.unknown(ref.name);
  }

  resolve(ref: ColumnRef): ColumnBinding {
    const e = this.entry(ref);
    return { index: e.index, type: e.type };
  }

  private unknown(name: string): SqlStatementError {
    const prefix = this.clause === undefined ? 'Column' : `${this.clause} column`;
    return new SqlStatementError('SQL_UNKNOWN_COLUMN', `${prefix} '${name}' cannot be resolved.`);
  }

  /** The expression with every column reference replaced by its unqualified row name. */
  canonicalize(e: Expression): Expression {
    return rewrite(e, (x) => {
      if (x.kind !== 'ColumnRef') return undefined;
      const entry = this.entry(x);
      return { kind: 'ColumnRef', name: entry.rowName, loc: x.loc };
    });
  }

  /** The expression with every column reference qualified by its source alias, as ksqlDB's messages print it (`INPUT.ID`). */
  qualify(e: Expression): Expression {
    return rewrite(e, (x) => {
      if (x.kind !== 'ColumnRef') return undefined;
      let entry: ScopeEntry;
      try {
        entry = this.entry(x);
      } catch {
        return x;
      }
      return entry.qualifier === undefined ? x : { kind: 'ColumnRef', source: entry.qualifier, name: entry.name, loc: x.loc };
    });
  }

  /** The canonical text of an expression: equal texts mean the same computation on this row. */
  text(e: Expression): string {
    return formatExpression(this.canonicalize(e));
  }

  /** The row's columns in slot order. */
  columns(): PlanColumn[] {
    return [...this.entries].sort((a, b) => a.index - b.index).map((e) => ({ name: e.rowName, type: e.type }));
  }
}
