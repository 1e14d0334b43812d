import { describe, expect, it } from 'vitest';
import { Types as T } from '../../../sql/types/sql-type.js';
import { compile, evaluate } from './evaluate.js';

const SCHEMA = { I: T.INTEGER, L: T.BIGINT, S: T.STRING, A: T.array(T.INTEGER), U: T.STRING };
const run = (text: string, row: Record<string, unknown> = {}) => evaluate(text, row, SCHEMA);

describe('NULL functions', () => {
  it('COALESCE and IFNULL pick the first non-NULL value', () => {
    expect(run('COALESCE(i, 2, 3)', { I: null })).toBe(2);
    expect(run('COALESCE(i, CAST(NULL AS INT))', { I: null })).toBeNull();
    expect(run('IFNULL(s, \'default\')', { S: null })).toBe('default');
    expect(run('IFNULL(s, \'default\')', { S: 'set' })).toBe('set');
    expect(run('COALESCE(a, ARRAY[0])', { A: null })).toEqual([0]);
  });

  it('widens numeric arguments to one type', () => {
    const c = compile('COALESCE(i, l)', { schema: SCHEMA });
    expect(c.type).toEqual(T.BIGINT);
    expect(c.run({ I: 4, L: 9n }, [])).toBe(4n);
  });

  it('NULLIF gives NULL for equal arguments', () => {
    expect(run('NULLIF(i, 0)', { I: 0 })).toBeNull();
    expect(run('NULLIF(i, 0)', { I: 5 })).toBe(5);
    expect(run('NULLIF(a, ARRAY[1])', { A: [1] })).toBeNull();
  });

  it('AS_VALUE passes its argument through', () => {
    expect(run('AS_VALUE(i)', { I: 3 })).toBe(3);
    expect(compile('AS_VALUE(s)', { schema: SCHEMA }).type).toEqual(T.STRING);
  });
});

describe('GEO_DISTANCE', () => {
  it('measures great circles in km or miles', () => {
    // Paris to Berlin, about 878 km.
    expect(run('GEO_DISTANCE(48.8566, 2.3522, 52.52, 13.405)') as number).toBeCloseTo(877.46, 1);
    expect(run("GEO_DISTANCE(48.8566, 2.3522, 52.52, 13.405, 'Miles')") as number).toBeCloseTo(545.3, 1);
    expect(run('GEO_DISTANCE(0, 0, 0, 0)')).toBe(0);
    expect(run('GEO_DISTANCE(i, 0, 1, 1)', { I: null })).toBeNull();
  });

  it('accepts integers for the coordinates and fails on invalid input', () => {
    expect(compile('GEO_DISTANCE(i, 0, 51, 0)', { schema: SCHEMA }).type).toEqual(T.DOUBLE);
    expect(run('GEO_DISTANCE(91, 0, 0, 0)')).toBeNull();
    expect(run("GEO_DISTANCE(0, 0, 0, 0, 'parsecs')")).toBeNull();
    expect(() => compile("GEO_DISTANCE(0, 0, 'x', 0)")).toThrow("Function 'geo_distance' does not accept parameters");
  });
});

describe('URL functions', () => {
  const url = 'https://user@shop.example.com:8443/a%20b/c?q=red%20shoes&size=9&flag#top%20part';

  it('extracts decoded parts', () => {
    expect(run('URL_EXTRACT_PROTOCOL(u)', { U: url })).toBe('https');
    expect(run('URL_EXTRACT_HOST(u)', { U: url })).toBe('shop.example.com');
    expect(run('URL_EXTRACT_PORT(u)', { U: url })).toBe(8443);
    expect(run('URL_EXTRACT_PATH(u)', { U: url })).toBe('/a b/c');
    expect(run('URL_EXTRACT_QUERY(u)', { U: url })).toBe('q=red shoes&size=9&flag');
    expect(run('URL_EXTRACT_FRAGMENT(u)', { U: url })).toBe('top part');
  });

  it('extracts parameters, empty for one without a value', () => {
    expect(run("URL_EXTRACT_PARAMETER(u, 'q')", { U: url })).toBe('red shoes');
    expect(run("URL_EXTRACT_PARAMETER(u, 'flag')", { U: url })).toBe('');
    expect(run("URL_EXTRACT_PARAMETER(u, 'nope')", { U: url })).toBeNull();
  });

  it('is NULL for parts that are absent and for text that is not a URI', () => {
    expect(run('URL_EXTRACT_PORT(u)', { U: 'http://example.com/' })).toBeNull();
    expect(run('URL_EXTRACT_QUERY(u)', { U: 'http://example.com/' })).toBeNull();
    expect(run('URL_EXTRACT_PATH(u)', { U: 'http://example.com' })).toBe('');
    expect(run('URL_EXTRACT_HOST(u)', { U: 'not a url' })).toBeNull();
    expect(run('URL_EXTRACT_HOST(u)', { U: 'http://bad%zzencoding' })).toBeNull();
  });

  it('encodes and decodes query parameters as forms do', () => {
    expect(run("URL_ENCODE_PARAM('a b&c=d/é*')")).toBe('a+b%26c%3Dd%2F%C3%A9*');
    expect(run("URL_DECODE_PARAM('a+b%26c%3Dd')")).toBe('a b&c=d');
    expect(run("URL_DECODE_PARAM('%zz')")).toBeNull();
  });
});
