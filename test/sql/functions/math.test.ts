import { describe, expect, it } from 'vitest';
import { Dec } from '../../../sql/types/decimal.js';
import { Types as T } from '../../../sql/types/sql-type.js';
import { compile, evaluate } from './evaluate.js';

const NUMS = { I: T.INTEGER, L: T.BIGINT, D: T.DOUBLE, M: T.decimal(5, 2) };

describe('rounding functions', () => {
  it('ROUND rounds halves toward positive infinity', () => {
    expect(evaluate('ROUND(d)', { D: 2.5 }, NUMS)).toBe(3n);
    expect(evaluate('ROUND(d)', { D: -2.5 }, NUMS)).toBe(-2n);
    expect(evaluate('ROUND(d)', { D: -2.51 }, NUMS)).toBe(-3n);
    expect(evaluate('ROUND(d, 1)', { D: -0.25 }, NUMS)).toBe(-0.2);
    expect(evaluate('ROUND(d, 2)', { D: 9876.545 }, NUMS)).toBe(9876.55);
    expect(evaluate('ROUND(d, -2)', { D: 9876.5 }, NUMS)).toBe(9900);
    expect(evaluate('ROUND(i)', { I: 7 }, NUMS)).toBe(7n);
    expect(evaluate('ROUND(d)', { D: null }, NUMS)).toBeNull();
  });

  it('ROUND and TRUNC of DECIMAL: integral type without places, the same type with them', () => {
    const round = compile('ROUND(m)', { schema: NUMS });
    expect(round.type).toEqual(T.decimal(3, 0));
    expect(String(round.run({ M: new Dec('123.50') }, []))).toBe('124');
    expect(String(round.run({ M: new Dec('-123.50') }, []))).toBe('-123');
    const places = compile('ROUND(m, 1)', { schema: NUMS });
    expect(places.type).toEqual(T.decimal(5, 2));
    expect((places.run({ M: new Dec('1.25') }, []) as Dec).toFixed(2)).toBe('1.30');
    expect((evaluate('TRUNC(m, -1)', { M: new Dec('-987.65') }, NUMS) as Dec).toFixed(2)).toBe('-980.00');
    expect(String(evaluate('TRUNC(m)', { M: new Dec('-9.99') }, NUMS))).toBe('-9');
  });

  it('TRUNC cuts toward zero', () => {
    expect(evaluate('TRUNC(d)', { D: -7.9 }, NUMS)).toBe(-7n);
    expect(evaluate('TRUNC(d, 2)', { D: 1.999 }, NUMS)).toBe(1.99);
    expect(evaluate('TRUNC(d, -1)', { D: 129 }, NUMS)).toBe(120);
  });

  it('CEIL and FLOOR keep the argument type', () => {
    expect(evaluate('CEIL(d)', { D: -1.5 }, NUMS)).toBe(-1);
    expect(evaluate('FLOOR(d)', { D: -1.5 }, NUMS)).toBe(-2);
    expect(evaluate('FLOOR(l)', { L: 5n }, NUMS)).toBe(5n);
    const ceil = compile('CEIL(m)', { schema: NUMS });
    expect(ceil.type).toEqual(T.decimal(5, 2));
    expect(String(ceil.run({ M: new Dec('2.01') }, []))).toBe('3');
  });
});

describe('arithmetic functions', () => {
  it('ABS keeps Java\'s overflow and the type', () => {
    expect(evaluate('ABS(i)', { I: -2147483648 }, NUMS)).toBe(-2147483648);
    expect(evaluate('ABS(l)', { L: -3n }, NUMS)).toBe(3n);
    expect(String(evaluate('ABS(m)', { M: new Dec('-1.5') }, NUMS))).toBe('1.5');
  });

  it('SIGN is an INTEGER', () => {
    expect([-4, 0, 9].map((i) => evaluate('SIGN(i)', { I: i }, NUMS))).toEqual([-1, 0, 1]);
    expect(evaluate('SIGN(m)', { M: new Dec('-0.01') }, NUMS)).toBe(-1);
    expect(evaluate('SIGN(l)', { L: null }, NUMS)).toBeNull();
  });

  it('returns NaN and infinities rather than failing', () => {
    expect(evaluate('SQRT(i)', { I: -4 }, NUMS)).toBeNaN();
    expect(evaluate('LN(i)', { I: 0 }, NUMS)).toBe(-Infinity);
    expect(evaluate('LOG(d, i)', { D: 1, I: 5 }, NUMS)).toBeNaN();
    expect(evaluate('LOG(d, i)', { D: 4, I: 0 }, NUMS)).toBe(-Infinity);
    expect(evaluate('COT(d)', { D: 0 }, NUMS)).toBe(Infinity);
    expect(evaluate('POWER(d, i)', { D: 10, I: 400 }, NUMS)).toBe(Infinity);
  });

  it('computes logarithms correctly rounded, as the JVM does', () => {
    expect(evaluate('LN(3)')).toBe(1.0986122886681098);
    expect(evaluate('LOG(4, 64)')).toBe(3);
    // One argument: the natural logarithm, as ksqlDB computes it.
    expect(evaluate('LOG(d)', { D: Math.E }, NUMS)).toBe(1);
  });

  it('widens integers to DOUBLE for transcendental functions', () => {
    expect(compile('EXP(i)', { schema: NUMS }).type).toEqual(T.DOUBLE);
    expect(evaluate('EXP(i)', { I: 0 }, NUMS)).toBe(1);
    expect(evaluate('CBRT(l)', { L: -27n }, NUMS)).toBe(-3);
    expect(evaluate('DEGREES(PI())')).toBe(180);
    expect(evaluate('RADIANS(i)', { I: 90 }, NUMS)).toBe(Math.PI / 2);
    expect(evaluate('ATAN2(1, 1)')).toBe(Math.PI / 4);
  });

  it('RANDOM is in [0, 1)', () => {
    const r = evaluate('RANDOM()') as number;
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(1);
  });
});

describe('GREATEST and LEAST', () => {
  it('ignore NULLs and keep the arguments\' type', () => {
    expect(evaluate('GREATEST(i, NULL, 4)', { I: 12 }, NUMS)).toBe(12);
    expect(evaluate('LEAST(i, NULL, 4)', { I: null }, NUMS)).toBe(4);
    expect(evaluate("GREATEST('pear', 'apple', NULL)")).toBe('pear');
    expect(evaluate('LEAST(d, NULL)', { D: null }, NUMS)).toBeNull();
  });

  it('widen DECIMALs to a type holding them all', () => {
    const g = compile('GREATEST(m, CAST(1.5 AS DECIMAL(8,4)))', { schema: NUMS });
    expect(g.type).toEqual(T.decimal(8, 4));
    expect((g.run({ M: new Dec('1.25') }, []) as Dec).toFixed(4)).toBe('1.5000');
  });

  it('read strings as dates, times and timestamps beside them', () => {
    const schema = { DT: T.DATE, TS: T.TIMESTAMP };
    expect(evaluate("GREATEST(dt, '1970-01-11')", { DT: 3 }, schema)).toBe(10);
    expect(evaluate("LEAST(ts, '1970-01-01T00:00:01')", { TS: 5000 }, schema)).toBe(1000);
  });

  it('are ambiguous for mixed integer widths, as in ksqlDB', () => {
    expect(() => compile('GREATEST(i, l)', { schema: NUMS })).toThrow("Function 'greatest' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT).");
    expect(compile('GREATEST(i, l, m, d)', { schema: NUMS }).type).toEqual(T.DOUBLE);
    expect(() => compile('GREATEST()')).toThrow("Function 'greatest' does not accept parameters ().");
  });
});
