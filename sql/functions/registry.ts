/**
 * The function registry: scalar functions (UDFs), aggregates (UDAFs) and table functions (UDTFs)
 * by name, case-insensitively. The analyzer resolves each call once, at plan time, to a closure;
 * nothing is looked up per row.
 *
 *   registry.resolveScalar('SUBSTRING', [Types.STRING, Types.INTEGER]).invoke(['stream', 2])
 */
import { compileImplicitCast, type Converter } from '../types/cast.js';
import { typeEquals, type SqlType } from '../types/sql-type.js';
import {
  FunctionCategory,
  type AggregateArg,
  type AggregateContext,
  type Aggregator,
  type BindContext,
  type FunctionConfig,
  type FunctionDescription,
  type FunctionErrorHandler,
  type FunctionInfo,
  type FunctionKind,
  type FunctionSummary,
  type ParamLike,
  type ResolveOptions,
  type ResolvedAggregate,
  type ResolvedFunction,
  type ResolvedTableFunction,
  type TypeContext,
  type UdafDefinition,
  type UdafSignature,
  type UdfDefinition,
  type UdfSignature,
  type UdtfDefinition,
  type UdtfSignature,
} from './definitions.js';
import { FunctionArgumentError, FunctionRegistrationError, UnknownFunctionError } from './errors.js';
import { formatParamType, resolveType, type ArgType, type ParamType } from './param-types.js';
import { normalizeSignature, resolveOverload, type NormalizedSignature, type SignatureMatch } from './resolution.js';

interface ScalarEntry {
  readonly kind: 'SCALAR';
  info: FunctionInfo;
  readonly signatures: NormalizedSignature<UdfSignature>[];
}

interface AggregateSource {
  readonly signature: UdafSignature;
  readonly initCount: number;
}

interface AggregateEntry {
  readonly kind: 'AGGREGATE';
  info: FunctionInfo;
  readonly signatures: NormalizedSignature<AggregateSource>[];
}

interface TableEntry {
  readonly kind: 'TABLE';
  info: FunctionInfo;
  readonly signatures: NormalizedSignature<UdtfSignature>[];
}

type Entry = ScalarEntry | AggregateEntry | TableEntry;

const NO_CONFIG: FunctionConfig = Object.freeze({});

export interface FunctionRegistryOptions {
  /** Where failing calls are reported (ksqlDB's processing log); nowhere by default. */
  readonly onError?: FunctionErrorHandler;
  readonly config?: FunctionConfig;
}

