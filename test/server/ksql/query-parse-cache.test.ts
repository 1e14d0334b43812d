import { describe, expect, it, vi } from 'vitest';
import type { Query } from '../../../sql/ast/statements.js';
import { parseStatements } from '../../../sql/parser/parse.js';
import { QueryParseCache } from '../../../server/ksql/query-parse-cache.js';
import { sqlLexer } from '../../../sql/parser/tokens.js';

/** A statement without source positions, to compare trees. */
function tree(sql: string, cache?: QueryParseCache): unknown {
  const [parsed] = cache ? cache.parse(sql) : parseStatements(sql);
  return JSON.parse(JSON.stringify(parsed!.statement, (k, v: unknown) => (k === 'loc' ? undefined : typeof v === 'bigint' ? `${v}n` : v)));
}

describe('the SELECT parse cache', () => {
  it('gives a statement of a known shape its own literals, as the parser would', () => {
    const cache = new QueryParseCache();
    const shape = (id: string, n: string) => `SELECT v, 'x' AS c FROM t WHERE id = ${id} AND n > ${n} LIMIT 5;`;
    cache.parse(shape("'k1'", '10'));
    for (const [id, n] of [["'k2'", '20'], ["'it''s'", '3000000000'], ["''", '0']]) {
      expect(tree(shape(id!, n!), cache)).toEqual(tree(shape(id!, n!)));
    }
  });

  it("puts the statement's own text on a cached parse", () => {
    const cache = new QueryParseCache();
    cache.parse("SELECT * FROM t WHERE id = 'a';");
    const [parsed] = cache.parse("SELECT * FROM t WHERE id = 'b';");
    expect(parsed!.text).toBe("SELECT * FROM t WHERE id = 'b';");
    expect(((parsed!.statement as Query).where as { right: { value: string } }).right.value).toBe('b');
  });

  it('parses anything else as usual, errors included', () => {
    const cache = new QueryParseCache();
    expect(() => cache.parse('SELEC * FROM t;')).toThrow(/line 1:1/);
    expect(cache.parse("CREATE STREAM s (a INT) WITH (kafka_topic='s', value_format='json');")[0]!.statement.kind).toBe('CreateSource');
    cache.parse('SELECT * FROM t WHERE d = 1.5;');
    expect(tree('SELECT * FROM t WHERE d = 2.5;', cache)).toEqual(tree('SELECT * FROM t WHERE d = 2.5;'));
  });

  it('gives a statement the shape the lexer gives it, also when its masked text was seen before', () => {
    const cache = new QueryParseCache();
    const pairs = [
      ["SELECT * FROM t WHERE id = 'a';", "SELECT * FROM t WHERE id = 'it''s ''quoted''';"],
      ['SELECT v, 10 AS ten FROM t WHERE id = 1 AND n IN (2, 3) LIMIT 5;', 'SELECT v, 11 AS ten FROM t WHERE id = 99999999999 AND n IN (0, 123) LIMIT 6;'],
      ["SELECT `a'1`, \"b\"\"2\" FROM t WHERE id = 'x';", "SELECT `a'1`, \"b\"\"2\" FROM t WHERE id = 'y';"],
      ['SELECT k1, t.c2 FROM t1 WHERE d = 1.5 AND e = 1e5 AND f = 2;', 'SELECT k1, t.c2 FROM t1 WHERE d = 1.5 AND e = 1e5 AND f = 3;'],
      ["SELECT * FROM t WHERE id = 'a'||'b' AND n = -5;", "SELECT * FROM t WHERE id = ''||'c' AND n = -6;"],
      ["SELECT * FROM t WHERE id = 'a'; -- 'comment' 5", "SELECT * FROM t WHERE id = 'b'; -- 'comment' 5"],
      ["SELECT * FROM t /* 'x' */ WHERE id = 'a';", "SELECT * FROM t /* 'x' */ WHERE id = 'b';"],
    ];
    for (const [first, second] of pairs) {
      expect(cache.shape(first!)).toEqual(new QueryParseCache().shape(first!));
      expect(cache.shape(second!)).toEqual(new QueryParseCache().shape(second!));
    }
    // A statement whose masked text was seen is not lexed again.
    const lexer = vi.spyOn(sqlLexer, 'tokenize');
    cache.shape("SELECT * FROM t WHERE id = 'it''s' AND n = 41;");
    const { key, literals } = cache.shape("SELECT * FROM t WHERE id = 'it''s' AND n = 42;")!;
    expect(lexer).toHaveBeenCalledTimes(1);
    lexer.mockRestore();
    expect(key).toBe("SELECT * FROM t WHERE id = '?' AND n = ? ; ");
    expect(literals).toEqual([
      { image: "'it''s'", kind: 'string' },
      { image: '42', kind: 'integer' },
    ]);
  });

  it('has no shape for other statements and text that does not lex', () => {
    const cache = new QueryParseCache();
    expect(cache.shape("INSERT INTO t (id) VALUES ('a');")).toBeUndefined();
    expect(cache.shape("SELECT * FROM t WHERE id = 'open;")).toBeUndefined();
    expect(cache.shape('SELECT # FROM t;')).toBeUndefined();
  });
});
