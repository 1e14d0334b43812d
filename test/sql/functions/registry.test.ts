import { describe, expect, it } from 'vitest';
import {
  AmbiguousCallError,
  createFunctionRegistry,
  FunctionArgumentError,
  FunctionRegistrationError,
  FunctionRegistry,
  NoMatchingSignatureError,
  P,
  UnknownFunctionError,
  type LambdaArg,
  type ParamLike,
} from '../../../sql/functions/index.js';
import { Dec } from '../../../sql/types/decimal.js';
import { SqlTypeError } from '../../../sql/types/errors.js';
import { Types as T, type SqlType } from '../../../sql/types/sql-type.js';

/** A registry with a function whose overloads report which one ran. */
function overloads(...variants: [string, ...ParamLike[]][]) {
  const r = new FunctionRegistry();
  r.registerUdf({
    name: 'which',
    description: 'test',
    signatures: variants.map(([tag, ...params]) => ({ params, returns: P.STRING, impl: () => tag })),
  });
  return r;
}

describe('resolving overloads', () => {
  it('prefers an exact match to one needing implicit casts', () => {
    const r = overloads(['int', P.INTEGER], ['bigint', P.BIGINT], ['double', P.DOUBLE]);
    expect(r.resolveScalar('WHICH', [T.INTEGER]).invoke([1])).toBe('int');
    expect(r.resolveScalar('which', [T.BIGINT]).invoke([1n])).toBe('bigint');
  });

  it('casts implicitly when no signature matches exactly, and finds ties ambiguous', () => {
    expect(overloads(['double', P.DOUBLE], ['string', P.STRING]).resolveScalar('which', [T.INTEGER]).invoke([1])).toBe('double');
    const r = overloads(['bigint', P.BIGINT], ['double', P.DOUBLE]);
    expect(() => r.resolveScalar('which', [T.INTEGER])).toThrow(AmbiguousCallError);
    expect(() => r.resolveScalar('which', [T.INTEGER])).toThrow("Function 'which' cannot be resolved due to ambiguous method parameters (INTEGER).");
  });

  it('lets NULL fit anything, so a NULL against several overloads is ambiguous', () => {
    const r = overloads(['int', P.INTEGER], ['string', P.STRING]);
    expect(() => r.resolveScalar('which', [T.NULL])).toThrow('ambiguous method parameters (null)');
    expect(overloads(['int', P.INTEGER, P.STRING]).resolveScalar('which', [T.INTEGER, T.NULL]).invoke([1, null])).toBe('int');
  });

  it('prefers non-variadic, then longer, then less generic signatures', () => {
    const r = overloads(['varargs', { type: P.STRING, variadic: true }], ['two', P.STRING, P.STRING], ['generic', P.T, P.T]);
    expect(r.resolveScalar('which', [T.STRING, T.STRING]).invoke(['a', 'b'])).toBe('two');
    expect(r.resolveScalar('which', [T.STRING]).invoke(['a'])).toBe('varargs');
    expect(r.resolveScalar('which', []).invoke([])).toBe('varargs');
    expect(r.resolveScalar('which', [T.INTEGER, T.INTEGER]).invoke([1, 2])).toBe('generic');
  });

  it('supports a variadic parameter in the middle', () => {
    const r = overloads(['middle', P.BIGINT, { type: P.INTEGER, variadic: true }, P.STRING]);
    expect(r.resolveScalar('which', [T.BIGINT, T.STRING]).invoke([1n, 'x'])).toBe('middle');
    expect(r.resolveScalar('which', [T.BIGINT, T.INTEGER, T.INTEGER, T.STRING]).invoke([1n, 1, 2, 'x'])).toBe('middle');
    expect(() => r.resolveScalar('which', [T.BIGINT, T.STRING, T.STRING])).toThrow(NoMatchingSignatureError);
  });

  it('says what it was given and what it accepts when nothing fits', () => {
    const r = overloads(['x', P.INTEGER, P.array(P.T)]);
    expect(() => r.resolveScalar('which', [T.STRING, T.BOOLEAN])).toThrow(
      "Function 'which' does not accept parameters (STRING, BOOLEAN).\nValid alternatives are:\nwhich(INTEGER, ARRAY<T>)",
    );
    expect(() => r.resolveScalar('nope', [])).toThrow(UnknownFunctionError);
    expect(() => r.resolveScalar('nope', [])).toThrow("Can't find any functions with the name 'nope'");
  });
});

