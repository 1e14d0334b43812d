import { describe, expect, it } from 'vitest';
import type { Expression } from '../../../sql/ast/expressions.js';
import type { Query } from '../../../sql/ast/statements.js';
import { parseExpression, parseStatement } from '../../../sql/parser/parse.js';
import { withoutLocations } from '../ast/without-locations.js';

const expr = (text: string): Expression => withoutLocations(parseExpression(text));
const col = (name: string, source?: string) => (source === undefined ? { kind: 'ColumnRef', name } : { kind: 'ColumnRef', source, name });
const int = (value: number) => ({ kind: 'IntegerLiteral', value });
const str = (value: string) => ({ kind: 'StringLiteral', value });
const bin = (operator: string, left: object, right: object) => ({ kind: 'ArithmeticBinary', operator, left, right });
const cmp = (operator: string, left: object, right: object) => ({ kind: 'Comparison', operator, left, right });
const and = (left: object, right: object) => ({ kind: 'LogicalBinary', operator: 'AND', left, right });
const or = (left: object, right: object) => ({ kind: 'LogicalBinary', operator: 'OR', left, right });

describe('literals', () => {
  it('types integers as INTEGER, then BIGINT, and rejects what BIGINT cannot hold', () => {
    expect(expr('2147483647')).toEqual(int(2147483647));
    expect(expr('-2147483648')).toEqual(int(-2147483648));
    expect(expr('2147483648')).toEqual({ kind: 'BigIntLiteral', value: 2147483648n });
    expect(expr('-9223372036854775808')).toEqual({ kind: 'BigIntLiteral', value: -9223372036854775808n });
    expect(() => parseExpression('9223372036854775808')).toThrow(/Invalid numeric literal: 9223372036854775808/);
    expect(() => parseExpression('-9223372036854775809')).toThrow(/Invalid numeric literal: -9223372036854775809/);
  });

  it('types numbers with a point as DECIMAL with precision and scale', () => {
    expect(expr('1.50')).toEqual({ kind: 'DecimalLiteral', value: '1.50', precision: 3, scale: 2 });
    expect(expr('0.05')).toEqual({ kind: 'DecimalLiteral', value: '0.05', precision: 3, scale: 2 });
    expect(expr('.5')).toEqual({ kind: 'DecimalLiteral', value: '.5', precision: 2, scale: 1 });
    expect(expr('-007.5')).toEqual({ kind: 'DecimalLiteral', value: '-007.5', precision: 2, scale: 1 });
    expect(expr('12.')).toEqual({ kind: 'DecimalLiteral', value: '12.', precision: 2, scale: 0 });
  });

  it('types numbers with an exponent as DOUBLE and rejects overflow', () => {
    expect(expr('1.5E3')).toEqual({ kind: 'DoubleLiteral', value: 1500, text: '1.5E3' });
    expect(expr('-1e-1')).toEqual({ kind: 'DoubleLiteral', value: -0.1, text: '-1e-1' });
    expect(() => parseExpression('1.7976931348623159E308')).toThrow(/Number overflows DOUBLE: 1.7976931348623159E308/);
  });

  it('reads strings, booleans and NULL', () => {
    expect(expr("'it''s'")).toEqual(str("it's"));
    expect(expr('TRUE')).toEqual({ kind: 'BooleanLiteral', value: true });
    expect(expr('false')).toEqual({ kind: 'BooleanLiteral', value: false });
    expect(expr('null')).toEqual({ kind: 'NullLiteral' });
  });

  it('keeps a minus in front of a parenthesised number as an operator', () => {
    expect(expr('-(5)')).toEqual({ kind: 'ArithmeticUnary', operator: '-', operand: int(5) });
    expect(expr('- -5')).toEqual({ kind: 'ArithmeticUnary', operator: '-', operand: int(-5) });
    expect(expr('+5')).toEqual({ kind: 'ArithmeticUnary', operator: '+', operand: int(5) });
  });
});

