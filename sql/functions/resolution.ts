/**
 * Choosing the signature of an overloaded function for a call, as ksqlDB's UdfIndex does:
 *
 * 1. Signatures that take the argument types exactly (NULL fits anything, generics bind to the
 *    first argument that fixes them) are candidates; only if there are none, signatures that
 *    take them with implicit casts (numeric widening, STRING to time types and BYTES).
 * 2. Among candidates, a signature without a variadic parameter beats one with; then the one
 *    with more declared parameters; then the one with fewer generic parameters.
 * 3. A tie at the top is an ambiguous call (GREATEST(INTEGER, BIGINT) fits the BIGINT, DECIMAL
 *    and DOUBLE variants alike).
 *
 * Lambda arguments are typed last, once the other arguments have bound the generics their
 * parameters use (TRANSFORM(ARRAY<T>, T => U) types the lambda's x as T, and binds U to its
 * body's type).
 */
import { SqlTypeError } from '../types/errors.js';
import type { SqlType } from '../types/sql-type.js';
import type { ParamLike, ParamSpec } from './definitions.js';
import { AmbiguousCallError, FunctionRegistrationError, NoMatchingSignatureError } from './errors.js';
import {
  accepts,
  bindResult,
  concreteParamType,
  formatArgType,
  formatParamType,
  hasGenerics,
  resolveType,
  type ArgType,
  type Bindings,
  type LambdaArg,
  type ParamType,
} from './param-types.js';

export interface NormalizedSignature<S> {
  readonly params: readonly ParamSpec[];
  /** Index of the variadic parameter, or -1. */
  readonly variadicIndex: number;
  readonly genericCount: number;
  readonly source: S;
}

export interface SignatureMatch<S> {
  readonly signature: NormalizedSignature<S>;
  readonly bindings: Bindings;
  /** The argument types, lambdas as typed for this signature. */
  readonly argTypes: readonly SqlType[];
  /** The types arguments convert to. */
  readonly paramTypes: readonly SqlType[];
}

function isSpec(p: ParamLike): p is ParamSpec {
  return 'type' in p && typeof (p as ParamSpec).type === 'object';
}

export function normalizeSignature<S>(functionName: string, params: readonly ParamLike[], source: S): NormalizedSignature<S> {
  const specs = params.map((p) => (isSpec(p) ? p : { type: p }));
  const variadic = specs.flatMap((p, i) => (p.variadic ? [i] : []));
  if (variadic.length > 1) throw new FunctionRegistrationError(`${functionName}: a signature may have one variadic parameter, not ${variadic.length}.`);
  return {
    params: specs,
    variadicIndex: variadic[0] ?? -1,
    genericCount: specs.filter((p) => hasGenerics(p.type)).length,
    source,
  };
}

/** `name(ARRAY<T>, T)`, `name(STRING, STRING...)`. */
export function formatSignature(name: string, params: readonly ParamSpec[]): string {
  return `${name}(${params.map((p) => `${formatParamType(p.type)}${p.variadic ? '...' : ''}${p.name ? ` ${p.name}` : ''}`).join(', ')})`;
}

/** The parameter each argument binds to, or undefined when the count does not fit. */
function paramsForArgs(sig: NormalizedSignature<unknown>, count: number): ParamType[] | undefined {
  const n = sig.params.length;
  if (sig.variadicIndex < 0) return count === n ? sig.params.map((p) => p.type) : undefined;
  if (count < n - 1) return undefined;
  const v = sig.variadicIndex;
  const after = n - v - 1;
  const out: ParamType[] = [];
  for (let i = 0; i < count; i++) {
    if (i < v) out.push(sig.params[i]!.type);
    else if (i >= count - after) out.push(sig.params[n - (count - i)]!.type);
    else out.push(sig.params[v]!.type);
  }
  return out;
}

interface LambdaTyping {
  readonly cache: Map<string, SqlType | Error>;
  lastError?: unknown;
}

