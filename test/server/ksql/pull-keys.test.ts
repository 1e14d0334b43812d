import { describe, expect, it } from 'vitest';
import { formatExpression } from '../../../sql/ast/format-expression.js';
import { parseExpression } from '../../../sql/parser/parse.js';
import { pinnedKeys } from '../../../server/ksql/pull-keys.js';

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
