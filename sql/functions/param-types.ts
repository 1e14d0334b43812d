/**
 * Parameter types of function signatures. A superset of SqlType (any SqlType is a parameter type
 * that accepts exactly that type), plus what signatures need to be generic:
 *
 *   { kind: 'DECIMAL' }                 any DECIMAL (a precision/scale, if given, is converted to)
 *   { kind: 'STRUCT' } without fields   any STRUCT
 *   { kind: 'GENERIC', name: 'T' }      bound to the first argument's type, then required of the
 *                                       others (`ARRAY<T>, T` for ARRAY_CONTAINS)
 *   { kind: 'LAMBDA', params, result }  a lambda argument; its parameters are typed from bound
 *                                       generics, its body's type binds `result` (TRANSFORM's U)
 *   { kind: 'ANY' }                     any argument, without binding anything
 */
import { canImplicitlyCast, widenNumeric } from '../types/coercion.js';
import { SqlTypeError } from '../types/errors.js';
import { formatSqlType, isNumeric, typeEquals, Types, type PrimitiveName, type SqlType } from '../types/sql-type.js';
import { asDecimalType } from '../types/decimal.js';

export type ParamType =
  | { readonly kind: PrimitiveName | 'INTERVAL_UNIT' | 'NULL' | 'ANY' }
  | { readonly kind: 'DECIMAL'; readonly precision?: number; readonly scale?: number }
  | { readonly kind: 'ARRAY'; readonly element: ParamType }
  | { readonly kind: 'MAP'; readonly key: ParamType; readonly value: ParamType }
  | { readonly kind: 'STRUCT'; readonly fields?: readonly { readonly name: string; readonly type: ParamType }[] }
  | { readonly kind: 'GENERIC'; readonly name: string }
  | { readonly kind: 'LAMBDA'; readonly params: readonly ParamType[]; readonly result: ParamType };

/** Builders for signatures: `P.array(P.T)`, `P.lambda([P.T], P.U)`. */
export const P = {
  BOOLEAN: { kind: 'BOOLEAN' } as ParamType,
  INTEGER: { kind: 'INTEGER' } as ParamType,
  BIGINT: { kind: 'BIGINT' } as ParamType,
  DOUBLE: { kind: 'DOUBLE' } as ParamType,
  STRING: { kind: 'STRING' } as ParamType,
  BYTES: { kind: 'BYTES' } as ParamType,
  DATE: { kind: 'DATE' } as ParamType,
  TIME: { kind: 'TIME' } as ParamType,
  TIMESTAMP: { kind: 'TIMESTAMP' } as ParamType,
  INTERVAL_UNIT: { kind: 'INTERVAL_UNIT' } as ParamType,
  /** Any DECIMAL. */
  DECIMAL: { kind: 'DECIMAL' } as ParamType,
  ANY: { kind: 'ANY' } as ParamType,
  /** Any STRUCT. */
  STRUCT: { kind: 'STRUCT' } as ParamType,
  T: { kind: 'GENERIC', name: 'T' } as ParamType,
  U: { kind: 'GENERIC', name: 'U' } as ParamType,
  K: { kind: 'GENERIC', name: 'K' } as ParamType,
  V: { kind: 'GENERIC', name: 'V' } as ParamType,
  S: { kind: 'GENERIC', name: 'S' } as ParamType,
  generic: (name: string): ParamType => ({ kind: 'GENERIC', name }),
  decimal: (precision: number, scale: number): ParamType => ({ kind: 'DECIMAL', precision, scale }),
  array: (element: ParamType): ParamType => ({ kind: 'ARRAY', element }),
  map: (key: ParamType, value: ParamType): ParamType => ({ kind: 'MAP', key, value }),
  struct: (fields: readonly { name: string; type: ParamType }[]): ParamType => ({ kind: 'STRUCT', fields }),
  lambda: (params: readonly ParamType[], result: ParamType): ParamType => ({ kind: 'LAMBDA', params, result }),
};