function typeLambda(arg: LambdaArg, paramTypes: readonly SqlType[], typing: LambdaTyping, index: number): SqlType | undefined {
  const key = `${index}:${JSON.stringify(paramTypes)}`;
  let result = typing.cache.get(key);
  if (result === undefined) {
    try {
      result = arg.typeBody(paramTypes);
    } catch (e) {
      result = e instanceof Error ? e : new Error(String(e));
    }
    typing.cache.set(key, result);
  }
  if (result instanceof Error) {
    typing.lastError = result;
    return undefined;
  }
  return result;
}

function tryMatch<S>(sig: NormalizedSignature<S>, args: readonly ArgType[], allowCasts: boolean, typing: LambdaTyping): SignatureMatch<S> | undefined {
  const params = paramsForArgs(sig, args.length);
  if (params === undefined) return undefined;
  const bindings: Bindings = new Map();
  const argTypes: SqlType[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const param = params[i]!;
    if (arg.kind === 'LAMBDA_ARG') {
      if (param.kind !== 'LAMBDA' || param.params.length !== arg.arity) return undefined;
      continue;
    }
    if (param.kind === 'LAMBDA' && arg.kind !== 'LAMBDA') return undefined;
    if (!accepts(param, arg, bindings, allowCasts)) return undefined;
    argTypes[i] = arg;
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.kind !== 'LAMBDA_ARG') continue;
    const param = params[i] as Extract<ParamType, { kind: 'LAMBDA' }>;
    let lambdaParams: SqlType[];
    try {
      lambdaParams = param.params.map((p) => resolveType(p, bindings));
    } catch {
      return undefined;
    }
    const body = typeLambda(arg, lambdaParams, typing, i);
    if (body === undefined || !bindResult(param.result, body, bindings)) return undefined;
    argTypes[i] = { kind: 'LAMBDA', params: lambdaParams, result: body };
  }
  let paramTypes: SqlType[];
  try {
    paramTypes = argTypes.map((t, i) => (t.kind === 'LAMBDA' ? t : concreteParamType(params[i]!, t, bindings)));
  } catch {
    return undefined;
  }
  return { signature: sig, bindings, argTypes, paramTypes };
}

function compareSignatures(a: NormalizedSignature<unknown>, b: NormalizedSignature<unknown>): number {
  const va = a.variadicIndex < 0 ? 1 : 0;
  const vb = b.variadicIndex < 0 ? 1 : 0;
  if (va !== vb) return va - vb;
  if (a.params.length !== b.params.length) return a.params.length - b.params.length;
  return b.genericCount - a.genericCount;
}

/**
 * The signature of `signatures` a call with `args` resolves to. Throws NoMatchingSignatureError
 * or AmbiguousCallError with ksqlDB's messages, or the lambda's own typing error when a lambda
 * body was what did not fit.
 */
export function resolveOverload<S>(functionName: string, signatures: readonly NormalizedSignature<S>[], args: readonly ArgType[]): SignatureMatch<S> {
  const typing: LambdaTyping = { cache: new Map() };
  for (const allowCasts of [false, true]) {
    const candidates = signatures
      .map((s) => tryMatch(s, args, allowCasts, typing))
      .filter((m): m is SignatureMatch<S> => m !== undefined)
      .sort((a, b) => compareSignatures(b.signature, a.signature));
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length > 1) {
      if (compareSignatures(candidates[0]!.signature, candidates[1]!.signature) > 0) return candidates[0]!;
      throw new AmbiguousCallError(functionName, formatArgs(args), alternatives(functionName, signatures));
    }
  }
  if (typing.lastError instanceof SqlTypeError) throw typing.lastError;
  throw new NoMatchingSignatureError(functionName, formatArgs(args), alternatives(functionName, signatures));
}

function formatArgs(args: readonly ArgType[]): string {
  return `(${args.map(formatArgType).join(', ')})`;
}

function alternatives(name: string, signatures: readonly NormalizedSignature<unknown>[]): string[] {
  return signatures.map((s) => formatSignature(name, s.params));
}