describe('generics and lambdas', () => {
  const r = createFunctionRegistry();

  it('binds generics from the first argument that fixes them', () => {
    const f = r.resolveScalar('ARRAY_CONTAINS', [T.array(T.STRING), T.STRING]);
    expect(f.returnType).toEqual(T.BOOLEAN);
    expect(() => r.resolveScalar('ARRAY_CONTAINS', [T.array(T.STRING), T.INTEGER])).toThrow(NoMatchingSignatureError);
  });

  it('widens a numeric generic when arguments disagree, converting the values', () => {
    const f = r.resolveScalar('ARRAY_CONTAINS', [T.array(T.INTEGER), T.BIGINT]);
    expect(f.paramTypes).toEqual([T.array(T.BIGINT), T.BIGINT]);
    expect(f.invoke([[1, 2], 2n])).toBe(true);
    const c = r.resolveScalar('COALESCE', [T.INTEGER, T.NULL, T.decimal(3, 1)]);
    expect(c.returnType).toEqual(T.decimal(11, 1));
    expect(String(c.invoke([null, null, new Dec('2.5')]))).toBe('2.5');
  });

  it('types lambdas once their parameters are known, and binds their result', () => {
    const seen: (readonly SqlType[])[] = [];
    const lambda = (result: SqlType): LambdaArg => ({
      kind: 'LAMBDA_ARG',
      arity: 1,
      typeBody: (params) => {
        seen.push(params);
        return result;
      },
    });
    const t = r.resolveScalar('TRANSFORM', [T.array(T.INTEGER), lambda(T.STRING)]);
    expect(t.returnType).toEqual(T.array(T.STRING));
    expect(t.paramTypes[1]).toEqual({ kind: 'LAMBDA', params: [T.INTEGER], result: T.STRING });
    expect(seen).toContainEqual([T.INTEGER]);
    expect(t.invoke([[1, 2], (x: unknown) => `#${x as number}`])).toEqual(['#1', '#2']);
  });

  it('reports a lambda body that does not type as the body\'s own error', () => {
    const broken: LambdaArg = {
      kind: 'LAMBDA_ARG',
      arity: 1,
      typeBody: () => {
        throw new SqlTypeError('Unsupported arithmetic types. BOOLEAN INTEGER');
      },
    };
    expect(() => r.resolveScalar('TRANSFORM', [T.array(T.BOOLEAN), broken])).toThrow('Unsupported arithmetic types');
  });

  it('cannot give all-NULL generic arguments a type', () => {
    expect(() => r.resolveScalar('COALESCE', [T.NULL, T.NULL])).toThrow(/Cannot infer the type of generic T/);
  });
});