/** An argument that is a lambda, typed only once the signature gives its parameters types. */
export interface LambdaArg {
  readonly kind: 'LAMBDA_ARG';
  readonly arity: number;
  /** The type of the lambda's body with its parameters of these types; may throw SqlTypeError. */
  readonly typeBody: (paramTypes: readonly SqlType[]) => SqlType;
}

/** What the analyzer knows of an argument: its type (NULL for a bare NULL) or that it is a lambda. */
export type ArgType = SqlType | LambdaArg;

export type Bindings = Map<string, SqlType>;

export function hasGenerics(p: ParamType): boolean {
  switch (p.kind) {
    case 'GENERIC':
      return true;
    case 'ARRAY':
      return hasGenerics(p.element);
    case 'MAP':
      return hasGenerics(p.key) || hasGenerics(p.value);
    case 'STRUCT':
      return (p.fields ?? []).some((f) => hasGenerics(f.type));
    case 'LAMBDA':
      return p.params.some(hasGenerics) || hasGenerics(p.result);
    default:
      return false;
  }
}

/** How a signature prints in messages and DESCRIBE FUNCTION: `ARRAY<T>`, `DECIMAL`, `LAMBDA<(T) => U>`. */
export function formatParamType(p: ParamType): string {
  switch (p.kind) {
    case 'GENERIC':
      return p.name;
    case 'ANY':
      return 'ANY';
    case 'DECIMAL':
      return p.precision === undefined ? 'DECIMAL' : `DECIMAL(${p.precision}, ${p.scale ?? 0})`;
    case 'ARRAY':
      return `ARRAY<${formatParamType(p.element)}>`;
    case 'MAP':
      return `MAP<${formatParamType(p.key)}, ${formatParamType(p.value)}>`;
    case 'STRUCT':
      return p.fields === undefined ? 'STRUCT' : `STRUCT<${p.fields.map((f) => `${f.name} ${formatParamType(f.type)}`).join(', ')}>`;
    case 'LAMBDA':
      return `LAMBDA<(${p.params.map(formatParamType).join(', ')}) => ${formatParamType(p.result)}>`;
    default:
      return p.kind;
  }
}

/** An argument type as ksqlDB prints it in "does not accept parameters (...)": NULL as `null`. */
export function formatArgType(a: ArgType): string {
  if (a.kind === 'LAMBDA_ARG') return 'LAMBDA';
  if (a.kind === 'NULL') return 'null';
  return formatSqlType(a);
}

/**
 * Whether an argument of type `arg` fits parameter `param`, binding generics as it goes.
 * `allowCasts` admits implicit casts (numeric widening, STRING to time types and BYTES);
 * without it only exact types match. A NULL argument fits any non-lambda parameter.
 */
export function accepts(param: ParamType, arg: SqlType, bindings: Bindings, allowCasts: boolean): boolean {
  if (arg.kind === 'NULL') return param.kind !== 'LAMBDA';
  switch (param.kind) {
    case 'ANY':
      return arg.kind !== 'LAMBDA';
    case 'GENERIC': {
      if (arg.kind === 'LAMBDA' || arg.kind === 'INTERVAL_UNIT') return false;
      const bound = bindings.get(param.name);
      if (bound === undefined) {
        bindings.set(param.name, arg);
        return true;
      }
      if (typeEquals(bound, arg)) return true;
      if (!allowCasts) return false;
      // Numbers meeting at one generic widen it (T of ARRAY<INTEGER> and BIGINT is BIGINT).
      if (isNumeric(bound) && isNumeric(arg)) {
        bindings.set(param.name, widenNumeric(bound, arg));
        return true;
      }
      return canImplicitlyCast(arg, bound);
    }
    case 'ARRAY':
      return arg.kind === 'ARRAY' && accepts(param.element, arg.element, bindings, allowCasts);
    case 'MAP':
      return arg.kind === 'MAP' && accepts(param.key, arg.key, bindings, allowCasts) && accepts(param.value, arg.value, bindings, allowCasts);
    case 'STRUCT':
      if (arg.kind !== 'STRUCT') return false;
      if (param.fields === undefined || param.fields.length === 0 || arg.fields.length === 0) return true;
      // No implicit casts inside structs, as in ksqlDB.
      return (
        param.fields.length === arg.fields.length &&
        param.fields.every((f) => {
          const a = arg.fields.find((g) => g.name === f.name);
          return a !== undefined && accepts(f.type, a.type, bindings, false);
        })
      );
    case 'DECIMAL':
      if (arg.kind === 'DECIMAL') return true;
      return allowCasts && (arg.kind === 'INTEGER' || arg.kind === 'BIGINT');
    case 'LAMBDA':
      return false;
    default:
      if (arg.kind === param.kind) return true;
      return allowCasts && canImplicitlyCast(arg, param as SqlType);
  }
}

