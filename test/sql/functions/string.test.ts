import { describe, expect, it } from 'vitest';
import { Types as T } from '../../../sql/types/sql-type.js';
import { compile, evaluate } from './evaluate.js';

const S = { S: T.STRING, N: T.INTEGER, B: T.BYTES };
const run = (text: string, row: Record<string, unknown> = {}) => evaluate(text, row, S);

describe('substrings and positions', () => {
  it('SUBSTRING counts from 1, and from the end when negative', () => {
    expect(run("SUBSTRING('kafka streams', 7)")).toBe('streams');
    expect(run("SUBSTRING('kafka streams', 1, 5)")).toBe('kafka');
    expect(run("SUBSTRING('kafka streams', -7, 3)")).toBe('str');
    expect(run("SUBSTRING('abc', 0, 2)")).toBe('ab');
    expect(run("SUBSTRING('abc', 5)")).toBe('');
    expect(run("SUBSTRING('abc', -10, 2)")).toBe('ab');
    expect(run("SUBSTRING('abc', 2, -1)")).toBe('');
    expect(run('SUBSTRING(s, 2)', { S: null })).toBeNull();
    expect(run('SUBSTRING(b, 2, 2)', { B: Buffer.from([1, 2, 3, 4]) })).toEqual(Buffer.from([2, 3]));
  });

  it('INSTR finds occurrences forwards and backwards, 0 when absent', () => {
    const text = "'banana bandana'";
    expect(run(`INSTR(${text}, 'an')`)).toBe(2);
    expect(run(`INSTR(${text}, 'an', 3)`)).toBe(4);
    expect(run(`INSTR(${text}, 'an', 1, 3)`)).toBe(9);
    expect(run(`INSTR(${text}, 'an', -1)`)).toBe(12);
    expect(run(`INSTR(${text}, 'an', -1, 2)`)).toBe(9);
    expect(run(`INSTR(${text}, 'xyz')`)).toBe(0);
    expect(run("INSTR(s, 'a')", { S: null })).toBe(0);
  });

  it('LEN counts characters, or bytes', () => {
    expect(run("LEN('héllo')")).toBe(5);
    expect(run('LEN(b)', { B: Buffer.from('héllo') })).toBe(6);
    expect(run('LEN(s)', { S: null })).toBeNull();
  });
});

describe('case, trimming and padding', () => {
  it('changes case', () => {
    expect(run("UCASE('Stream')")).toBe('STREAM');
    expect(run("LCASE('Stream')")).toBe('stream');
    expect(run("INITCAP('the QUICK\tbrown  fox')")).toBe('The Quick\tBrown  Fox');
    expect(run("INITCAP('  leading space')")).toBe('Leading Space');
  });

  it('trims whitespace and control characters like Java\'s trim', () => {
    expect(run('TRIM(s)', { S: '\t\n  x y \u0001' })).toBe('x y');
    expect(run('LTRIM(s)', { S: '  x  ' })).toBe('x  ');
    expect(run('RTRIM(s)', { S: '  x  ' })).toBe('  x');
  });

  it('pads on either side, truncating long input, NULL for empty padding', () => {
    expect(run("LPAD('7', 4, '0')")).toBe('0007');
    expect(run("LPAD('ab', 7, 'xyz')")).toBe('xyzxyab');
    expect(run("RPAD('ab', 7, 'xyz')")).toBe('abxyzxy');
    expect(run("LPAD('abcdef', 3, '*')")).toBe('abc');
    expect(run("RPAD('', 3, 'ab')")).toBe('aba');
    expect(run("LPAD('a', 3, '')")).toBeNull();
    expect(run("LPAD('a', -1, '-')")).toBeNull();
    expect(run('RPAD(b, 5, b)', { B: Buffer.from('hi') })).toEqual(Buffer.from('hihih'));
  });
});

