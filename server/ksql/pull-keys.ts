/**
 * A pull query's key lookups: when the WHERE clause pins every key column of the table to
 * constants (`k = 1`, `k IN (1, 2)`, AND-ed with anything else), the query reads just those keys
 * from the table's view instead of scanning it. The whole WHERE clause still runs on what is
 * read, so this only narrows the input.
 */
import type { Expression } from '../../sql/ast/expressions.js';

/** At most this many key combinations are looked up; more, and the table is scanned. */
const MAX_KEYS = 1000;

function conjuncts(e: Expression): Expression[] {
  return e.kind === 'LogicalBinary' && e.operator === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

function isConstant(e: Expression): boolean {
  switch (e.kind) {
    case 'IntegerLiteral':
    case 'BigIntLiteral':
    case 'DecimalLiteral':
    case 'DoubleLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral':
      return true;
    case 'ArithmeticUnary':
      return isConstant(e.operand);
    default:
      return false;
  }
}

/**
 * The key rows the WHERE clause allows, one array of constant expressions per row in key column
 * order; undefined when some key column is not pinned (the table must be scanned).
 */
export function pinnedKeys(where: Expression | undefined, keyColumns: readonly string[], sourceNames: readonly string[]): Expression[][] | undefined {
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
    if (column === undefined || values === undefined) continue;
    // Two conjuncts on one column: either set would do; the WHERE clause filters the rest.
    const earlier = pinned.get(column);
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
