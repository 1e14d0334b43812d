/**
 * Numeric functions. INTEGER and BIGINT keep Java's wrapping (ABS of the smallest INTEGER is
 * itself); transcendental functions take DOUBLE (other numbers widen to it) and return NaN or
 * ±Infinity where Java's Math does, rather than failing.
 */
import { Decimal } from 'decimal.js';
import { Dec, fitDecimal, widenDecimal, type DecimalType } from '../../types/decimal.js';
import { Types, type SqlType } from '../../types/sql-type.js';
import { comparatorFor } from '../../types/values.js';
import { FunctionCategory, type TypeContext, type UdfDefinition, type UdfSignature } from '../definitions.js';
import { P, type ParamType } from '../param-types.js';
import { LruCache, param, sameAsFirst, sig, strictSig, udf, variadic } from './helpers.js';

const MATH = FunctionCategory.MATHEMATICAL;

const LN_DIGITS = Decimal.clone({ precision: 32 });
const lnCache = new LruCache<number>(1024);

/**
 * The natural logarithm, correctly rounded. The JVM's Math.log (an intrinsic) is correctly
 * rounded where JavaScript's Math.log is off by an ulp for about 2% of inputs (ln 3 is
 * 1.0986122886681098, not ...096), and ksqlDB's results are the JVM's. Computing it in decimal is
 * slower, so results are cached.
 */
export function javaLog(x: number): number {
  if (!(x > 0) || x === Infinity || x === 1) return Math.log(x);
  // The double's exact binary value, not its shortest decimal form, is what gets its logarithm.
  return lnCache.get(String(x), () => Number(LN_DIGITS.ln(x.toPrecision(40)).toString()));
}

/** A DOUBLE -> DOUBLE function (ksqlDB declares INTEGER and BIGINT variants too; they widen to it). */
function unaryDouble(name: string, description: string, fn: (x: number) => number): UdfDefinition {
  return udf({ name, category: MATH, description }, [strictSig([param('value', P.DOUBLE)], P.DOUBLE, (a) => fn(a[0] as number))]);
}

/** Java's Math.round: half up toward positive infinity, NaN is 0, saturating at the long range. */
export function javaRound(x: number): bigint {
  if (Number.isNaN(x)) return 0n;
  if (x >= 2 ** 63) return 9223372036854775807n;
  if (x <= -(2 ** 63)) return -9223372036854775808n;
  return BigInt(Math.round(x));
}

/**
 * Rounds to `places` decimal places (negative: to the left of the point), ties toward positive
 * infinity (HALF_UP for positive values, HALF_DOWN for negative, as ksqlDB's ROUND).
 */
function roundPlaces(value: Decimal, places: number): Decimal {
  const mode = value.gt(0) ? Decimal.ROUND_HALF_UP : Decimal.ROUND_HALF_DOWN;
  return shiftRound(value, places, mode);
}

function truncPlaces(value: Decimal, places: number): Decimal {
  return shiftRound(value, places, Decimal.ROUND_DOWN);
}

function shiftRound(value: Decimal, places: number, mode: Decimal.Rounding): Decimal {
  const d = new Dec(value);
  if (places >= 0) return d.toDecimalPlaces(places, mode);
  const factor = new Dec(10).pow(-places);
  return d.div(factor).toDecimalPlaces(0, mode).times(factor);
}

/** A DOUBLE as BigDecimal.valueOf sees it: its shortest decimal form. */
function doubleAsDecimal(x: number): Decimal {
  return new Dec(String(x));
}

function decimalType(ctx: TypeContext): DecimalType {
  return ctx.paramTypes[0] as DecimalType;
}

/** DECIMAL(p, s) -> DECIMAL(p - s, 0): the integer part, for ROUND and TRUNC without places. */
function integralDecimal(ctx: TypeContext): SqlType {
  const t = decimalType(ctx);
  return Types.decimal(Math.max(1, t.precision - t.scale), 0);
}

