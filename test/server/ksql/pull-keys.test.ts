import { describe, expect, it } from 'vitest';
import { formatExpression } from '../../../sql/ast/format-expression.js';
import { parseExpression } from '../../../sql/parser/parse.js';
import { checkKeyLiterals, checkKeyLookupOnly, pinnedKeys } from '../../../server/ksql/pull-keys.js';
import { Types } from '../../../sql/types/sql-type.js';

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

describe('pull query key literals', () => {
  const check = (where: string) => () => checkKeyLiterals(parseExpression(where), [{ name: 'ID', type: Types.INTEGER }], ['T'], (e) => formatExpression(e));

  it('rejects a key compared with NULL, as ksqlDB does', () => {
    expect(check('ID = NULL')).toThrow("Error in WHERE expression: Comparison with NULL not supported: INTEGER = NULL\nUse 'IS NULL' or 'IS NOT NULL' instead.");
    expect(check('ID IN (1, NULL)')).toThrow('Primary key columns can not be NULL: (ID = null)');
  });

  it('rejects a key compared with a literal of a type it does not compare with', () => {
    expect(check("ID = '10'")).toThrow("Error in WHERE expression: Cannot compare ID (INTEGER) to '10' (STRING) with EQUAL.");
    expect(check("'10' = T.ID AND V > 1")).toThrow("Error in WHERE expression: Cannot compare '10' (STRING) to ID (INTEGER) with EQUAL.");
    expect(check("ID IN ('10', 8)")).toThrow("'10' can not be converted to the type of the key column: ID INTEGER KEY");
  });

  it('lets numbers of any width, other columns and non-literals through', () => {
    expect(check('ID = 10 AND ID IN (1, 2)')).not.toThrow();
    expect(check('ID = 10000000000')).not.toThrow();
    expect(check("V = '10' AND ID = 1")).not.toThrow();
    expect(check("ID = CAST('10' AS INT)")).not.toThrow();
    expect(check("OTHER.ID = '10'")).not.toThrow();
  });
});
