/**
 * Regular expression functions. Patterns are Java's (java.util.regex), translated to
 * JavaScript's where the two differ in syntax users write: leading inline flags `(?i)`, `(?s)`,
 * `(?m)`; `\A`, `\z`, `\Z`; POSIX classes such as `\p{Alpha}`; possessive quantifiers and atomic
 * groups (run as their greedy, non-atomic forms). Replacement strings use Java's `$1`, `${name}`
 * and backslash escapes. Compiled patterns are cached.
 */
import { FunctionCategory, type UdfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { fail, LruCache, param, strictSig, udf } from './helpers.js';

const REGEX = FunctionCategory.REGULAR_EXPRESSION;

const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

/** Java regex source to a JavaScript RegExp (global, so it can be scanned). */
export function compileJavaRegex(pattern: string): RegExp {
  let source = pattern;
  let flags = 'g';
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === 'i' || f === 's' || f === 'm') flags += flags.includes(f) ? '' : f;
      else if (f !== 'u' && f !== 'd') fail(`Unsupported regular expression flag (?${f}) in '${pattern}'.`);
    }
    source = source.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  let unicode = false;
  // Whether the last thing written was a quantifier, so a `+` after it makes it possessive.
  let quantified = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) fail(`Unexpected end of regular expression '${pattern}'.`);
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?=\\n?(?![\\s\\S]))';
      else if ((n === 'p' || n === 'P') && source[i + 2] === '{') {
        const close = source.indexOf('}', i + 3);
        const name = source.slice(i + 3, close).replace(/^Is/, '');
        const posix = POSIX[name];
        if (posix !== undefined) {
          out += inClass ? posix : n === 'p' ? `[${posix}]` : `[^${posix}]`;
        } else {
          out += source.slice(i, close + 1);
          unicode = true;
        }
        i = close;
        quantified = false;
        continue;
      } else out += `\\${n}`;
      i++;
      quantified = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      quantified = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') out += source[++i];
      if (source[i + 1] === ']') out += `\\${source[++i]}`;
      continue;
    }
    if (c === '(' && source.startsWith('(?>', i)) {
      out += '(?:';
      i += 2;
      continue;
    }
    if (c === '+' && quantified) {
      quantified = false;
      continue;
    }
    out += c;
    quantified = c === '*' || c === '+' || c === '?' || (c === '}' && /\{\d+(,\d*)?\}$/.test(out));
  }
  try {
    return new RegExp(out, unicode ? `${flags}u` : flags);
  } catch (e) {
    return fail(`Invalid regular expression '${pattern}': ${(e as Error).message}`, e);
  }
}

const cache = new LruCache<RegExp>();

function regex(pattern: string): RegExp {
  const r = cache.get(pattern, compileJavaRegex);
  r.lastIndex = 0;
  return r;
}

/** Every match, advancing past empty ones as Java's Matcher.find does. */
function* matches(r: RegExp, input: string): Generator<RegExpExecArray> {
  r.lastIndex = 0;
  for (let m = r.exec(input); m !== null; m = r.exec(input)) {
    yield m;
    if (m[0] === '') r.lastIndex++;
  }
}

function group(m: RegExpExecArray, n: number, pattern: string): string | null {
  if (n < 0 || n >= m.length) fail(`No group ${n} in regular expression '${pattern}'.`);
  return m[n] ?? null;
}

/** A Java replacement string (`$1`, `${name}`, `\$`) applied to one match. */
function javaReplacement(replacement: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\') {
      out += replacement[++i] ?? '';
    } else if (c === '$') {
      if (replacement[i + 1] === '{') {
        const close = replacement.indexOf('}', i);
        const name = replacement.slice(i + 2, close);
        if (!m.groups || !(name in m.groups)) fail(`No group with name {${name}}`);
        out += m.groups[name] ?? '';
        i = close;
      } else {
        let j = i + 1;
        if (!/\d/.test(replacement[j] ?? '')) fail(`Illegal group reference in replacement '${replacement}'.`);
        let n = Number(replacement[j]);
        // Java takes more digits while they still name a group.
        while (/\d/.test(replacement[j + 1] ?? '') && n * 10 + Number(replacement[j + 1]) < m.length) n = n * 10 + Number(replacement[++j]);
        if (n >= m.length) fail(`No group ${n}`);
        out += m[n] ?? '';
        i = j;
      }
    } else out += c;
  }
  return out;
}

function replaceAll(input: string, pattern: string, replacement: string): string {
  const r = regex(pattern);
  let out = '';
  let last = 0;
  for (const m of matches(r, input)) {
    out += input.slice(last, m.index) + javaReplacement(replacement, m);
    last = m.index + m[0].length;
  }
  return out + input.slice(last);
}

/** Pattern.split(input, -1): keeps trailing empty parts; an empty pattern splits into characters. */
function regexSplit(input: string, pattern: string): string[] {
  if (pattern === '') return input.split('');
  const r = regex(pattern);
  const out: string[] = [];
  let last = 0;
  for (const m of matches(r, input)) {
    // A zero-width match at the very start yields no leading empty part, as in Java 8+.
    if (m[0] === '' && m.index === 0) continue;
    if (m[0] === '' && m.index >= input.length) break;
    out.push(input.slice(last, m.index));
    last = m.index + m[0].length;
  }
  out.push(input.slice(last));
  return out;
}

export const regexpFunctions: readonly UdfDefinition[] = [
  udf({ name: 'regexp_extract', category: REGEX, description: 'The first substring matching a pattern, or the given capture group of it; NULL without a match.' }, [
    strictSig([param('pattern', P.STRING), param('input', P.STRING)], P.STRING, (a) => {
      const m = regex(a[0] as string).exec(a[1] as string);
      return m ? m[0] : null;
    }),
    strictSig([param('pattern', P.STRING), param('input', P.STRING), param('group', P.INTEGER)], P.STRING, (a) => {
      const m = regex(a[0] as string).exec(a[1] as string);
      return m ? group(m, a[2] as number, a[0] as string) : null;
    }),
  ]),
  udf({ name: 'regexp_extract_all', category: REGEX, description: 'Every substring matching a pattern, or the given capture group of each match.' }, [
    strictSig([param('pattern', P.STRING), param('input', P.STRING)], P.array(P.STRING), (a) => [...matches(regex(a[0] as string), a[1] as string)].map((m) => m[0])),
    strictSig([param('pattern', P.STRING), param('input', P.STRING), param('group', P.INTEGER)], P.array(P.STRING), (a) =>
      [...matches(regex(a[0] as string), a[1] as string)].map((m) => group(m, a[2] as number, a[0] as string)),
    ),
  ]),
  udf({ name: 'regexp_replace', category: REGEX, description: 'Replaces every match of a pattern; the replacement may refer to groups as $1.' }, [
    strictSig([param('input', P.STRING), param('pattern', P.STRING), param('replacement', P.STRING)], P.STRING, (a) => replaceAll(a[0] as string, a[1] as string, a[2] as string)),
  ]),
  udf({ name: 'regexp_split_to_array', category: REGEX, description: 'Splits a string around the matches of a pattern, keeping empty parts.' }, [
    strictSig([param('input', P.STRING), param('pattern', P.STRING)], P.array(P.STRING), (a) => regexSplit(a[0] as string, a[1] as string)),
  ]),
];
