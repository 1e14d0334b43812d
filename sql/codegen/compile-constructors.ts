/**
 * CASE and the constructors (ARRAY[...], MAP(k := v, ...), STRUCT(f := v, ...)). Elements and
 * branches take their common type by ksqlDB's rules (coercion.ts), and each element is
 * converted to it once, at compile time for literals.
 */
import type { Expression } from '../ast/expressions.js';
import { SqlTypeError } from '../types/errors.js';
import { commonType } from '../types/coercion.js';
import { formatSqlType, Types, type SqlType, type StructField } from '../types/sql-type.js';
import { equalityFor } from '../types/values.js';
import { ksqlText, type Compiler, type Eval, type Node } from './compile-expression.js';

type Case = Extract<Expression, { kind: 'SearchedCase' | 'SimpleCase' }>;

function typer(c: Compiler, nodes: Map<Expression, Node>): (e: Expression) => SqlType | null {
  return (e) => {
    let n = nodes.get(e);
    if (!n) {
      n = c.compile(e);
      nodes.set(e, n);
    }
    return n.type.kind === 'NULL' ? null : n.type;
  };
}

export function compileCase(c: Compiler, e: Case): Node {
  const nodes = new Map<Expression, Node>();
  const typeOf = typer(c, nodes);
  const results = [...e.whenClauses.map((w) => w.then), ...(e.else ? [e.else] : [])];
  const resultType = commonType(results, typeOf) ?? Types.NULL;
  const thens = e.whenClauses.map((w) => c.convert(nodes.get(w.then) ?? c.compile(w.then), resultType).ev);
  const otherwise: Eval = e.else ? c.convert(nodes.get(e.else) ?? c.compile(e.else), resultType).ev : () => null;
  let conditions: Eval[];
  if (e.kind === 'SearchedCase') {
    conditions = e.whenClauses.map((w) => {
      const cond = c.compile(w.when);
      if (cond.type.kind !== 'BOOLEAN' && cond.type.kind !== 'NULL') {
        throw new SqlTypeError(`WHEN operand type should be boolean. Type for '${ksqlText(w.when)}' is ${formatSqlType(cond.type)}`);
      }
      const ev = cond.ev;
      return (row, env) => ev(row, env) === true;
    });
  } else {
    const operandType = commonType([e.operand, ...e.whenClauses.map((w) => w.when)], typeOf) ?? Types.STRING;
    const operand = c.convert(nodes.get(e.operand) ?? c.compile(e.operand), operandType).ev;
    const eq = equalityFor(operandType);
    conditions = e.whenClauses.map((w) => {
      const when = c.convert(nodes.get(w.when) ?? c.compile(w.when), operandType).ev;
      return (row, env) => {
        const a = operand(row, env);
        const b = when(row, env);
        return a !== null && b !== null && eq(a, b);
      };
    });
  }
  const n = conditions.length;
  return {
    expression: e,
    type: resultType,
    ev: (row, env) => {
      for (let i = 0; i < n; i++) if (conditions[i]!(row, env)) return thens[i]!(row, env);
      return otherwise(row, env);
    },
  };
}

export function compileArrayConstructor(c: Compiler, e: Extract<Expression, { kind: 'ArrayConstructor' }>): Node {
  const nodes = new Map<Expression, Node>();
  const element = commonType(e.elements, typer(c, nodes));
  if (element === undefined) {
    if (e.elements.length === 0) throw new SqlTypeError('Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).');
    throw new SqlTypeError(`Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.`);
  }
  const evals = e.elements.map((x) => c.convert(nodes.get(x) ?? c.compile(x), element).ev);
  return {
    expression: e,
    type: Types.array(element),
    ev: (row, env) => evals.map((f) => f(row, env)),
  };
}

export function compileMapConstructor(c: Compiler, e: Extract<Expression, { kind: 'MapConstructor' }>): Node {
  const nodes = new Map<Expression, Node>();
  const typeOf = typer(c, nodes);
  const keyType = commonType(e.entries.map((x) => x.key), typeOf);
  const valueType = commonType(e.entries.map((x) => x.value), typeOf);
  if (keyType === undefined || valueType === undefined) {
    if (e.entries.length === 0) throw new SqlTypeError('Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239).');
    throw new SqlTypeError('Cannot construct a map with all NULL keys or values (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL key or value to the desired type.');
  }
  const entries = e.entries.map((x) => [c.convert(nodes.get(x.key) ?? c.compile(x.key), keyType).ev, c.convert(nodes.get(x.value) ?? c.compile(x.value), valueType).ev] as const);
  return {
    expression: e,
    type: Types.map(keyType, valueType),
    ev: (row, env) => {
      const m = new Map<unknown, unknown>();
      for (const [k, v] of entries) {
        const key = k(row, env);
        m.set(key, v(row, env));
      }
      return m;
    },
  };
}

export function compileStructConstructor(c: Compiler, e: Extract<Expression, { kind: 'StructConstructor' }>): Node {
  const fields: StructField[] = [];
  const evals: [string, Eval][] = [];
  for (const f of e.fields) {
    if (fields.some((x) => x.name === f.name)) throw new SqlTypeError(`Duplicate field names found in STRUCT: '${f.name}'`);
    const node = c.compile(f.value);
    // A bare NULL field has no type of its own; ksqlDB gives it STRING.
    const type = node.type.kind === 'NULL' ? Types.STRING : node.type;
    fields.push({ name: f.name, type });
    evals.push([f.name, node.ev]);
  }
  return {
    expression: e,
    type: Types.struct(fields),
    ev: (row, env) => {
      const s: Record<string, unknown> = {};
      for (const [name, f] of evals) s[name] = f(row, env);
      return s;
    },
  };
}