function roundingFunction(name: string, description: string, round: (v: Decimal, places: number) => Decimal, roundDouble: (x: number) => bigint): UdfDefinition {
  const atPlaces = (x: number, places: number): number => {
    if (!Number.isFinite(x)) return x;
    const r = round(doubleAsDecimal(x), places).toNumber();
    // BigDecimal has no negative zero.
    return r === 0 ? 0 : r;
  };
  return udf({ name, category: MATH, description }, [
    strictSig([param('value', P.INTEGER)], P.BIGINT, (a) => BigInt(a[0] as number)),
    strictSig([param('value', P.BIGINT)], P.BIGINT, (a) => a[0]),
    strictSig([param('value', P.DOUBLE)], P.BIGINT, (a) => roundDouble(a[0] as number)),
    strictSig([param('value', P.DOUBLE), param('places', P.INTEGER)], P.DOUBLE, (a) => atPlaces(a[0] as number, a[1] as number)),
    {
      params: [param('value', P.DECIMAL)],
      returns: integralDecimal,
      strict: true,
      bind: (ctx) => {
        const t = ctx.returnType as DecimalType;
        return (a) => fitDecimal(round(a[0] as Decimal, 0), t.precision, 0);
      },
    },
    {
      params: [param('value', P.DECIMAL), param('places', P.INTEGER)],
      returns: sameAsFirst,
      strict: true,
      bind: (ctx) => {
        const t = ctx.returnType as DecimalType;
        // The type keeps the argument's scale (ksqlDB issue 6235): the rounded value is padded back to it.
        return (a) => fitDecimal(round(a[0] as Decimal, a[1] as number), t.precision, t.scale);
      },
    },
  ]);
}

/** GREATEST/LEAST: per comparable type, `(T, T...)`, ignoring NULLs. */
function extremum(name: string, description: string, pickGreater: boolean): UdfDefinition {
  const pick = (type: SqlType) => {
    const cmp = comparatorFor(type);
    return (args: unknown[]): unknown => {
      let best: unknown = null;
      for (const v of args) {
        if (v === null || v === undefined) continue;
        if (best === null) best = v;
        else {
          const c = cmp(v, best);
          if (pickGreater ? c > 0 : c < 0) best = v;
        }
      }
      return best;
    };
  };
  const simple = (t: ParamType, type: SqlType): UdfSignature => sig([param('val', t), variadic('vals', t)], t, pick(type));
  return udf({ name, category: MATH, description }, [
    simple(P.INTEGER, Types.INTEGER),
    simple(P.BIGINT, Types.BIGINT),
    simple(P.DOUBLE, Types.DOUBLE),
    simple(P.STRING, Types.STRING),
    simple(P.BYTES, Types.BYTES),
    simple(P.DATE, Types.DATE),
    simple(P.TIME, Types.TIME),
    simple(P.TIMESTAMP, Types.TIMESTAMP),
    {
      params: [param('val', P.DECIMAL), variadic('vals', P.DECIMAL)],
      returns: (ctx) => ctx.paramTypes.reduce<SqlType>((a, b) => (b.kind === 'DECIMAL' ? (a.kind === 'DECIMAL' ? widenDecimal(a, b) : b) : a), ctx.paramTypes[0]!),
      bind: (ctx) => {
        const t = ctx.returnType as DecimalType;
        const choose = pick(t);
        return (a) => {
          const best = choose(a) as Decimal | null;
          return best === null ? null : fitDecimal(best, t.precision, t.scale);
        };
      },
    },
  ]);
}

function abs(): UdfDefinition {
  return udf({ name: 'abs', category: MATH, description: 'The absolute value of a number.' }, [
    strictSig([param('value', P.INTEGER)], P.INTEGER, (a) => Math.abs(a[0] as number) | 0),
    strictSig([param('value', P.BIGINT)], P.BIGINT, (a) => BigInt.asIntN(64, (a[0] as bigint) < 0n ? -(a[0] as bigint) : (a[0] as bigint))),
    strictSig([param('value', P.DOUBLE)], P.DOUBLE, (a) => Math.abs(a[0] as number)),
    strictSig([param('value', P.DECIMAL)], sameAsFirst, (a) => (a[0] as Decimal).abs()),
  ]);
}

function ceilFloor(name: string, description: string, mode: Decimal.Rounding, fn: (x: number) => number): UdfDefinition {
  return udf({ name, category: MATH, description }, [
    strictSig([param('value', P.INTEGER)], P.INTEGER, (a) => a[0]),
    strictSig([param('value', P.BIGINT)], P.BIGINT, (a) => a[0]),
    strictSig([param('value', P.DOUBLE)], P.DOUBLE, (a) => fn(a[0] as number)),
    strictSig([param('value', P.DECIMAL)], sameAsFirst, (a) => new Dec(a[0] as Decimal).toDecimalPlaces(0, mode)),
  ]);
}

function logarithm(): UdfDefinition {
  return udf({ name: 'log', category: MATH, description: 'The logarithm of a value: natural with one argument (as ksqlDB computes it), in the given base with two.' }, [
    strictSig([param('value', P.DOUBLE)], P.DOUBLE, (a) => javaLog(a[0] as number)),
    strictSig([param('base', P.DOUBLE), param('value', P.DOUBLE)], P.DOUBLE, (a) => {
      const [base, value] = a as [number, number];
      if (value < 0 || base <= 0 || base === 1) return NaN;
      if (value === 0) return -Infinity;
      return javaLog(value) / javaLog(base);
    }),
  ]);
}

