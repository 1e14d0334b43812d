/**
 * Splitting what a user types into complete statements, and telling the CLI's own statements
 * (SET, DEFINE, RUN SCRIPT, …) from those for the server. Pure: no I/O.
 *
 * A statement ends at a `;` outside
 *   'strings'  ('' is a quote inside one)
 *   "quoted identifiers" and `backtick identifiers` (doubled quote inside)
 *   -- line comments and block comments
 */

export type SegmentKind = 'code' | 'string' | 'identifier' | 'comment';

export interface Segment {
  readonly kind: SegmentKind;
  readonly text: string;
  /** false when the input ended inside this string, identifier or block comment. */
  readonly closed: boolean;
}

/** The input as runs of code, strings, quoted identifiers and comments. */
export function segments(input: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  let i = 0;
  const flush = (): void => {
    if (code !== '') out.push({ kind: 'code', text: code, closed: true });
    code = '';
  };
  while (i < input.length) {
    const c = input[i]!;
    const next = input[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      flush();
      let j = i + 1;
      let closed = false;
      while (j < input.length) {
        if (input[j] === c) {
          if (input[j + 1] === c) {
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        j++;
      }
      out.push({ kind: c === "'" ? 'string' : 'identifier', text: input.slice(i, j), closed });
      i = j;
    } else if (c === '-' && next === '-') {
      flush();
      const end = input.indexOf('\n', i);
      const j = end === -1 ? input.length : end;
      out.push({ kind: 'comment', text: input.slice(i, j), closed: true });
      i = j;
    } else if (c === '/' && next === '*') {
      flush();
      const end = input.indexOf('*/', i + 2);
      const j = end === -1 ? input.length : end + 2;
      out.push({ kind: 'comment', text: input.slice(i, j), closed: end !== -1 });
      i = j;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

export interface Split {
  /** Complete statements, each trimmed and ending with its `;`. */
  readonly statements: string[];
  /** What follows the last `;`: the start of the next statement (or only blanks and comments). */
  readonly rest: string;
}

/** Splits input into complete statements and the incomplete rest. */
export function splitStatements(input: string): Split {
  const statements: string[] = [];
  let current = '';
  for (const segment of segments(input)) {
    if (segment.kind !== 'code') {
      current += segment.text;
      continue;
    }
    let from = 0;
    for (let at = segment.text.indexOf(';'); at !== -1; at = segment.text.indexOf(';', from)) {
      current += segment.text.slice(from, at + 1);
      if (hasContent(current.slice(0, -1))) statements.push(current.trim());
      current = '';
      from = at + 1;
    }
    current += segment.text.slice(from);
  }
  return { statements, rest: current };
}

/** True when the text holds more than blanks, comments and `;`. */
export function hasContent(text: string): boolean {
  return segments(text).some((s) => s.kind !== 'comment' && (s.kind !== 'code' || s.text.replace(/;/g, '').trim() !== ''));
}

/** True when the text ends inside a string, quoted identifier or block comment. */
export function isOpen(text: string): boolean {
  const last = segments(text).at(-1);
  return last !== undefined && !last.closed;
}

/**
 * The statements of a whole script (a -e argument, a -f file): a last statement without `;` is
 * taken as if it had one.
 */
export function scriptStatements(script: string): string[] {
  const { statements, rest } = splitStatements(script);
  if (hasContent(rest)) statements.push(isOpen(rest) ? rest.trim() : `${rest.trim()};`);
  return statements;
}

/** Input typed line by line: gives each statement once its `;` arrives. */
export class StatementBuffer {
  private text = '';

  /** Adds a line; returns the statements it completed. */
  push(line: string): string[] {
    const { statements, rest } = splitStatements(this.text === '' ? line : `${this.text}\n${line}`);
    this.text = hasContent(rest) || isOpen(rest) ? rest : '';
    return statements;
  }

  /** A statement has begun and not ended: the REPL shows the continuation prompt. */
  get pending(): boolean {
    return this.text !== '';
  }

  /** What was typed of the unfinished statement, which is dropped. */
  clear(): string {
    const text = this.text;
    this.text = '';
    return text;
  }
}

/** The text with comments removed and each string's content kept (for matching keywords). */
function withoutComments(text: string): string {
  return segments(text)
    .map((s) => (s.kind === 'comment' ? ' ' : s.text))
    .join('')
    .trim();
}

/** The code outside strings, identifiers and comments, upper-cased: for keyword tests. */
function keywords(text: string): string {
  return segments(text)
    .map((s) => (s.kind === 'code' ? s.text : ' '))
    .join('')
    .toUpperCase();
}

/** A SQL string literal's value: 'it''s' -> it's. */
export function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/''/g, "'");
}

/** A string for a SQL statement: it's -> 'it''s'. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export type Classified =
  | { kind: 'set'; property: string; value: string }
  | { kind: 'unset'; property: string }
  | { kind: 'define'; name: string; value: string }
  | { kind: 'undefine'; name: string }
  | { kind: 'run-script'; path: string }
  /** SELECT: a push query when it has EMIT CHANGES / EMIT FINAL, else a pull query. */
  | { kind: 'query'; push: boolean }
  | { kind: 'print' }
  /** Anything else goes to /ksql as is. */
  | { kind: 'statement' };

const STRING = "'(?:[^']|'')*'";
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const SET = new RegExp(`^SET\\s+(${STRING})\\s*=\\s*(${STRING})\\s*;?$`, 'is');
const UNSET = new RegExp(`^UNSET\\s+(${STRING})\\s*;?$`, 'is');
const DEFINE = new RegExp(`^DEFINE\\s+(${NAME})\\s*=\\s*(${STRING})\\s*;?$`, 'is');
const UNDEFINE = new RegExp(`^UNDEFINE\\s+(${NAME})\\s*;?$`, 'is');
const RUN_SCRIPT = new RegExp(`^RUN\\s+SCRIPT\\s+(${STRING})\\s*;?$`, 'is');

/** What the CLI does with a statement. A malformed SET etc. goes to the server, which says what is wrong. */
export function classify(statement: string): Classified {
  const text = withoutComments(statement);
  let m: RegExpExecArray | null;
  if ((m = SET.exec(text))) return { kind: 'set', property: unquote(m[1]!), value: unquote(m[2]!) };
  if ((m = UNSET.exec(text))) return { kind: 'unset', property: unquote(m[1]!) };
  if ((m = DEFINE.exec(text))) return { kind: 'define', name: m[1]!, value: unquote(m[2]!) };
  if ((m = UNDEFINE.exec(text))) return { kind: 'undefine', name: m[1]! };
  if ((m = RUN_SCRIPT.exec(text))) return { kind: 'run-script', path: unquote(m[1]!) };
  const words = keywords(statement);
  if (/^\s*SELECT\b/.test(words)) return { kind: 'query', push: /\bEMIT\s+(CHANGES|FINAL)\b/.test(words) };
  if (/^\s*PRINT\b/.test(words)) return { kind: 'print' };
  return { kind: 'statement' };
}

/**
 * Replaces ${name} with the variable's value (names ignore case), as the server does, for the
 * statements the CLI runs itself. An unknown variable stays as written.
 */
export function substitute(text: string, variables: Readonly<Record<string, string>>): string {
  const byName = new Map(Object.entries(variables).map(([k, v]) => [k.toUpperCase(), v]));
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => byName.get(name.toUpperCase()) ?? whole);
}
