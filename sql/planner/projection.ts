/**
 * SELECT: `*`, `source.*` and `struct->*` expanded, every column named as ksqlDB names it, and
 * the key columns of the result found among the projected expressions.
 *
 * Names: an alias; a column reference keeps its column's name in the row (`L_A` after a join);
 * a struct field its field's name; anything else `KSQL_COL_n`, the lowest n no other column has.
 * A key column of the result is the projected expression equal to the key (a column equal to
 * the join, GROUP BY or PARTITION BY expression), named by its select name; `AS_VALUE(x)` copies
 * a key into the value instead.
 */
import type { Expression } from '../ast/expressions.js';
import type { SelectItem } from '../ast/statements.js';
import { formatExpressionForMessage } from '../ast/format-expression.js';
import { SqlStatementError } from '../catalog/errors.js';
import { isReservedColumnName, WINDOWEND, WINDOWSTART } from '../catalog/logical-schema.js';
import { compileExpression } from '../codegen/compile-expression.js';
import { formatSqlType, type SqlType } from '../types/sql-type.js';
import type { PlannerContext } from './plan-context.js';
import { NameGenerator } from './plan-context.js';
import type { KeyColumnInfo } from './relation-planner.js';
import type { RowScope } from './row-scope.js';

export interface SelectColumn {
  /** Over the scope the SELECT was expanded in (rewritten later for aggregations). */
  expression: Expression;
  readonly name: string;
  /** Written by the user as `x AS name`. */
  readonly aliased: boolean;
  /** Listed by a `*` (a key column named after a pseudo column may be: PARTITION BY ROWTIME). */
  readonly fromStar?: boolean;
}

/** Expands `*`s and names every column. */
export function expandSelect(items: readonly SelectItem[], scope: RowScope, ctx: PlannerContext, options: { windowBounds?: boolean; keyNames?: ReadonlyMap<string, string> } = {}): SelectColumn[] {
  const pending: { expression: Expression; name?: string; aliased: boolean; fromStar?: boolean }[] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'AllColumns': {
        if (item.source !== undefined && !scope.qualifiers.has(item.source)) {
          throw new SqlStatementError('SQL_UNKNOWN_SOURCE', `'${item.source}' is not a valid stream/table name or alias.`);
        }
        for (const e of scope.entries) {
          if (e.hidden) continue;
          if (item.source !== undefined && e.qualifier !== item.source) continue;
          const ref: Expression = { kind: 'ColumnRef', ...(e.qualifier !== undefined ? { source: e.qualifier } : {}), name: e.name, loc: item.loc };
          // Joined columns are listed as `<alias>_<column>`; a single source's under their names.
          pending.push({ expression: ref, name: e.qualifier !== undefined && scope.qualifiers.size > 1 ? `${e.qualifier}_${e.name}` : e.name, aliased: false, fromStar: true });
        }
        break;
      }
      case 'StructAllFields': {
        const type = compileExpression(item.expression, scope.withClause('SELECT'), ctx.compile).type;
        if (type.kind !== 'STRUCT') {
          throw new SqlStatementError('SQL_INVALID_QUERY', `Expected STRUCT type, got: ${formatSqlType(type)} for ${formatExpressionForMessage(item.expression)}->*`);
        }
        for (const f of type.fields) {
          pending.push({ expression: { kind: 'Dereference', base: item.expression, field: f.name, loc: item.loc }, name: f.name, aliased: false });
        }
        break;
      }
      case 'SingleColumn': {
        const e = item.expression;
        if (item.alias !== undefined) {
          if (isReservedColumnName(item.alias)) {
            throw new SqlStatementError('SQL_INVALID_QUERY', `\`${item.alias}\` is a reserved column name. You cannot use it as an alias for a column.`);
          }
          pending.push({ expression: e, name: item.alias, aliased: true });
        } else if (e.kind === 'ColumnRef' && options.windowBounds && e.source === undefined && (e.name === WINDOWSTART || e.name === WINDOWEND)) {
          // A windowed aggregation's bounds, which its result has (not the source).
          pending.push({ expression: e, name: e.name, aliased: false });
        } else if (e.kind === 'ColumnRef') {
          const entry = scope.withClause('SELECT').entry(e);
          // After a join a column keeps its own name unless another source has one of that name.
          const unique = scope.entries.filter((x) => x.name === entry.name).length === 1;
          pending.push({ expression: e, name: unique ? entry.name : entry.rowName, aliased: false });
        } else if (e.kind === 'Dereference') {
          pending.push({ expression: e, name: e.field, aliased: false });
        } else {
          let text: string | undefined;
          try {
            text = scope.text(e);
          } catch {
            text = undefined;
          }
          const keyName = text === undefined ? undefined : options.keyNames?.get(text);
          pending.push({ expression: e, ...(keyName !== undefined ? { name: keyName } : {}), aliased: false });
        }
      }
    }
  }
  const taken = new Set<string>([...scope.entries.flatMap((e) => [e.name, e.rowName]), ...pending.flatMap((p) => (p.name === undefined ? [] : [p.name]))]);
  const names = new NameGenerator(taken);
  return pending.map((p) => ({ expression: p.expression, name: p.name ?? names.column(), aliased: p.aliased, ...(p.fromStar ? { fromStar: true } : {}) }));
}