describe('precedence', () => {
  it('binds * / % over + -, and + - over ||', () => {
    expect(expr('a + b * c - d % 2')).toEqual(bin('-', bin('+', col('A'), bin('*', col('B'), col('C'))), bin('%', col('D'), int(2))));
    expect(expr("a || b + c || 'x'")).toEqual({
      kind: 'Concatenation',
      left: { kind: 'Concatenation', left: col('A'), right: bin('+', col('B'), col('C')) },
      right: str('x'),
    });
  });

  it('associates arithmetic to the left and honours parentheses', () => {
    expect(expr('a - b - c')).toEqual(bin('-', bin('-', col('A'), col('B')), col('C')));
    expect(expr('a - (b - c)')).toEqual(bin('-', col('A'), bin('-', col('B'), col('C'))));
  });

  it('binds unary minus over *, and postfix operators over unary minus', () => {
    expect(expr('-a * b')).toEqual(bin('*', { kind: 'ArithmeticUnary', operator: '-', operand: col('A') }, col('B')));
    expect(expr('-a[1]')).toEqual({ kind: 'ArithmeticUnary', operator: '-', operand: { kind: 'Subscript', base: col('A'), index: int(1) } });
  });

  it('binds comparison over NOT, NOT over AND, AND over OR', () => {
    expect(expr('NOT a = 1 AND b OR c')).toEqual(or(and({ kind: 'Not', operand: cmp('=', col('A'), int(1)) }, col('B')), col('C')));
    expect(expr('a OR b AND c')).toEqual(or(col('A'), and(col('B'), col('C'))));
  });

  it('compares arithmetic results', () => {
    expect(expr('a + 1 >= b * 2')).toEqual(cmp('>=', bin('+', col('A'), int(1)), bin('*', col('B'), int(2))));
  });

  it('does not chain comparisons', () => {
    expect(() => parseExpression('a = b = c')).toThrow(/Syntax Error/);
  });

  it('lets BETWEEN take its AND before the logical AND', () => {
    expect(expr('a BETWEEN 1 AND 2 AND b')).toEqual(
      and({ kind: 'Between', value: col('A'), lower: int(1), upper: int(2), negated: false }, col('B')),
    );
  });
});