/**
 * The concrete type an argument is converted to for a parameter, once generics are bound: the
 * parameter with generics substituted; for an open DECIMAL the argument's own (upcast) decimal.
 */
export function concreteParamType(param: ParamType, arg: SqlType, bindings: Bindings): SqlType {
  if (arg.kind === 'NULL') return tryResolve(param, bindings) ?? arg;
  switch (param.kind) {
    case 'ANY':
      return arg;
    case 'DECIMAL':
      if (param.precision !== undefined) return Types.decimal(param.precision, param.scale ?? 0);
      return isNumeric(arg) && arg.kind !== 'DOUBLE' ? asDecimalType(arg) : arg;
    case 'ARRAY':
      return arg.kind === 'ARRAY' ? Types.array(concreteParamType(param.element, arg.element, bindings)) : resolveType(param, bindings);
    case 'MAP':
      return arg.kind === 'MAP'
        ? Types.map(concreteParamType(param.key, arg.key, bindings), concreteParamType(param.value, arg.value, bindings))
        : resolveType(param, bindings);
    case 'STRUCT':
      return arg;
    default:
      return resolveType(param, bindings);
  }
}

/** The parameter type with its generics substituted; undefined while a generic is unbound. */
export function tryResolve(p: ParamType, bindings: Bindings): SqlType | undefined {
  try {
    return resolveType(p, bindings);
  } catch {
    return undefined;
  }
}

/** The parameter type with its generics substituted; throws when one is unbound or the type is open. */
export function resolveType(p: ParamType, bindings: ReadonlyMap<string, SqlType>): SqlType {
  switch (p.kind) {
    case 'GENERIC': {
      const bound = bindings.get(p.name);
      if (bound === undefined) throw new SqlTypeError(`Cannot infer the type of generic ${p.name}: its arguments are all NULL. Use CAST to give NULL a type.`);
      return bound;
    }
    case 'ARRAY':
      return Types.array(resolveType(p.element, bindings));
    case 'MAP':
      return Types.map(resolveType(p.key, bindings), resolveType(p.value, bindings));
    case 'STRUCT':
      if (p.fields === undefined) throw new SqlTypeError('An open STRUCT parameter type has no concrete type.');
      return Types.struct(p.fields.map((f) => ({ name: f.name, type: resolveType(f.type, bindings) })));
    case 'DECIMAL':
      if (p.precision === undefined) throw new SqlTypeError('An open DECIMAL parameter type has no concrete type; give a precision or compute the type.');
      return Types.decimal(p.precision, p.scale ?? 0);
    case 'LAMBDA':
      return { kind: 'LAMBDA', params: p.params.map((x) => resolveType(x, bindings)), result: resolveType(p.result, bindings) };
    case 'ANY':
      throw new SqlTypeError('ANY has no concrete type.');
    default:
      return { kind: p.kind };
  }
}

/**
 * Binds generics of `param` from a type without casts (used for a lambda's body type against the
 * lambda's declared result). A DECIMAL binding widens to hold both decimals.
 */
export function bindResult(param: ParamType, type: SqlType, bindings: Bindings): boolean {
  if (param.kind === 'GENERIC') {
    const bound = bindings.get(param.name);
    if (bound === undefined || bound.kind === 'NULL') {
      bindings.set(param.name, type);
      return true;
    }
    return typeEquals(bound, type) || type.kind === 'NULL' || canImplicitlyCast(type, bound);
  }
  return accepts(param, type, bindings, true);
}
