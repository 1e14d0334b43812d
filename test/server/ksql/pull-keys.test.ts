import { describe, expect, it } from 'vitest';
import { formatExpression } from '../../../sql/ast/format-expression.js';
import { parseExpression } from '../../../sql/parser/parse.js';
import { checkKeyLookupOnly, pinnedKeys } from '../../../server/ksql/pull-keys.js';

function keys(where: string, keyColumns: string[] = ['ID'], sources: string[] = ['T']): string[][] | undefined {
  return pinnedKeys(parseExpression(where), keyColumns, sources)?.map((row) => row.map((e) => formatExpression(e)));
}

describe('pull query key lookups', () => {
  it('finds keys pinned by = and IN, on either side, with other conditions AND-ed', () => {
    expect(keys("ID = 'a'")).toEqual([["'a'"]]);
    expect(keys("'a' = ID AND V > 3")).toEqual([["'a'"]]);
    expect(keys('T.ID IN (1, 2, -3)')).toEqual([['1'], ['2'], ['-3']]);
  });

  it('takes every combination of a multi-column key', () => {
    expect(keys("A IN (1, 2) AND B = 'x'", ['A', 'B'])).toEqual([
      ['1', "'x'"],
      ['2', "'x'"],
    ]);
  });

  it('scans when a key column is not pinned to constants', () => {
    expect(keys("A = 1", ['A', 'B'])).toBeUndefined();
    expect(keys("ID = 'a' OR ID = 'b'")).toBeUndefined();
    expect(keys('ID > 1')).toBeUndefined();
    expect(keys('ID NOT IN (1)')).toBeUndefined();
    expect(keys('ID = V')).toBeUndefined();
    expect(keys("OTHER.ID = 'a'")).toBeUndefined();
    expect(pinnedKeys(undefined, ['ID'], ['T'])).toBeUndefined();
  });
});

describe('key lookups only (table scans turned off)', () => {
  const check = (where: string, keys: string[] = ['ID']) => () =>
    checkKeyLookupOnly(parseExpression(where), keys.map((k) => ({ name: k, text: `\`${k}\` STRING KEY` })), (e) => formatExpression(e));

  it('accepts = and IN on every key column, OR-ed, with other conditions', () => {
    expect(check("ID = '1'")).not.toThrow();
    expect(check("ID IN ('1', '2') OR ID = '3'")).not.toThrow();
    expect(check("A = 1 AND B = 2 AND V > 3", ['A', 'B'])).not.toThrow();
  });

  it("rejects what is not a key lookup with ksqlDB's messages", () => {
    expect(check("ID <> '1'")).toThrow("Bound on key columns '[`ID` STRING KEY]' must currently be '='.");
    expect(check("'0' < ID AND ID < '9'")).toThrow('cannot be combined with other comparisons');
    expect(check('ID = 1 AND ID IN (1, 2)')).toThrow('cannot be combined with other comparisons');
    expect(check('ID + 10 = 20')).toThrow('A comparison must directly reference a key column.');
    expect(check('ID = V')).toThrow('A comparison must be between a key column and a resolvable expression.');
    expect(check('ID IN (1, V + 1)')).toThrow('A comparison must be between a key column and a resolvable expression.');
    expect(check('V = 100')).toThrow('WHERE clause missing key column for disjunct: (V = 100)');
    expect(check('A = 1', ['A', 'B'])).toThrow('Multi-column sources must specify every key in the WHERE clause');
    expect(() => checkKeyLookupOnly(undefined, [{ name: 'ID', text: '`ID` STRING KEY' }], formatExpression)).toThrow('WHERE clause on its key');
  });
});