export interface ProjectionKeys {
  /** Per result key column (in key order): the select column that is it. */
  readonly keyColumns: readonly { readonly name: string; readonly type: SqlType; readonly selectIndex: number }[];
  /** Indexes of the select columns that are value columns. */
  readonly valueIndexes: readonly number[];
}

/**
 * Finds the key columns among the projection (`texts` are the select expressions' canonical
 * texts over the row the keys are described over). Every key must be projected exactly once.
 */
export function matchKeys(
  columns: readonly SelectColumn[],
  texts: readonly (string | undefined)[],
  keys: readonly KeyColumnInfo[],
  sinkName: string,
  options: { projectedKeysOnly?: boolean } = {},
): ProjectionKeys {
  const keyColumns: { name: string; type: SqlType; selectIndex: number }[] = [];
  const missing: KeyColumnInfo[] = [];
  const used = new Set<number>();
  for (const key of keys) {
    const matches = columns.flatMap((c, i) => (texts[i] !== undefined && key.equivalents.includes(texts[i]) && !isAsValue(c.expression) ? [i] : []));
    if (matches.length === 0) {
      missing.push(key);
      continue;
    }
    // The same expression projected twice is an error; another expression equal to the key
    // (the other side of a join) is the first one's copy, a value column.
    const sameTwice = key.equivalents.map((eq) => matches.filter((i) => texts[i] === eq)).find((m) => m.length > 1);
    if (sameTwice) {
      const aliases = sameTwice.map((i) => columns[i]!.name).sort();
      if (key.kind === 'grouping expression') {
        throw new SqlStatementError('SQL_INVALID_QUERY', `The projection contains a key column more than once: ${aliases.map((a) => `\`${a}\``).join(' and ')}.`);
      }
      throw new SqlStatementError('SQL_INVALID_QUERY', `The projection contains a key column (\`${texts[sameTwice[0]!]}\`) more than once, aliased as: ${aliases.join(' and ')}.`);
    }
    // The left side's expression names the key when both sides are projected (ksqlDB's join key
    // is the left source's column; the right one is a copy in the value).
    const i = key.equivalents.map((eq) => matches.find((m) => texts[m] === eq)).find((m) => m !== undefined) ?? matches[0]!;
    used.add(i);
    keyColumns.push({ name: columns[i]!.name, type: key.type, selectIndex: i });
  }
  if (missing.length > 0 && !options.projectedKeysOnly) throw missingKeys(missing, sinkName);
  if (options.projectedKeysOnly) keyColumns.sort((a, b) => a.selectIndex - b.selectIndex);
  const valueIndexes = columns.flatMap((_, i) => (used.has(i) ? [] : [i]));
  return { keyColumns, valueIndexes };
}

function missingKeys(missing: readonly KeyColumnInfo[], sinkName: string): SqlStatementError {
  const kind = missing[0]!.kind;
  const plural = missing.length > 1 || missing[0]!.names.length > 1 ? `${kind.replace(/ column$/, ' columns').replace(/expression$/, 'expressions')}` : kind;
  const listed = missing.length === 1 ? missing[0]!.names.join(' or ') : list(missing.map((k) => k.names[0]!));
  const example = missing.map((k) => k.names[0]!).join(', ');
  const notes = missing.flatMap((k) => (k.note ? [`\n${k.note} This expression must be included in the projection and may be aliased.`] : [])).join('');
  return new SqlStatementError(
    'SQL_INVALID_QUERY',
    `Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build \`${sinkName}\` must include the ${plural} ${listed} in its projection (eg, SELECT ${example}...).${notes}`,
  );
}

/** `A`, `A and B`, `A, B and C`, as ksqlDB's messages list names. */
export function list(names: readonly string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function isAsValue(e: Expression): boolean {
  return e.kind === 'FunctionCall' && e.name === 'AS_VALUE';
}

/** Reserved names may be read but not written as columns of a result. */
export function checkReservedNames(columns: readonly SelectColumn[]): void {
  for (const c of columns) {
    if (!c.aliased && !c.fromStar && isReservedColumnName(c.name)) {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Reserved column name in select: \`${c.name}\`. Please remove or alias the column.`);
    }
  }
}
