import { describe, expect, it } from 'vitest';
import { sqlLexer } from '../../../sql/parser/tokens.js';

const lex = (text: string): string[] => {
  const result = sqlLexer.tokenize(text);
  expect(result.errors).toEqual([]);
  return result.tokens.map((token) => `${token.tokenType.name}:${token.image}`);
};

describe('lexer', () => {
  it('reads keywords in any case', () => {
    expect(lex('select SeLeCt FROM from')).toEqual(['SELECT:select', 'SELECT:SeLeCt', 'FROM:FROM', 'FROM:from']);
  });

  it('prefers the longest word: STREAMS over STREAM, INNER over IN, identifiers over keyword prefixes', () => {
    expect(lex('streams stream inner in intox selected')).toEqual([
      'STREAMS:streams',
      'STREAM:stream',
      'INNER:inner',
      'IN:in',
      'Identifier:intox',
      'Identifier:selected',
    ]);
  });

  it('reads plain, backtick-quoted and double-quoted identifiers', () => {
    expect(lex('abc _x a1@b `a``b` "c""d"')).toEqual([
      'Identifier:abc',
      'Identifier:_x',
      'Identifier:a1@b',
      'BacktickIdentifier:`a``b`',
      'DoubleQuotedIdentifier:"c""d"',
    ]);
  });

  it('reads string literals with doubled quotes and line breaks', () => {
    expect(lex("'it''s' 'a\nb' ''")).toEqual(["StringLiteral:'it''s'", "StringLiteral:'a\nb'", "StringLiteral:''"]);
  });

  it('tells integers, decimals and floating-point numbers apart', () => {
    expect(lex('12 1.5 .5 5. 1e5 1.5E-3 .5e+2')).toEqual([
      'IntegerLiteral:12',
      'DecimalLiteral:1.5',
      'DecimalLiteral:.5',
      'DecimalLiteral:5.',
      'FloatLiteral:1e5',
      'FloatLiteral:1.5E-3',
      'FloatLiteral:.5e+2',
    ]);
  });

  it('reads a name that starts with a digit as one token, but not a number with an exponent', () => {
    expect(lex('1R 2abc 1e-1 1e5x')).toEqual(['DigitIdentifier:1R', 'DigitIdentifier:2abc', 'FloatLiteral:1e-1', 'DigitIdentifier:1e5x']);
  });

  it('reads operators, longest first', () => {
    expect(lex('<= >= <> != = < > => := -> || - + * / %').map((t) => t.split(':')[0])).toEqual([
      'LessOrEqual', 'GreaterOrEqual', 'NotEqual', 'NotEqual', 'Equals', 'LessThan', 'GreaterThan',
      'LambdaArrow', 'Assign', 'Arrow', 'Concat', 'Minus', 'Plus', 'Star', 'Slash', 'Percent',
    ]);
  });

  it('skips -- and /* */ comments', () => {
    expect(lex('a -- comment ; not a statement\n/* block\n; */ b')).toEqual(['Identifier:a', 'Identifier:b']);
  });

  it('closes nested generic types with two > tokens', () => {
    expect(lex('ARRAY<MAP<STRING,INT>>').slice(-2)).toEqual(['GreaterThan:>', 'GreaterThan:>']);
  });

  it('reports characters that start no token', () => {
    expect(sqlLexer.tokenize('a # b').errors).toHaveLength(1);
  });
});
