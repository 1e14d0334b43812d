import { describe, expect, it } from 'vitest';
import { FreshetError } from '../../../storage/errors.js';
import { SqlParseError, describeExpected, suggestKeyword } from '../../../sql/parser/errors.js';
import { parseExpression, parseStatements } from '../../../sql/parser/parse.js';
import * as t from '../../../sql/parser/tokens.js';

function parseError(script: string): SqlParseError {
  try {
    parseStatements(script);
  } catch (error) {
    if (error instanceof SqlParseError) return error;
    throw error;
  }
  throw new Error('expected a SqlParseError');
}

describe('SqlParseError', () => {
  it('is a FreshetError with a stable code, the position, what was found and what was expected', () => {
    const error = parseError('SELECT * FORM s');
    expect(error).toBeInstanceOf(FreshetError);
    expect(error).toMatchObject({ code: 'SQL_PARSE_ERROR', line: 1, column: 10, offset: 9, found: "'FORM'", expected: ["','", 'FROM'] });
    expect(error.message).toBe(
      "line 1:10: Syntax Error\nFound 'FORM', expected ',' or FROM. Did you mean FROM?\n1 | SELECT * FORM s\n  |          ^^^^",
    );
  });

  it('points into the right line of a multi-line script', () => {
    const error = parseError("CREATE STREAM s (a INT) WITH (kafka_topic='t');\nSELECT a,\n       b c d\nFROM s;");
    expect(error).toMatchObject({ line: 3, column: 12, found: "'d'" });
    expect(error.expected).toEqual(["','", 'FROM']);
    expect(error.excerpt).toBe('3 |        b c d\n  |            ^');
  });

  it('names an unknown statement and lists the statements there are', () => {
    const error = parseError("RUN SCRIPT 'foo';");
    expect(error.message).toMatch(/^line 1:1: Syntax Error\nUnknown statement 'RUN': a statement starts with SELECT, CREATE, INSERT, /);
  });

  it('reports the end of a statement that stops too early', () => {
    const error = parseError('SELECT * FROM s WHERE');
    expect(error).toMatchObject({ line: 1, column: 22, found: 'end of statement', expected: ['an expression'] });
    expect(parseError('SELECT * FROM s EMIT;').expected).toEqual(['CHANGES', 'FINAL']);
  });

  it('reports leftover input with the clauses that could have come instead', () => {
    const error = parseError('SELECT * FROM S1 ORDER BY MYKEY DESC;');
    // ORDER is taken as an alias of S1, as ksqlDB does, so the error is at BY (line 1:24 in ksqlDB too).
    expect(error).toMatchObject({ line: 1, column: 24, found: "'BY'" });
    expect(error.expected).toEqual(expect.arrayContaining(['JOIN', 'WHERE', 'GROUP', 'EMIT', 'LIMIT', 'end of statement']));
  });

  it('summarises what may start or continue an expression', () => {
    expect(parseError('SELECT * FROM s WHERE a = = 1').expected).toEqual(['an expression']);
    expect(parseError('SELECT COUNT(*) FROM t GROUP BY a AND b').expected).toEqual([
      'an operator', "','", 'PARTITION', 'HAVING', 'EMIT', 'LIMIT', 'end of statement',
    ]);
  });

  it('says which type parameters a type takes', () => {
    const error = parseError("CREATE STREAM INPUT (K STRING (KEY)) WITH (kafka_topic='input',value_format='JSON');");
    expect(error).toMatchObject({ line: 1, column: 32 });
    expect(error.message).toMatch(/Found 'KEY', expected an integer, a string or STRING/);
    expect(parseError("CREATE STREAM INPUT (K INT (10)) WITH (kafka_topic='input')").message).toMatch(/Type INT takes no parameters/);
  });

  it('counts CRLF line breaks once and keeps tabs under the caret', () => {
    const error = parseError('SHOW STREAMS;\r\n\tSHOW\tSTREAMS foo;');
    expect(error).toMatchObject({ line: 2, column: 15, found: "'foo'", expected: ['EXTENDED', 'end of statement'] });
    expect(error.excerpt).toBe('2 | \tSHOW\tSTREAMS foo;\n  | \t    \t        ^^^');
  });

  it('reports unexpected characters', () => {
    expect(parseError('SELECT a ? b FROM s')).toMatchObject({ line: 1, column: 10, found: '?' });
  });

  it('reports literals out of range at the literal', () => {
    expect(parseError('SELECT K, id,\n  -9223372036854775809 FROM INPUT;')).toMatchObject({ line: 2, column: 3 });
  });

  it('works for lone expressions too', () => {
    expect(() => parseExpression('a +')).toThrow(/line 1:4: Syntax Error\nFound end of statement, expected an expression/);
  });
});

describe('error wording helpers', () => {
  it('describes token types in words', () => {
    expect(describeExpected([t.LParen, t.AnyIdentifier, t.StringLiteral, t.From, t.TimeUnit])).toEqual([
      "'('",
      'an identifier',
      'a string',
      'FROM',
      'a time unit (MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS)',
    ]);
  });

  it('suggests a keyword for a likely misspelling, and nothing for a short or distant word', () => {
    expect(suggestKeyword('SELCT', ['SELECT', 'SET'])).toBe('SELECT');
    expect(suggestKeyword('form', ['FROM'])).toBe('FROM');
    expect(suggestKeyword('XYZZY', ['FROM'])).toBeUndefined();
    expect(suggestKeyword('AS', ['AT'])).toBeUndefined();
  });
});