describe('predicates', () => {
  it('reads every comparison operator, != as <>', () => {
    for (const [text, operator] of [['=', '='], ['<>', '<>'], ['!=', '<>'], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>=']]) {
      expect(expr(`a ${text} 1`)).toEqual(cmp(operator!, col('A'), int(1)));
    }
  });

  it('reads IS [NOT] NULL and IS [NOT] DISTINCT FROM', () => {
    expect(expr('a IS NULL')).toEqual({ kind: 'IsNull', operand: col('A'), negated: false });
    expect(expr('a IS NOT NULL')).toEqual({ kind: 'IsNull', operand: col('A'), negated: true });
    expect(expr('a IS DISTINCT FROM b')).toEqual(cmp('IS DISTINCT FROM', col('A'), col('B')));
    expect(expr('a IS NOT DISTINCT FROM b')).toEqual(cmp('IS NOT DISTINCT FROM', col('A'), col('B')));
  });

  it('reads [NOT] LIKE with ESCAPE, [NOT] BETWEEN and [NOT] IN', () => {
    expect(expr("a NOT LIKE 'x!%' ESCAPE '!'")).toEqual({ kind: 'Like', value: col('A'), pattern: str('x!%'), escape: '!', negated: true });
    expect(expr("a LIKE 'x%'")).toEqual({ kind: 'Like', value: col('A'), pattern: str('x%'), negated: false });
    expect(expr('a NOT BETWEEN 1 AND 2')).toMatchObject({ kind: 'Between', negated: true });
    expect(expr('a IN (1, b + 1)')).toEqual({ kind: 'InList', value: col('A'), list: [int(1), bin('+', col('B'), int(1))], negated: false });
    expect(expr('a NOT IN (1)')).toMatchObject({ kind: 'InList', negated: true });
    expect(() => parseExpression('a IN ()')).toThrow(/expected an expression/);
  });
});

describe('primaries', () => {
  it('reads CASE in its searched and simple forms', () => {
    expect(expr("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END")).toEqual({
      kind: 'SearchedCase',
      whenClauses: [
        { when: cmp('>', col('A'), int(1)), then: str('big') },
        { when: cmp('>', col('A'), int(0)), then: str('small') },
      ],
      else: str('none'),
    });
    expect(expr('CASE a WHEN 1 THEN 2 END')).toEqual({ kind: 'SimpleCase', operand: col('A'), whenClauses: [{ when: int(1), then: int(2) }] });
  });

  it('reads CAST to every kind of type', () => {
    const cast = (type: string) => (expr(`CAST(a AS ${type})`) as { type: unknown }).type;
    expect(cast('INT')).toEqual({ kind: 'PrimitiveType', name: 'INTEGER' });
    expect(cast('varchar')).toEqual({ kind: 'PrimitiveType', name: 'STRING' });
    expect(cast('VARCHAR(255)')).toEqual({ kind: 'PrimitiveType', name: 'STRING' });
    expect(cast('DECIMAL(10, 2)')).toEqual({ kind: 'DecimalType', precision: 10, scale: 2 });
    expect(cast('MAP<STRING, ARRAY<TIMESTAMP>>')).toEqual({
      kind: 'MapType',
      key: { kind: 'PrimitiveType', name: 'STRING' },
      value: { kind: 'ArrayType', element: { kind: 'PrimitiveType', name: 'TIMESTAMP' } },
    });
    expect(cast('STRUCT<>')).toEqual({ kind: 'StructType', fields: [] });
    expect(cast('ADDRESS')).toEqual({ kind: 'CustomType', name: 'ADDRESS' });
    for (const name of ['BOOLEAN', 'BIGINT', 'DOUBLE', 'BYTES', 'DATE', 'TIME']) {
      expect(cast(name)).toEqual({ kind: 'PrimitiveType', name });
    }
    expect(() => parseExpression('CAST(a AS DECIMAL)')).toThrow(/DECIMAL needs a precision and a scale/);
    expect(() => parseExpression('CAST(a AS DECIMAL(2, 3))')).toThrow(/scale must not exceed its precision/);
    expect(() => parseExpression('CAST(a AS INT(3))')).toThrow(/takes no parameters/);
  });

  it('reads struct dereference, subscripts and qualified columns', () => {
    expect(expr("s.a->b['k'][1]->c")).toEqual({
      kind: 'Dereference',
      base: {
        kind: 'Subscript',
        base: { kind: 'Subscript', base: { kind: 'Dereference', base: col('A', 'S'), field: 'B' }, index: str('k') },
        index: int(1),
      },
      field: 'C',
    });
  });

  it('reads function calls, COUNT(*) and nested calls', () => {
    expect(expr('COUNT(*)')).toEqual({ kind: 'FunctionCall', name: 'COUNT', args: [], star: true });
    expect(expr('now()')).toEqual({ kind: 'FunctionCall', name: 'NOW', args: [], star: false });
    expect(expr('concat(ucase(a), `lower`(b))')).toEqual({
      kind: 'FunctionCall',
      name: 'CONCAT',
      star: false,
      args: [
        { kind: 'FunctionCall', name: 'UCASE', args: [col('A')], star: false },
        { kind: 'FunctionCall', name: 'lower', args: [col('B')], star: false },
      ],
    });
  });

  it('reads lambdas as function arguments, with their parameters as lambda variables', () => {
    expect(expr('TRANSFORM(m, (k, v) => UCASE(k), v => v + x)')).toEqual({
      kind: 'FunctionCall',
      name: 'TRANSFORM',
      star: false,
      args: [
        col('M'),
        {
          kind: 'Lambda',
          params: ['K', 'V'],
          body: { kind: 'FunctionCall', name: 'UCASE', args: [{ kind: 'LambdaVariable', name: 'K' }], star: false },
        },
        { kind: 'Lambda', params: ['V'], body: bin('+', { kind: 'LambdaVariable', name: 'V' }, col('X')) },
      ],
    });
    expect(expr('REDUCE(xs, 0, (s, x) => FILTER(ys, y => y > s))')).toMatchObject({
      args: [{}, {}, { body: { args: [col('YS'), { body: cmp('>', { kind: 'LambdaVariable', name: 'Y' }, { kind: 'LambdaVariable', name: 'S' }) }] } }],
    });
    expect(() => parseExpression('TRANSFORM(xs, (x, x) => x)')).toThrow(/declared twice/);
    expect(() => parseExpression('x => x')).toThrow(/Syntax Error/);
  });

  it('reads plural time units as interval arguments and singular ones as columns', () => {
    expect(expr('TIMESTAMPADD(SECONDS, 5, ts)')).toMatchObject({ args: [{ kind: 'IntervalUnit', unit: 'SECONDS' }, int(5), col('TS')] });
    expect(expr('F(second)')).toMatchObject({ args: [col('SECOND')] });
  });

  it('reads ARRAY, MAP and STRUCT constructors', () => {
    expect(expr('ARRAY[1, a]')).toEqual({ kind: 'ArrayConstructor', elements: [int(1), col('A')] });
    expect(expr('ARRAY[]')).toEqual({ kind: 'ArrayConstructor', elements: [] });
    expect(expr("MAP('a' := 1, 'b' := 2)")).toEqual({ kind: 'MapConstructor', entries: [{ key: str('a'), value: int(1) }, { key: str('b'), value: int(2) }] });
    expect(expr('STRUCT(`Name` := a, age := 3)')).toEqual({
      kind: 'StructConstructor',
      fields: [{ name: 'Name', value: col('A') }, { name: 'AGE', value: int(3) }],
    });
  });

  it('reads pseudo columns as columns', () => {
    for (const name of ['ROWTIME', 'ROWPARTITION', 'ROWOFFSET', 'WINDOWSTART', 'WINDOWEND']) {
      expect(expr(name.toLowerCase())).toEqual(col(name));
    }
  });

  it('allows ->* only as a whole select item', () => {
    expect((withoutLocations(parseStatement('SELECT a->b->* FROM s')) as Query).select).toEqual([
      { kind: 'StructAllFields', expression: { kind: 'Dereference', base: col('A'), field: 'B' } },
    ]);
    expect(() => parseStatement('SELECT a->* + 1 FROM s')).toThrow(/can only be a whole select item/);
  });
});

describe('locations', () => {
  it('gives every node the line and column where it starts', () => {
    const e = parseExpression('a +\n  f(b,\n     c)');
    expect(e.loc).toEqual({ line: 1, column: 1, offset: 0 });
    if (e.kind !== 'ArithmeticBinary' || e.right.kind !== 'FunctionCall') throw new Error('unexpected shape');
    expect(e.right.loc).toEqual({ line: 2, column: 3, offset: 6 });
    expect(e.right.args[1]!.loc).toEqual({ line: 3, column: 6, offset: 16 });
  });
});