export class FunctionRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly onError: FunctionErrorHandler;
  private readonly config: FunctionConfig;

  constructor(options: FunctionRegistryOptions = {}) {
    this.onError = options.onError ?? (() => {});
    this.config = options.config ?? NO_CONFIG;
  }

  // ---- registration ----------------------------------------------------------------------------

  /** Adds a scalar function, or more signatures to one. */
  registerUdf(def: UdfDefinition): void {
    const entry = this.entryFor(def, 'SCALAR') as ScalarEntry;
    for (const s of def.signatures) {
      if (!s.impl === !s.bind) throw new FunctionRegistrationError(`${def.name}: a signature needs exactly one of impl and bind.`);
      this.addSignature(entry, normalizeSignature(def.name, s.params, s));
    }
  }

  /** Adds an aggregate function, or more signatures to one. */
  registerUdaf(def: UdafDefinition): void {
    const entry = this.entryFor(def, 'AGGREGATE') as AggregateEntry;
    for (const s of def.signatures) {
      const params: ParamLike[] = [...s.params, ...(s.initParams ?? [])];
      this.addSignature(entry, normalizeSignature(def.name, params, { signature: s, initCount: s.initParams?.length ?? 0 }));
    }
  }

  /** Adds a table function, or more signatures to one. */
  registerUdtf(def: UdtfDefinition): void {
    const entry = this.entryFor(def, 'TABLE') as TableEntry;
    for (const s of def.signatures) {
      if (!s.impl === !s.bind) throw new FunctionRegistrationError(`${def.name}: a signature needs exactly one of impl and bind.`);
      this.addSignature(entry, normalizeSignature(def.name, s.params, s));
    }
  }

  private entryFor(def: FunctionInfo & { signatures: readonly unknown[] }, kind: FunctionKind): Entry {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(def.name)) throw new FunctionRegistrationError(`'${def.name}' is not a valid function name: use letters, digits and underscores.`);
    if (def.signatures.length === 0) throw new FunctionRegistrationError(`${def.name}: a function needs at least one signature.`);
    const key = def.name.toUpperCase();
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.kind !== kind) {
        throw new FunctionRegistrationError(`A ${existing.kind.toLowerCase()} function named ${key} already exists; a ${kind.toLowerCase()} function cannot share its name.`);
      }
      return existing;
    }
    const entry = { kind, info: { ...def, signatures: undefined }, signatures: [] } as Entry;
    this.entries.set(key, entry);
    return entry;
  }

  private addSignature(entry: Entry, sig: NormalizedSignature<unknown>): void {
    const same = entry.signatures.find(
      (s) => s.params.length === sig.params.length && s.params.every((p, i) => formatParamType(p.type) === formatParamType(sig.params[i]!.type) && !!p.variadic === !!sig.params[i]!.variadic),
    );
    if (same) throw new FunctionRegistrationError(`${entry.info.name} already has a signature with parameters (${sig.params.map((p) => formatParamType(p.type)).join(', ')}).`);
    (entry.signatures as NormalizedSignature<unknown>[]).push(sig);
  }

  // ---- lookup ----------------------------------------------------------------------------------

  kindOf(name: string): FunctionKind | undefined {
    return this.entries.get(name.toUpperCase())?.kind;
  }

  isAggregate(name: string): boolean {
    return this.kindOf(name) === 'AGGREGATE';
  }

  isTableFunction(name: string): boolean {
    return this.kindOf(name) === 'TABLE';
  }

  private entry<K extends FunctionKind>(name: string, kind: K): Extract<Entry, { kind: K }> {
    const entry = this.entries.get(name.toUpperCase());
    if (!entry || entry.kind !== kind) throw new UnknownFunctionError(name);
    return entry as Extract<Entry, { kind: K }>;
  }

  /**
   * Resolves a scalar call. `args` are the argument types (NULL for a bare NULL literal;
   * `{ kind: 'LAMBDA_ARG', arity, typeBody }` for a lambda, which is typed here).
   */
  resolveScalar(name: string, args: readonly ArgType[], options: ResolveOptions = {}): ResolvedFunction {
    const entry = this.entry(name, 'SCALAR');
    const match = resolveOverload(entry.info.name, entry.signatures, args);
    const sig = match.signature.source;
    const ctx = this.bindContext(match, sig.returns, options);
    const impl = sig.impl ?? sig.bind!(ctx);
    const invoke = guarded(entry.info.name, withConversions(impl, converters(match), sig.strict ?? false), options.onError ?? this.onError, null);
    return { name: entry.info.name, returnType: ctx.returnType, paramTypes: match.paramTypes, invoke };
  }

  /**
   * Resolves an aggregate call. Arguments after the signature's columns must be literals (TOPK's
   * k): give their values in `literal`.
   */
  resolveAggregate(name: string, args: readonly AggregateArg[], options: ResolveOptions = {}): ResolvedAggregate {
    const entry = this.entry(name, 'AGGREGATE');
    const match = resolveOverload(entry.info.name, entry.signatures, args.map((a) => a.type));
    const { signature, initCount } = match.signature.source;
    const columnCount = args.length - initCount;
    const initArgs = args.slice(columnCount).map((a, i) => {
      if (a.literal === undefined) {
        throw new FunctionArgumentError(
          `Parameter ${columnCount + i + 1} passed to function ${entry.info.name.toUpperCase()} must be a literal constant, but was expression: '${a.text ?? '?'}'`,
        );
      }
      const from = a.type;
      const to = match.paramTypes[columnCount + i]!;
      return typeEquals(from, to) || from.kind === 'NULL' ? a.literal.value : compileImplicitCast(from, to)(a.literal.value);
    });
    const typeCtx: TypeContext = { argTypes: match.argTypes, paramTypes: match.paramTypes, bindings: match.bindings };
    const ctx: AggregateContext = {
      ...typeCtx,
      initArgs,
      returnType: computeType(signature.returns, typeCtx),
      intermediateType: computeType(signature.intermediate, typeCtx),
      config: { ...this.config, ...options.config },
    };
    const convert = converters(match).filter(([i]) => i < columnCount);
    const create = (): Aggregator => withAggregateConversions(signature.create(ctx), convert);
    return {
      name: entry.info.name,
      returnType: ctx.returnType,
      intermediateType: ctx.intermediateType,
      columnArgCount: columnCount,
      paramTypes: match.paramTypes,
      supportsUndo: typeof signature.create(ctx).undo === 'function',
      create,
    };
  }

  /** Resolves a table function call (EXPLODE, CUBE_EXPLODE, ...). */
  resolveTableFunction(name: string, args: readonly ArgType[], options: ResolveOptions = {}): ResolvedTableFunction {
    const entry = this.entry(name, 'TABLE');
    const match = resolveOverload(entry.info.name, entry.signatures, args);
    const sig = match.signature.source;
    const ctx = this.bindContext(match, sig.returns, options);
    const impl = sig.impl ?? sig.bind!(ctx);
    const rows = withConversions((a) => impl(a) ?? EMPTY, converters(match), false) as (args: unknown[]) => readonly unknown[];
    const invoke = guarded(entry.info.name, rows, options.onError ?? this.onError, EMPTY);
    return { name: entry.info.name, returnType: ctx.returnType, paramTypes: match.paramTypes, invoke };
  }

  private bindContext(match: SignatureMatch<unknown>, returns: ParamType | ((ctx: TypeContext) => SqlType), options: ResolveOptions): BindContext {
    const typeCtx: TypeContext = { argTypes: match.argTypes, paramTypes: match.paramTypes, bindings: match.bindings };
    return { ...typeCtx, returnType: computeType(returns, typeCtx), config: { ...this.config, ...options.config } };
  }

  // ---- SHOW FUNCTIONS / DESCRIBE FUNCTION ---------------------------------------------------------

  list(): FunctionSummary[] {
    return [...this.entries.values()]
      .map((e) => ({ name: e.info.name.toUpperCase(), type: e.kind, category: categoryOf(e) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  describe(name: string): FunctionDescription {
    const entry = this.entries.get(name.toUpperCase());
    if (!entry) throw new UnknownFunctionError(name);
    return {
      name: entry.info.name.toUpperCase(),
      type: entry.kind,
      category: categoryOf(entry),
      description: entry.info.description,
      author: entry.info.author ?? 'Freshet',
      version: entry.info.version ?? '',
      variants: (entry.signatures as NormalizedSignature<UdfSignature | AggregateSource | UdtfSignature>[]).map((s) => {
        const source = 'initCount' in s.source ? s.source.signature : s.source;
        return {
          arguments: s.params.map((p) => ({
            name: p.name ?? '',
            type: `${formatParamType(p.type)}${p.variadic ? '[]' : ''}`,
            description: p.description ?? '',
          })),
          returnType: typeof source.returns === 'function' ? 'depends on the arguments' : formatParamType(source.returns),
          description: source.description ?? '',
        };
      }),
    };
  }
}

const EMPTY: readonly unknown[] = Object.freeze([]);

function categoryOf(e: Entry): string {
  if (e.info.category) return e.info.category;
  return e.kind === 'AGGREGATE' ? FunctionCategory.AGGREGATE : e.kind === 'TABLE' ? FunctionCategory.TABLE : FunctionCategory.OTHER;
}

function computeType(returns: ParamType | ((ctx: TypeContext) => SqlType), ctx: TypeContext): SqlType {
  return typeof returns === 'function' ? returns(ctx) : resolveType(returns, ctx.bindings);
}

/** The conversions from each argument's type to its parameter's, where they differ. */
function converters(match: SignatureMatch<unknown>): [number, Converter][] {
  const out: [number, Converter][] = [];
  match.argTypes.forEach((arg, i) => {
    const param = match.paramTypes[i]!;
    if (arg.kind === 'NULL' || arg.kind === 'LAMBDA' || param.kind === 'NULL' || typeEquals(arg, param)) return;
    out.push([i, compileImplicitCast(arg, param)]);
  });
  return out;
}

function withConversions(impl: (args: unknown[]) => unknown, convert: readonly [number, Converter][], strict: boolean): (args: unknown[]) => unknown {
  if (convert.length === 0 && !strict) return impl;
  return (args) => {
    for (const [i, c] of convert) args[i] = c(args[i]);
    if (strict) for (const a of args) if (a === null || a === undefined) return null;
    return impl(args);
  };
}

function guarded<R>(name: string, fn: (args: unknown[]) => unknown, onError: FunctionErrorHandler, fallback: R): (args: unknown[]) => R {
  return (args) => {
    try {
      const result = fn(args);
      return (result === undefined ? null : result) as R;
    } catch (e) {
      onError(e, name);
      return fallback;
    }
  };
}

function withAggregateConversions(agg: Aggregator, convert: readonly [number, Converter][]): Aggregator {
  if (convert.length === 0) return agg;
  const apply = (args: readonly unknown[]): unknown[] => {
    const out = args.slice();
    for (const [i, c] of convert) out[i] = c(out[i]);
    return out;
  };
  const wrapped: Aggregator = {
    initialize: () => agg.initialize(),
    aggregate: (acc, args) => agg.aggregate(acc, apply(args)),
    merge: (a, b) => agg.merge(a, b),
    map: (acc) => agg.map(acc),
  };
  if (agg.undo) {
    const undo = agg.undo.bind(agg);
    wrapped.undo = (acc, args) => undo(acc, apply(args));
  }
  return wrapped;
}
