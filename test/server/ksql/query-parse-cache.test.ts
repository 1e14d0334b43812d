import { describe, expect, it } from 'vitest';
import type { Query } from '../../../sql/ast/statements.js';
import { parseStatements } from '../../../sql/parser/parse.js';
import { QueryParseCache } from '../../../server/ksql/query-parse-cache.js';

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
});