function random(): UdfDefinition {
  return udf({ name: 'random', category: MATH, description: 'A random DOUBLE between 0.0 (inclusive) and 1.0 (exclusive).' }, [
    sig([], P.DOUBLE, () => Math.random()),
  ]);
}

function sign(): UdfDefinition {
  return udf({ name: 'sign', category: MATH, description: 'The sign of a number as an INTEGER: -1, 0 or 1.' }, [
    strictSig([param('value', P.INTEGER)], P.INTEGER, (a) => Math.sign(a[0] as number) | 0),
    strictSig([param('value', P.BIGINT)], P.INTEGER, (a) => ((a[0] as bigint) > 0n ? 1 : (a[0] as bigint) < 0n ? -1 : 0)),
    strictSig([param('value', P.DOUBLE)], P.INTEGER, (a) => Math.sign(a[0] as number) | 0),
    strictSig([param('value', P.DECIMAL)], P.INTEGER, (a) => (a[0] as Decimal).cmp(0)),
  ]);
}

export const mathFunctions: readonly UdfDefinition[] = [
  abs(),
  unaryDouble('acos', 'The inverse cosine of a value, in radians; NaN outside [-1, 1].', Math.acos),
  unaryDouble('asin', 'The inverse sine of a value, in radians; NaN outside [-1, 1].', Math.asin),
  unaryDouble('atan', 'The inverse tangent of a value, in radians.', Math.atan),
  udf({ name: 'atan2', category: MATH, description: 'The angle theta of the point (x, y) in polar coordinates, in radians.' }, [
    strictSig([param('y', P.DOUBLE), param('x', P.DOUBLE)], P.DOUBLE, (a) => Math.atan2(a[0] as number, a[1] as number)),
  ]),
  unaryDouble('cbrt', 'The cube root of a value.', Math.cbrt),
  ceilFloor('Ceil', 'The smallest integer greater than or equal to a value, in the value\'s type.', Decimal.ROUND_CEIL, Math.ceil),
  unaryDouble('cos', 'The cosine of an angle in radians.', Math.cos),
  unaryDouble('cosh', 'The hyperbolic cosine of a value.', Math.cosh),
  unaryDouble('cot', 'The cotangent of an angle in radians.', (x) => 1 / Math.tan(x)),
  unaryDouble('degrees', 'Converts radians to degrees.', (x) => (x * 180) / Math.PI),
  unaryDouble('exp', 'e raised to the power of a value.', Math.exp),
  ceilFloor('floor', 'The largest integer less than or equal to a value, in the value\'s type.', Decimal.ROUND_FLOOR, Math.floor),
  extremum('greatest', 'The largest non-NULL value of its arguments, which must be of one comparable type.', true),
  extremum('least', 'The smallest non-NULL value of its arguments, which must be of one comparable type.', false),
  unaryDouble('ln', 'The natural logarithm of a value.', javaLog),
  logarithm(),
  udf({ name: 'pi', category: MATH, description: 'An approximation of pi.' }, [sig([], P.DOUBLE, () => Math.PI)]),
  udf({ name: 'power', category: MATH, description: 'A base raised to an exponent; Infinity when the result overflows DOUBLE.' }, [
    strictSig([param('base', P.DOUBLE), param('exponent', P.DOUBLE)], P.DOUBLE, (a) => Math.pow(a[0] as number, a[1] as number)),
  ]),
  unaryDouble('radians', 'Converts degrees to radians.', (x) => (x / 180) * Math.PI),
  random(),
  roundingFunction(
    'Round',
    'Rounds a value to a number of decimal places (to the left of the point when negative), halves toward positive infinity; to an integer without places.',
    roundPlaces,
    javaRound,
  ),
  sign(),
  unaryDouble('sin', 'The sine of an angle in radians.', Math.sin),
  unaryDouble('sinh', 'The hyperbolic sine of a value.', Math.sinh),
  unaryDouble('sqrt', 'The square root of a value; NaN for negative values.', Math.sqrt),
  unaryDouble('tan', 'The tangent of an angle in radians.', Math.tan),
  unaryDouble('tanh', 'The hyperbolic tangent of a value.', Math.tanh),
  roundingFunction(
    'trunc',
    'Truncates a value toward zero to a number of decimal places (to the left of the point when negative); to an integer without places.',
    truncPlaces,
    (x) => (Number.isNaN(x) ? 0n : x >= 2 ** 63 ? 9223372036854775807n : x <= -(2 ** 63) ? -9223372036854775808n : BigInt(Math.trunc(x))),
  ),
];
