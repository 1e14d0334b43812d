import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../../sql/functions/builtins/json-text.js';
import { Dec } from '../../../sql/types/decimal.js';
import { Types as T } from '../../../sql/types/sql-type.js';
import { evaluate } from './evaluate.js';

const J = { J: T.STRING };
const run = (text: string, json: string | null = null) => evaluate(text, { J: json }, J);

describe('JSON text', () => {
  it('keeps number digits and key order, writes compactly', () => {
    const v = parseJson('{ "b": 1.50, "a": [true, null, "x"], "1": -2e3 }');
    expect(stringifyJson(v!)).toBe('{"b":1.50,"a":[true,null,"x"],"1":-2e3}');
  });

  it('ignores text after the first value and rejects what is not JSON', () => {
    expect(stringifyJson(parseJson('[1] trailing')!)).toBe('[1]');
    for (const bad of ['', 'abc', '{a: 1}', "'x'", '01', '[1,]', '"unterminated']) expect(parseJson(bad), bad).toBeUndefined();
  });
});

describe('EXTRACTJSONFIELD', () => {
  const doc = '{"log": {"cloud": "gcp", "instance": 4, "tags": ["a", {"b": 1.10}]}, "@type": "x", "a b": true}';

  it('extracts a string\'s text, anything else as JSON', () => {
    expect(run("EXTRACTJSONFIELD(j, '$.log.cloud')", doc)).toBe('gcp');
    expect(run("EXTRACTJSONFIELD(j, '$.log.instance')", doc)).toBe('4');
    expect(run("EXTRACTJSONFIELD(j, '$.log.tags[1]')", doc)).toBe('{"b":1.10}');
    expect(run("EXTRACTJSONFIELD(j, '$.log.tags[1].b')", doc)).toBe('1.10');
    expect(run("EXTRACTJSONFIELD(j, '$.@type')", doc)).toBe('x');
    expect(run("EXTRACTJSONFIELD(j, '$[''a b'']')", doc)).toBe('true');
  });

  it('is NULL for missing paths, out-of-range indexes, NULLs and broken JSON', () => {
    expect(run("EXTRACTJSONFIELD(j, '$.log.missing')", doc)).toBeNull();
    expect(run("EXTRACTJSONFIELD(j, '$.log.tags[2]')", doc)).toBeNull();
    expect(run("EXTRACTJSONFIELD(j, '$.log.tags[-1]')", doc)).toBeNull();
    expect(run("EXTRACTJSONFIELD(j, '$.a')", null)).toBeNull();
    expect(run("EXTRACTJSONFIELD(j, '$.a')", '{oops')).toBeNull();
    expect(run("EXTRACTJSONFIELD(j, '$.a')", '{"a": null}')).toBeNull();
  });
});

describe('JSON functions', () => {
  it('IS_JSON_STRING', () => {
    expect(['{}', '[1]', '"s"', '-1.5', 'null'].map((j) => run('IS_JSON_STRING(j)', j))).toEqual([true, true, true, true, true]);
    expect(['', 'nul', '{', "{'a':1}"].map((j) => run('IS_JSON_STRING(j)', j))).toEqual([false, false, false, false]);
    expect(run('IS_JSON_STRING(j)', null)).toBe(false);
  });

  it('JSON_ARRAY_LENGTH and JSON_ARRAY_CONTAINS look at the top-level array', () => {
    expect(run('JSON_ARRAY_LENGTH(j)', '[1, [2, 3], {}]')).toBe(3);
    expect(run('JSON_ARRAY_LENGTH(j)', '{"a": 1}')).toBeNull();
    expect(run('JSON_ARRAY_LENGTH(j)', 'x')).toBeNull();
    expect(run("JSON_ARRAY_CONTAINS(j, 'b')", '["a", "b"]')).toBe(true);
    expect(run('JSON_ARRAY_CONTAINS(j, 2)', '[1, [2]]')).toBe(false);
    expect(run('JSON_ARRAY_CONTAINS(j, 3000000000)', '[3000000000]')).toBe(true);
    expect(run('JSON_ARRAY_CONTAINS(j, 1.5E0)', '[1, 1.5]')).toBe(true);
    expect(run('JSON_ARRAY_CONTAINS(j, true)', '[false, true]')).toBe(true);
    expect(run("JSON_ARRAY_CONTAINS(j, 'a')", '{"a": 1}')).toBe(false);
    expect(run("JSON_ARRAY_CONTAINS(j, 'a')", null)).toBe(false);
  });

  it('JSON_KEYS, JSON_RECORDS and JSON_ITEMS take JSON apart', () => {
    expect(run('JSON_KEYS(j)', '{"z": 1, "a": {"b": 2}}')).toEqual(['z', 'a']);
    expect(run('JSON_KEYS(j)', '[1]')).toBeNull();
    expect(run('JSON_RECORDS(j)', '{"n": 1, "s": "x", "o": {"k": [1]}}')).toEqual(
      new Map([
        ['n', '1'],
        ['s', 'x'],
        ['o', '{"k":[1]}'],
      ]),
    );
    expect(run('JSON_RECORDS(j)', '"str"')).toBeNull();
    expect(run('JSON_ITEMS(j)', '[{"a": 1}, "s", 2]')).toEqual(['{"a":1}', '"s"', '2']);
    expect(run('JSON_ITEMS(j)', '[]')).toEqual([]);
  });

  it('JSON_CONCAT merges objects and concatenates everything else', () => {
    expect(run("JSON_CONCAT(j, '{\"b\": 2, \"a\": 3}')", '{"a": 1, "c": 0}')).toBe('{"a":3,"c":0,"b":2}');
    expect(run("JSON_CONCAT(j, '[2]', '3')", '[1]')).toBe('[1,2,3]');
    expect(run("JSON_CONCAT(j, '{\"a\": 1}')", '"s"')).toBe('["s",{"a":1}]');
    expect(run("JSON_CONCAT(j, 'null')", 'null')).toBe('[null,null]');
    expect(run("JSON_CONCAT(j, 'broken')", '[1]')).toBeNull();
    expect(run("JSON_CONCAT(j, '[1]')", null)).toBeNull();
  });

  it('TO_JSON_STRING writes any value, times in ISO form', () => {
    const schema = {
      V: T.struct([
        { name: 'ID', type: T.BIGINT },
        { name: 'PRICE', type: T.decimal(5, 2) },
        { name: 'AT', type: T.TIMESTAMP },
        { name: 'ON', type: T.DATE },
        { name: 'TAGS', type: T.map(T.STRING, T.array(T.DOUBLE)) },
        { name: 'RAW', type: T.BYTES },
      ]),
    };
    const value = { ID: 7n, PRICE: new Dec('1.5'), AT: 1000, ON: 1, TAGS: new Map([['x', [1, 0.5]]]), RAW: Buffer.from([255]) };
    expect(evaluate('TO_JSON_STRING(v)', { V: value }, schema)).toBe(
      '{"ID":7,"PRICE":1.50,"AT":"1970-01-01T00:00:01.000","ON":"1970-01-02","TAGS":{"x":[1.0,0.5]},"RAW":"/w=="}',
    );
    expect(evaluate("TO_JSON_STRING('a\"b')")).toBe('"a\\"b"');
    expect(evaluate('TO_JSON_STRING(NULL)')).toBe('null');
    expect(evaluate('TO_JSON_STRING(CAST(NULL AS INT))')).toBe('null');
  });
});
