import { describe, expect, it } from 'vitest';
import { SqlParseError } from '../../../sql/parser/errors.js';
import { parseStatements } from '../../../sql/parser/parse.js';
import { splitStatements } from '../../../sql/parser/script.js';
import { SourceText } from '../../../sql/parser/source-text.js';

const texts = (script: string, variables?: Record<string, string>): string[] =>
  parseStatements(script, variables === undefined ? {} : { variables }).map((p) => p.text);

function parseError(script: string, variables?: Record<string, string>): SqlParseError {
  try {
    parseStatements(script, variables === undefined ? {} : { variables });
  } catch (error) {
    if (error instanceof SqlParseError) return error;
    throw error;
  }
  throw new Error('expected a SqlParseError');
}

describe('scripts', () => {
  it('splits at ; outside strings, quoted names and comments, and skips empty statements', () => {
    const script = "SELECT ';' FROM `a;b`; -- c;\n;; /* d; */ SHOW STREAMS; SHOW TABLES";
    expect(splitStatements(new SourceText(script)).map((s) => script.slice(s.start, s.end).trim())).toEqual([
      "SELECT ';' FROM `a;b`",
      '/* d; */ SHOW STREAMS',
      'SHOW TABLES',
    ]);
  });

  it('returns each statement with its text from its first token, terminated by ;', () => {
    const parsed = parseStatements('-- make it\nCREATE STREAM s (a INT)\n  WITH (kafka_topic=\'t\') ;\n\nSELECT * FROM s\n');
    expect(parsed.map((p) => [p.text, p.sourceText, p.loc.line])).toEqual([
      ["CREATE STREAM s (a INT)\n  WITH (kafka_topic='t');", "CREATE STREAM s (a INT)\n  WITH (kafka_topic='t')", 2],
      ['SELECT * FROM s;', 'SELECT * FROM s', 5],
    ]);
  });

  it('accepts keywords in any case and comments anywhere', () => {
    expect(parseStatements('sElEcT /* all */ * fRoM s -- the source\nEmIt ChAnGeS')[0]!.statement).toMatchObject({ kind: 'Query', emit: 'CHANGES' });
  });

  it('reports unterminated strings and comments where they start', () => {
    expect(parseError("SELECT 'abc FROM s")).toMatchObject({ line: 1, column: 8 });
    expect(parseError('SELECT *\nFROM s /* no end')).toMatchObject({ line: 2, column: 8 });
    expect(parseError('SELECT `abc FROM s').message).toMatch(/Unterminated quoted identifier/);
  });
});

describe('variables', () => {
  it('substitutes ${name} in strings, names and numbers, case-insensitively', () => {
    const script = `DEFINE format = 'AVRO'; DEFINE replicas = '3'; DEFINE name = 'Tom Sawyer';
      CREATE STREAM \${streamName} (id INT) WITH (kafka_topic = '\${name}', value_format = '\${FORMAT}', replicas = \${Replicas});`;
    expect(texts(script, { streamName: 's1' }).at(-1)).toBe(
      "CREATE STREAM s1 (id INT) WITH (kafka_topic = 'Tom Sawyer', value_format = 'AVRO', replicas = 3);",
    );
  });

  it('unquotes DEFINE values, so triple quotes give a quoted value', () => {
    const parsed = parseStatements("DEFINE topicName = '''my_topic'''; CREATE STREAM s (a INT) WITH (kafka_topic=${topicName});");
    expect(parsed[0]!.statement).toMatchObject({ kind: 'DefineVariable', name: 'topicName', value: "'my_topic'" });
    expect(parsed[1]!.statement).toMatchObject({ properties: [{ name: 'KAFKA_TOPIC', value: { kind: 'StringLiteral', value: 'my_topic' } }] });
  });

  it('keeps $${name} as a literal ${name} and leaves comments alone', () => {
    expect(texts("DEFINE format = 'AVRO'; SELECT '$${format}' /* ${undefinedInComment} */ FROM s;").at(-1)).toBe(
      "SELECT '${format}' /* ${undefinedInComment} */ FROM s;",
    );
  });

  it('applies DEFINE and UNDEFINE to the statements after them only', () => {
    const error = parseError("DEFINE t = 'x'; SELECT * FROM ${t}; UNDEFINE t; SELECT * FROM ${t};");
    expect(error.message).toMatch(/Undefined variable: \$\{t\} is not defined/);
    expect(error).toMatchObject({ line: 1, column: 63, found: '${t}' });
    expect(() => parseStatements('SELECT * FROM ${t}; DEFINE t = \'x\';')).toThrow(/Undefined variable/);
  });

  it('does not substitute inside DEFINE itself', () => {
    expect(parseStatements("DEFINE a = '${b}';")[0]!.statement).toMatchObject({ value: '${b}' });
  });

  it('reports errors after a substitution at the place in the submitted text', () => {
    const error = parseError('SELECT * FROM ${source} WHERE a = = 1', { source: 'a_rather_long_stream_name' });
    expect(error).toMatchObject({ line: 1, column: 35 });
    expect(error.excerpt).toBe('1 | SELECT * FROM ${source} WHERE a = = 1\n  |                                   ^');
  });
});
