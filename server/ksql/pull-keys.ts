/**
 * A pull query's key lookups: when the WHERE clause pins every key column of the table to
 * constants (`k = 1`, `k IN (1, 2)`, AND-ed with anything else), the query reads just those keys
 * from the table's view instead of scanning it. The whole WHERE clause still runs on what is
 * read, so this only narrows the input.
 */
import type { Expression } from '../../sql/ast/expressions.js';
import { SqlStatementError } from '../../sql/catalog/errors.js';
import { nodesOf } from '../../sql/planner/rewrite.js';
import { comparisonError, comparisonType } from '../../sql/types/comparison.js';
import { SqlTypeError } from '../../sql/types/errors.js';
import { formatSqlType, Types, type SqlType } from '../../sql/types/sql-type.js';

/** At most this many key combinations are looked up; more, and the table is scanned. */
const MAX_KEYS = 1000;

function conjuncts(e: Expression): Expression[] {
  return e.kind === 'LogicalBinary' && e.operator === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

/** An expression of constants only (`1`, `'a'`, `10 + 1`, `CAST('2' AS INT)`): it reads no column. */
function isConstant(e: Expression): boolean {
  return e.kind !== 'NullLiteral' && !nodesOf(e).some((x) => x.kind === 'ColumnRef' || x.kind === 'LambdaVariable');
}

/**
 * The key rows the WHERE clause allows, one array of constant expressions per row in key column
 * order; undefined when some key column is not pinned (the table must be scanned). `exact`: only
 * when the WHERE clause is nothing but those pins (the lookup alone answers it).
 */
export function pinnedKeys(where: Expression | undefined, keyColumns: readonly string[], sourceNames: readonly string[], options: { exact?: boolean } = {}): Expression[][] | undefined {
  if (!where || keyColumns.length === 0) return undefined;
  const isKey = (e: Expression): string | undefined =>
    e.kind === 'ColumnRef' && keyColumns.includes(e.name) && (e.source === undefined || sourceNames.includes(e.source)) ? e.name : undefined;
  const pinned = new Map<string, Expression[]>();
  for (const c of conjuncts(where)) {
    let column: string | undefined;
    let values: Expression[] | undefined;
    if (c.kind === 'Comparison' && c.operator === '=') {
      if ((column = isKey(c.left)) !== undefined && isConstant(c.right)) values = [c.right];
      else if ((column = isKey(c.right)) !== undefined && isConstant(c.left)) values = [c.left];
    } else if (c.kind === 'InList' && !c.negated && (column = isKey(c.value)) !== undefined && c.list.every(isConstant)) {
      values = [...c.list];
    }
    if (column === undefined || values === undefined) {
      if (options.exact) return undefined;
      continue;
    }
    // Two conjuncts on one column: either set would do; the WHERE clause filters the rest.
    const earlier = pinned.get(column);
    if (earlier && options.exact) return undefined;
    if (!earlier || values.length < earlier.length) pinned.set(column, values);
  }
  if (!keyColumns.every((k) => pinned.has(k))) return undefined;
  let rows: Expression[][] = [[]];
  for (const k of keyColumns) {
    rows = rows.flatMap((row) => pinned.get(k)!.map((v) => [...row, v]));
    if (rows.length > MAX_KEYS) return undefined;
  }
  return rows;
}

function references(e: Expression, names: readonly string[]): boolean {
  return nodesOf(e).some((x) => x.kind === 'ColumnRef' && names.includes(x.name));
}

function disjuncts(e: Expression): Expression[] {
  return e.kind === 'LogicalBinary' && e.operator === 'OR' ? [...disjuncts(e.left), ...disjuncts(e.right)] : [e];
}

/**
 * With table scans turned off (`ksql.query.pull.table.scan.enabled` = false), a pull query on a
 * table must be key lookups, as ksqlDB then requires: in every OR-ed part, each key column
 * pinned once by `=` or IN to constants (window bounds may be ranged). Throws with ksqlDB's
 * message otherwise.
 */
/** The type of a literal, or undefined for any other expression. */
function literalType(e: Expression): SqlType | undefined {
  switch (e.kind) {
    case 'StringLiteral':
      return Types.STRING;
    case 'IntegerLiteral':
      return Types.INTEGER;
    case 'BigIntLiteral':
      return Types.BIGINT;
    case 'DoubleLiteral':
      return Types.DOUBLE;
    case 'BooleanLiteral':
      return Types.BOOLEAN;
    default:
      return undefined;
  }
}

/**
 * ksqlDB's errors for key comparisons no lookup can answer, before the table is read: a key
 * compared with NULL (`ID = NULL`, `ID IN (NULL)`), or with a literal of a type it does not
 * compare with (`ID = '10'` or `ID IN ('10', 8)` on an INTEGER key).
 */
export function checkKeyLiterals(where: Expression | undefined, keys: readonly { name: string; type: SqlType }[], sourceNames: readonly string[], format: (e: Expression) => string): void {
  if (!where) return;
  const keyOf = (e: Expression) => (e.kind === 'ColumnRef' && (e.source === undefined || sourceNames.includes(e.source)) ? keys.find((k) => k.name === e.name) : undefined);
  for (const c of conjuncts(where)) {
    if (c.kind === 'Comparison' && c.operator === '=') {
      const leftKey = keyOf(c.left);
      const key = leftKey ?? keyOf(c.right);
      if (key === undefined) continue;
      const other = leftKey !== undefined ? c.right : c.left;
      if (other.kind === 'NullLiteral') {
        throw new SqlTypeError(`Error in WHERE expression: Comparison with NULL not supported: ${formatSqlType(key.type)} = NULL\nUse 'IS NULL' or 'IS NOT NULL' instead.`);
      }
      const type = literalType(other);
      if (type !== undefined && comparisonType('=', key.type, type) === undefined) {
        const error = leftKey !== undefined ? comparisonError('=', key.type, type, key.name, format(other)) : comparisonError('=', type, key.type, format(other), key.name);
        throw new SqlTypeError(`Error in WHERE expression: ${error.message}`);
      }
    } else if (c.kind === 'InList' && !c.negated) {
      const key = keyOf(c.value);
      if (key === undefined) continue;
      for (const v of c.list) {
        if (v.kind === 'NullLiteral') throw new SqlTypeError(`Primary key columns can not be NULL: (${key.name} = null)`);
        const type = literalType(v);
        if (type !== undefined && comparisonType('=', key.type, type) === undefined) {
          throw new SqlTypeError(`${format(v)} can not be converted to the type of the key column: ${key.name} ${formatSqlType(key.type)} KEY`);
        }
      }
    }
  }
}

export function checkKeyLookupOnly(where: Expression | undefined, keys: readonly { name: string; text: string }[], format: (e: Expression) => string): void {
  const keyNames = keys.map((k) => k.name);
  const fail = (message: string): never => {
    throw new SqlStatementError('SQL_UNSUPPORTED', message);
  };
  if (!where) return fail('Pull queries on this table need a WHERE clause on its key: table scans are turned off (ksql.query.pull.table.scan.enabled=false).');
  for (const disjunct of disjuncts(where)) {
    const pinned = new Set<string>();
    for (const c of conjuncts(disjunct)) {
      if (!references(c, keyNames)) continue;
      const keyOf = (e: Expression) => (e.kind === 'ColumnRef' && keyNames.includes(e.name) ? e.name : undefined);
      let column: string | undefined;
      if (c.kind === 'Comparison') {
        const left = keyOf(c.left);
        const right = keyOf(c.right);
        column = left ?? right;
        if (column === undefined) fail('A comparison must directly reference a key column.');
        const other = left !== undefined ? c.right : c.left;
        if (c.operator === '<>' || c.operator === 'IS DISTINCT FROM') fail(`Bound on key columns '[${keys.map((k) => k.text).join(', ')}]' must currently be '='. `);
        if (c.operator !== '=') fail('A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate');
        if (!isConstant(other)) fail('A comparison must be between a key column and a resolvable expression.');
      } else if (c.kind === 'InList' && !c.negated && keyOf(c.value) !== undefined) {
        column = keyOf(c.value);
        if (!c.list.every(isConstant)) fail('A comparison must be between a key column and a resolvable expression.');
      } else {
        fail('A comparison must directly reference a key column.');
      }
      if (pinned.has(column!)) fail('A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate');
      pinned.add(column!);
    }
    if (pinned.size === 0) fail(`WHERE clause missing key column for disjunct: (${format(disjunct)})`);
    if (pinned.size < keyNames.length) fail('Multi-column sources must specify every key in the WHERE clause');
  }
}
