/**
 * LIKE, BETWEEN and IN. Each compares with ksqlDB's rules: LIKE on strings with `%` and `_`
 * wildcards and an optional one-character ESCAPE; BETWEEN inclusive at both ends in the common
 * type of the three operands; IN against a list coerced to one type with the value, where NULLs
 * never match.
 */
import type { Expression } from '../ast/expressions.js';
import { SqlTypeError } from '../types/errors.js';
import { commonType } from '../types/coercion.js';
import { compileComparison } from '../types/comparison.js';
import { Types, formatSqlType } from '../types/sql-type.js';
import { equalityFor } from '../types/values.js';
import { coerceStringLiteralOperands, ksqlText, type Compiler, type Eval, type Node } from './compile-expression.js';

type Like = Extract<Expression, { kind: 'Like' }>;
type Between = Extract<Expression, { kind: 'Between' }>;
type InList = Extract<Expression, { kind: 'InList' }>;

/** A LIKE pattern as a regular expression (whole string, dot matches newlines). */
export function likePattern(pattern: string, escape?: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== undefined && c === escape && i + 1 < pattern.length) {
      out += escapeRegExp(pattern[++i]!);
    } else if (c === '%') out += '[\\s\\S]*';
    else if (c === '_') out += '[\\s\\S]';
    else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`, 'u');
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

export function compileLike(c: Compiler, e: Like): Node {
  const value = c.compile(e.value);
  const pattern = c.compile(e.pattern);
  for (const [node, what] of [
    [value, 'value'],
    [pattern, 'pattern'],
  ] as const) {
    if (node.type.kind !== 'STRING' && node.type.kind !== 'NULL') {
      throw new SqlTypeError(`LIKE expects a STRING ${what}, but ${ksqlText(node.expression)} is ${formatSqlType(node.type)}.`);
    }
  }
  if (e.escape !== undefined && [...e.escape].length !== 1) {
    throw new SqlTypeError(`The ESCAPE of LIKE must be one character, not '${e.escape}'.`);
  }
  const negated = e.negated;
  const v = value.ev;
  if (pattern.constant !== undefined) {
    if (pattern.constant.value === null) return { expression: e, type: Types.BOOLEAN, ev: () => false };
    const re = likePattern(pattern.constant.value as string, e.escape);
    return {
      expression: e,
      type: Types.BOOLEAN,
      ev: (row, env) => {
        const s = v(row, env);
        return s === null ? false : re.test(s as string) !== negated;
      },
    };
  }
  const p = pattern.ev;
  const cache = new Map<string, RegExp>();
  return {
    expression: e,
    type: Types.BOOLEAN,
    ev: (row, env) => {
      const s = v(row, env);
      const pat = p(row, env);
      if (s === null || pat === null) return false;
      let re = cache.get(pat as string);
      if (!re) {
        re = likePattern(pat as string, e.escape);
        if (cache.size > 1000) cache.clear();
        cache.set(pat as string, re);
      }
      return re.test(s as string) !== negated;
    },
  };
}

export function compileBetween(c: Compiler, e: Between): Node {
  const value = c.compile(e.value);
  // Bounds are compared with the value as in `value >= lower AND value <= upper` (date-time text against ROWTIME …).
  const lower = coerceStringLiteralOperands(value, c.compile(e.lower))[1];
  const upper = coerceStringLiteralOperands(value, c.compile(e.upper))[1];
  const texts = { left: ksqlText(e.value), right: '' };
  const ge = compileComparison('>=', value.type, lower.type, { ...texts, right: ksqlText(e.lower) });
  const le = compileComparison('<=', value.type, upper.type, { ...texts, right: ksqlText(e.upper) });
  const v = value.ev;
  const lo = lower.ev;
  const hi = upper.ev;
  const negated = e.negated;
  return {
    expression: e,
    type: Types.BOOLEAN,
    ev: (row, env) => {
      const x = v(row, env);
      if (x === null) return false;
      const inside = ge(x, lo(row, env)) && le(x, hi(row, env));
      return inside !== negated;
    },
  };
}

export function compileInList(c: Compiler, e: InList): Node {
  const value = c.compile(e.value);
  const items = e.list.map((x) => c.compile(x));
  const nodes = new Map<Expression, Node>([[e.value, value], ...e.list.map((x, i) => [x, items[i]!] as const)]);
  const type = commonType([e.value, ...e.list], (x) => {
    const n = nodes.get(x) ?? c.compile(x);
    return n.type.kind === 'NULL' ? null : n.type;
  }) ?? Types.STRING;
  const v = c.convert(value, type).ev;
  const evals: Eval[] = items.map((n) => c.convert(n, type).ev);
  const eq = equalityFor(type);
  const negated = e.negated;
  const constants = items.every((n) => n.constant !== undefined);
  if (constants && (type.kind === 'STRING' || type.kind === 'INTEGER' || type.kind === 'BOOLEAN')) {
    const set = new Set(evals.map((f) => f([], [])).filter((x) => x !== null));
    return {
      expression: e,
      type: Types.BOOLEAN,
      ev: (row, env) => {
        const x = v(row, env);
        if (x === null) return false;
        return set.has(x) !== negated;
      },
    };
  }
  return {
    expression: e,
    type: Types.BOOLEAN,
    ev: (row, env) => {
      const x = v(row, env);
      if (x === null) return false;
      let found = false;
      for (const f of evals) {
        const y = f(row, env);
        if (y !== null && eq(x, y)) {
          found = true;
          break;
        }
      }
      return found !== negated;
    },
  };
}