describe('concatenation, splitting and replacing', () => {
  it('CONCAT skips NULLs; CONCAT_WS skips them and needs a separator', () => {
    expect(run("CONCAT('a', s, 'b', 'c')", { S: null })).toBe('abc');
    expect(run('CONCAT(s)', { S: null })).toBe('');
    expect(run("CONCAT_WS('-', 'a', s, 'b')", { S: null })).toBe('a-b');
    expect(run("CONCAT_WS(s, 'a', 'b')", { S: null })).toBeNull();
    expect(run('CONCAT(b, b)', { B: Buffer.from([1]) })).toEqual(Buffer.from([1, 1]));
  });

  it('SPLIT keeps empty parts and splits into characters on an empty delimiter', () => {
    expect(run("SPLIT(',a,,b,', ',')")).toEqual(['', 'a', '', 'b', '']);
    expect(run("SPLIT('abc', '')")).toEqual(['a', 'b', 'c']);
    expect(run("SPLIT('abc', 'x')")).toEqual(['abc']);
    expect(run('SPLIT(b, b)', { B: Buffer.from([]) })).toEqual([]);
  });

  it('SPLIT_TO_MAP makes a map, later keys winning, skipping entries without a value', () => {
    expect(run("SPLIT_TO_MAP('a=1;b=2;a=3;junk;;', ';', '=')")).toEqual(new Map([['a', '3'], ['b', '2']]));
    expect(run("SPLIT_TO_MAP('k=v=w', ';', '=')")).toEqual(new Map([['k', 'v']]));
    expect(run("SPLIT_TO_MAP('a=1', '', '=')")).toBeNull();
    expect(run("SPLIT_TO_MAP(s, ';', '=')", { S: null })).toBeNull();
  });

  it('REPLACE replaces every occurrence literally', () => {
    expect(run("REPLACE('a.b.c', '.', '::')")).toBe('a::b::c');
    expect(run("REPLACE('ab', '', '-')")).toBe('-a-b-');
    expect(run("REPLACE('abc', s, 'x')", { S: null })).toBeNull();
  });

  it('ELT picks an argument and FIELD finds one', () => {
    expect(run("ELT(2, 'x', 'y', 'z')")).toBe('y');
    expect(run("ELT(0, 'x')")).toBeNull();
    expect(run("ELT(3, 'x', 'y')")).toBeNull();
    expect(run("FIELD('z', 'x', 'y', 'z')")).toBe(3);
    expect(run("FIELD(s, 'x', NULL)", { S: null })).toBe(0);
    expect(run("ELT(FIELD('y', 'x', 'y'), 'x', 'y')")).toBe('y');
  });
});

describe('masking', () => {
  it('masks character classes with defaults or given characters', () => {
    expect(run("MASK('Ab1-Cd2')")).toBe('Xxn-Xxn');
    expect(run("MASK('Ab1-Cd2', '#', NULL, '9', NULL)")).toBe('#b9-#d9');
    expect(run("MASK_LEFT('Ab1-Cd2', 3)")).toBe('Xxn-Cd2');
    expect(run("MASK_RIGHT('Ab1-Cd2', 3)")).toBe('Ab1-Xxn');
    expect(run("MASK_KEEP_LEFT('Ab1-Cd2', 3)")).toBe('Ab1-Xxn');
    expect(run("MASK_KEEP_RIGHT('Ab1-Cd2', 10)")).toBe('Ab1-Cd2');
    expect(run("MASK_LEFT('Ab1', n)", { N: -1 })).toBeNull();
  });
});

