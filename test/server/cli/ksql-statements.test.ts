/** The CLI's statement splitter and classifier: where a statement ends, and who runs it. */
import { describe, expect, it } from 'vitest';
import { classify, hasContent, isOpen, scriptStatements, splitStatements, StatementBuffer, substitute } from '../../../server/cli/ksql/statements.js';

describe('splitStatements', () => {
  it('splits at semicolons and keeps the incomplete rest', () => {
    expect(splitStatements('SHOW STREAMS; SHOW TABLES;\nSELECT * FROM t')).toEqual({ statements: ['SHOW STREAMS;', 'SHOW TABLES;'], rest: '\nSELECT * FROM t' });
  });

  it("ignores a ';' inside a string, with '' as a quote in it", () => {
    const sql = "INSERT INTO s (v) VALUES ('a;b''c;'); SELECT 'x';";
    expect(splitStatements(sql).statements).toEqual(["INSERT INTO s (v) VALUES ('a;b''c;');", "SELECT 'x';"]);
  });

  it("ignores a ';' inside backtick and double-quoted identifiers", () => {
    expect(splitStatements('SELECT `a;b`, "c;d" FROM t; X;').statements).toEqual(['SELECT `a;b`, "c;d" FROM t;', 'X;']);
  });

  it("ignores a ';' inside -- and /* */ comments", () => {
    const sql = 'SHOW -- not here; \n STREAMS /* nor; here */;';
    expect(splitStatements(sql).statements).toEqual(['SHOW -- not here; \n STREAMS /* nor; here */;']);
  });

  it('skips empty statements and comment-only ones', () => {
    expect(splitStatements(';;  -- c\n;SHOW TOPICS;').statements).toEqual(['SHOW TOPICS;']);
  });

  it('tells an open string or comment at the end of the input', () => {
    expect(isOpen("SELECT 'abc")).toBe(true);
    expect(isOpen('SELECT /* abc')).toBe(true);
    expect(isOpen("SELECT 'abc'")).toBe(false);
    expect(isOpen('SELECT -- abc')).toBe(false);
    expect(hasContent('  -- c\n /* d */ ; ')).toBe(false);
    expect(hasContent('x')).toBe(true);
  });

  it('a script ends its last statement even without a semicolon', () => {
    expect(scriptStatements('SHOW STREAMS;\nSHOW TABLES\n-- done\n')).toEqual(['SHOW STREAMS;', 'SHOW TABLES\n-- done;']);
    expect(scriptStatements('SHOW STREAMS; -- only a comment')).toEqual(['SHOW STREAMS;']);
  });
});

describe('StatementBuffer', () => {
  it('collects lines until the statement ends', () => {
    const buffer = new StatementBuffer();
    expect(buffer.push('SELECT *')).toEqual([]);
    expect(buffer.pending).toBe(true);
    expect(buffer.push('  FROM t')).toEqual([]);
    expect(buffer.push('  EMIT CHANGES; SHOW')).toEqual(['SELECT *\n  FROM t\n  EMIT CHANGES;']);
    expect(buffer.pending).toBe(true);
    expect(buffer.push('STREAMS;')).toEqual(['SHOW\nSTREAMS;']);
    expect(buffer.pending).toBe(false);
  });

  it('keeps a string that spans lines open, with its newline', () => {
    const buffer = new StatementBuffer();
    expect(buffer.push("INSERT INTO s (v) VALUES ('one;")).toEqual([]);
    expect(buffer.push("two');")).toEqual(["INSERT INTO s (v) VALUES ('one;\ntwo');"]);
  });

  it('is not pending after blank lines or a line comment', () => {
    const buffer = new StatementBuffer();
    buffer.push('');
    buffer.push('-- just a note');
    expect(buffer.pending).toBe(false);
    buffer.push('/* open');
    expect(buffer.pending).toBe(true);
    expect(buffer.clear()).toBe('/* open');
    expect(buffer.pending).toBe(false);
  });
});

describe('classify', () => {
  it('knows the statements the CLI runs itself', () => {
    expect(classify("SET 'auto.offset.reset' = 'earliest';")).toEqual({ kind: 'set', property: 'auto.offset.reset', value: 'earliest' });
    expect(classify("set 'p'='it''s';")).toEqual({ kind: 'set', property: 'p', value: "it's" });
    expect(classify("UNSET 'auto.offset.reset';")).toEqual({ kind: 'unset', property: 'auto.offset.reset' });
    expect(classify("DEFINE topic = 'orders';")).toEqual({ kind: 'define', name: 'topic', value: 'orders' });
    expect(classify('UNDEFINE topic;')).toEqual({ kind: 'undefine', name: 'topic' });
    expect(classify("-- setup\nRUN SCRIPT '/tmp/a b.sql';")).toEqual({ kind: 'run-script', path: '/tmp/a b.sql' });
  });

  it('tells pull from push queries, not fooled by strings and comments', () => {
    expect(classify('SELECT * FROM t;')).toEqual({ kind: 'query', push: false });
    expect(classify('select * from s emit changes limit 3;')).toEqual({ kind: 'query', push: true });
    expect(classify("/* c */ SELECT * FROM s WHERE v = 'EMIT CHANGES';")).toEqual({ kind: 'query', push: false });
    expect(classify('SELECT * FROM t -- EMIT CHANGES\n;')).toEqual({ kind: 'query', push: false });
    expect(classify('SELECT * FROM t WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY k EMIT FINAL;')).toEqual({ kind: 'query', push: true });
  });

  it('sends everything else to the server, SHOW PROPERTIES and SET-like mistakes included', () => {
    expect(classify('SHOW PROPERTIES;')).toEqual({ kind: 'statement' });
    expect(classify("CREATE STREAM s (v STRING) WITH (kafka_topic='SELECT');")).toEqual({ kind: 'statement' });
    expect(classify('SET auto.offset.reset = earliest;')).toEqual({ kind: 'statement' });
    expect(classify("PRINT 'orders' FROM BEGINNING;")).toEqual({ kind: 'print' });
  });
});

describe('substitute', () => {
  it('replaces ${name} ignoring case and leaves unknown names', () => {
    expect(substitute("RUN SCRIPT '${Dir}/x.sql' ${other}", { DIR: '/tmp' })).toBe("RUN SCRIPT '/tmp/x.sql' ${other}");
  });
});