describe('user functions (the TypeScript UDF API)', () => {
  it('registers scalar functions with implementations, strictness and bound implementations', () => {
    const r = new FunctionRegistry();
    r.registerUdf({
      name: 'multiply',
      description: 'Multiplies.',
      category: 'MATHEMATICAL',
      signatures: [{ params: [P.BIGINT, P.BIGINT], returns: P.BIGINT, strict: true, impl: ([a, b]) => (a as bigint) * (b as bigint) }],
    });
    r.registerUdf({
      name: 'square',
      description: 'Squares a decimal in its own type.',
      signatures: [
        {
          params: [P.DECIMAL],
          returns: (ctx) => ctx.paramTypes[0]!,
          bind: (ctx) => {
            const scale = (ctx.returnType as { scale: number }).scale;
            return ([a]) => (a as Dec).times(a as Dec).toDecimalPlaces(scale);
          },
        },
      ],
    });
    const m = r.resolveScalar('multiply', [T.INTEGER, T.BIGINT]);
    expect(m.paramTypes).toEqual([T.BIGINT, T.BIGINT]);
    expect(m.invoke([6, 7n])).toBe(42n);
    expect(m.invoke([null, 7n])).toBeNull();
    const sq = r.resolveScalar('square', [T.decimal(3, 1)]);
    expect(sq.returnType).toEqual(T.decimal(3, 1));
    expect(String(sq.invoke([new Dec('1.5')]))).toBe('2.3');
    // An INTEGER argument becomes the DECIMAL(10, 0) that holds any INTEGER.
    expect(r.resolveScalar('square', [T.INTEGER]).returnType).toEqual(T.decimal(10, 0));
  });

  it('turns a failing call into NULL and reports it', () => {
    const errors: [unknown, string][] = [];
    const r = new FunctionRegistry({ onError: (e, name) => errors.push([e, name]) });
    r.registerUdf({ name: 'boom', description: 'Fails.', signatures: [{ params: [P.STRING], returns: P.STRING, impl: () => { throw new Error('bad input'); } }] });
    expect(r.resolveScalar('boom', [T.STRING]).invoke(['x'])).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]![1]).toBe('boom');
  });

  it('refuses clashing and malformed registrations', () => {
    const r = createFunctionRegistry();
    expect(() => r.registerUdf({ name: 'abs', description: '', signatures: [{ params: [P.INTEGER], returns: P.INTEGER, impl: () => 0 }] })).toThrow(FunctionRegistrationError);
    expect(() => r.registerUdf({ name: 'count', description: '', signatures: [{ params: [P.STRING], returns: P.INTEGER, impl: () => 0 }] })).toThrow(/aggregate function named COUNT/);
    expect(() => r.registerUdf({ name: 'bad name', description: '', signatures: [{ params: [], returns: P.INTEGER, impl: () => 0 }] })).toThrow(FunctionRegistrationError);
    expect(() => r.registerUdf({ name: 'neither', description: '', signatures: [{ params: [], returns: P.INTEGER }] })).toThrow(FunctionRegistrationError);
    // A new overload for an existing function is fine.
    r.registerUdf({ name: 'abs', description: '', signatures: [{ params: [P.STRING], returns: P.STRING, impl: (a) => a[0] }] });
    expect(r.resolveScalar('abs', [T.STRING]).invoke(['x'])).toBe('x');
  });

  it('registers aggregates with literal parameters, checking they are literals', () => {
    const r = new FunctionRegistry();
    r.registerUdaf({
      name: 'sum_plus',
      description: 'A sum plus a constant.',
      signatures: [
        {
          params: [P.INTEGER],
          initParams: [P.INTEGER],
          returns: P.BIGINT,
          intermediate: P.BIGINT,
          create: (ctx) => ({
            initialize: () => BigInt(ctx.initArgs[0] as number),
            aggregate: (acc, args) => (acc as bigint) + BigInt((args[0] as number | null) ?? 0),
            merge: (a, b) => (a as bigint) + (b as bigint),
            map: (acc) => acc,
          }),
        },
      ],
    });
    const agg = r.resolveAggregate('SUM_PLUS', [{ type: T.INTEGER }, { type: T.INTEGER, literal: { value: 100 } }]);
    expect(agg.columnArgCount).toBe(1);
    expect(agg.supportsUndo).toBe(false);
    const a = agg.create();
    expect(a.map(a.aggregate(a.aggregate(a.initialize(), [1]), [2]))).toBe(103n);
    expect(() => r.resolveAggregate('sum_plus', [{ type: T.INTEGER }, { type: T.INTEGER, text: 'F0' }])).toThrow(FunctionArgumentError);
    expect(() => r.resolveAggregate('sum_plus', [{ type: T.INTEGER }, { type: T.INTEGER, text: 'F0' }])).toThrow(
      "Parameter 2 passed to function SUM_PLUS must be a literal constant, but was expression: 'F0'",
    );
  });

  it('registers table functions', () => {
    const r = new FunctionRegistry();
    r.registerUdtf({ name: 'repeat', description: 'n copies', signatures: [{ params: [P.T, P.INTEGER], returns: P.T, impl: ([v, n]) => Array<unknown>(n as number).fill(v) }] });
    const t = r.resolveTableFunction('repeat', [T.STRING, T.INTEGER]);
    expect(t.returnType).toEqual(T.STRING);
    expect(t.invoke(['a', 3])).toEqual(['a', 'a', 'a']);
    expect(r.isTableFunction('REPEAT')).toBe(true);
  });
});

describe('SHOW FUNCTIONS and DESCRIBE FUNCTION', () => {
  const r = createFunctionRegistry();

  it('lists every function with its kind and category, by name', () => {
    const list = r.list();
    const names = list.map((f) => f.name);
    expect(names).toEqual([...names].sort());
    expect(list.find((f) => f.name === 'SUBSTRING')).toEqual({ name: 'SUBSTRING', type: 'SCALAR', category: 'STRING' });
    expect(list.find((f) => f.name === 'TOPK')).toEqual({ name: 'TOPK', type: 'AGGREGATE', category: 'AGGREGATE' });
    expect(list.find((f) => f.name === 'EXPLODE')?.type).toBe('TABLE');
    expect(list.length).toBeGreaterThan(140);
  });

  it('describes each variant with its arguments and return type', () => {
    const d = r.describe('array_contains');
    expect(d.description).toMatch(/contains/);
    expect(d.variants[0]).toEqual({
      arguments: [
        { name: 'array', type: 'ARRAY<T>', description: '' },
        { name: 'val', type: 'T', description: '' },
      ],
      returnType: 'BOOLEAN',
      description: '',
    });
    expect(r.describe('concat').variants[0]!.arguments[0]!.type).toBe('STRING[]');
    expect(() => r.describe('missing')).toThrow(UnknownFunctionError);
  });

  it('has a description and category for every function', () => {
    for (const f of r.list()) {
      const d = r.describe(f.name);
      expect(d.description.length, f.name).toBeGreaterThan(10);
      expect(d.category, f.name).not.toBe('');
    }
  });
});