describe('characters, encodings and hashes', () => {
  it('CHR builds a character from a code point or an escape', () => {
    expect(run('CHR(n)', { N: 0x263a })).toBe('☺');
    expect(run('CHR(n)', { N: 0x1f600 })).toBe('😀');
    expect(run("CHR('\\u0041')")).toBe('A');
    expect(run("CHR('\\ud83d\\ude00')")).toBe('😀');
    expect(run("CHR('41')")).toBeNull();
    expect(run('CHR(n)', { N: -5 })).toBeNull();
    expect(run('CHR(n)', { N: 0x110000 })).toBeNull();
  });

  it('ENCODE converts between hex, utf8, ascii and base64', () => {
    expect(run("ENCODE('6869', 'hex', 'utf8')")).toBe('hi');
    expect(run("ENCODE('0x686', 'hex', 'base64')")).toBe('BoY=');
    expect(run("ENCODE('686', 'hex', 'utf8')")).toBeNull();
    expect(run("ENCODE('X''6869''', 'hex', 'ascii')")).toBe('hi');
    expect(run("ENCODE('héllo', 'ascii', 'hex')")).toBe('683f6c6c6f');
    expect(run("ENCODE('aOk=', 'base64', 'ascii')")).toBe('h\ufffd');
    expect(run("ENCODE('hi', 'utf8', 'ebcdic')")).toBeNull();
  });

  it('TO_BYTES and FROM_BYTES round-trip, with upper-case hex out', () => {
    expect(run("FROM_BYTES(TO_BYTES('0aff', 'hex'), 'hex')")).toBe('0AFF');
    expect(run("TO_BYTES('hi', 'base64')")).toEqual(Buffer.from('hi', 'base64'));
    expect(run("FROM_BYTES(TO_BYTES('Grüße', 'utf8'), 'utf8')")).toBe('Grüße');
    expect(run("TO_BYTES('abc', 'hex')")).toBeNull();
  });

  it('reads numbers from bytes in either byte order', () => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(-2n);
    expect(run('BIGINT_FROM_BYTES(b)', { B: b })).toBe(-2n);
    expect(run("INT_FROM_BYTES(b, 'LITTLE_ENDIAN')", { B: Buffer.from([1, 0, 0, 0]) })).toBe(1);
    expect(run('INT_FROM_BYTES(b)', { B: Buffer.from([1, 0]) })).toBeNull();
    expect(run("DOUBLE_FROM_BYTES(b, 'MIDDLE_ENDIAN')", { B: b })).toBeNull();
  });

  it('MD5 is lower-case hex of the UTF-8 bytes; UUID is random or read from 16 bytes', () => {
    expect(run("MD5('')")).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(run("MD5('abc')")).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(run('UUID()')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(run('UUID(b)', { B: Buffer.from('00112233445566778899aabbccddeeff', 'hex') })).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });
});

describe('regular expressions', () => {
  it('extracts a match or a group, NULL without one', () => {
    expect(run("REGEXP_EXTRACT('[0-9]+', 'order 66 of 100')")).toBe('66');
    expect(run("REGEXP_EXTRACT('(\\w+)@(\\w+)', 'mail bob@example now', 2)")).toBe('example');
    expect(run("REGEXP_EXTRACT('z+', 'abc')")).toBeNull();
    expect(run("REGEXP_EXTRACT('(a)', 'abc', 3)")).toBeNull();
  });

  it('extracts every match', () => {
    expect(run("REGEXP_EXTRACT_ALL('\\d', 'a1b22')")).toEqual(['1', '2', '2']);
    expect(run("REGEXP_EXTRACT_ALL('(\\w)(\\d)', 'a1 b2 c', 1)")).toEqual(['a', 'b']);
    expect(run("REGEXP_EXTRACT_ALL('x*', 'ab')")).toEqual(['', '', '']);
  });

  it('replaces with Java replacement syntax', () => {
    expect(run("REGEXP_REPLACE('2024-05-06', '(\\d+)-(\\d+)-(\\d+)', '$3/$2/$1')")).toBe('06/05/2024');
    expect(run("REGEXP_REPLACE('cost 5', '\\d', '\\$')")).toBe('cost $');
    expect(run("REGEXP_REPLACE('Hello', '(?i)h', 'J')")).toBe('Jello');
  });

  it('splits around matches, keeping empty parts', () => {
    expect(run("REGEXP_SPLIT_TO_ARRAY('a1b22c3', '\\d+')")).toEqual(['a', 'b', 'c', '']);
    expect(run("REGEXP_SPLIT_TO_ARRAY('abc', 'x')")).toEqual(['abc']);
    expect(run("REGEXP_SPLIT_TO_ARRAY('ab', '')")).toEqual(['a', 'b']);
  });

  it('understands Java-only syntax', () => {
    expect(run("REGEXP_EXTRACT('\\p{Alpha}+', '12abc34')")).toBe('abc');
    expect(run("REGEXP_EXTRACT('\\Aab', 'abab')")).toBe('ab');
    expect(run("REGEXP_EXTRACT('a++b', 'aaab')")).toBe('aaab');
  });

  it('fails on a broken pattern', () => {
    expect(compile("REGEXP_EXTRACT('(', 'x')").run({}, [])).toBeNull();
  });
});
