/**
 * Scripts before the lexer: splitting at `;` and substituting `${variables}`.
 *
 * Both must happen before the grammar sees a statement: `DEFINE` changes what later statements
 * of the same script substitute, and a substituted value may be any text (a name, a number, a
 * whole literal), so each statement is rewritten on its own just before it is parsed. Both scans
 * know where strings, quoted identifiers and comments are, so a `;` or `${` inside them is not
 * mistaken for syntax, and unterminated ones are reported where they start.
 */
import { SqlParseError } from './errors.js';
import { OffsetMap } from './source-text.js';
import type { SourceText } from './source-text.js';

/** One statement's stretch of a script: `[start, end)` excludes the terminating `;`. */
export interface StatementSpan {
  readonly start: number;
  readonly end: number;
  /** Offset just past the `;`, or `end` when the statement was the unterminated last one. */
  readonly next: number;
}

const QUOTES: Record<string, string> = { "'": 'string literal', '`': 'quoted identifier', '"': 'quoted identifier' };

/**
 * Calls `code` for each stretch outside strings, quoted identifiers and comments, and `quoted`
 * for each of those, in order; throws on an unterminated one.
 */
function scan(
  source: SourceText,
  start: number,
  end: number,
  on: { code(from: number, to: number): void; quoted(from: number, to: number, comment: boolean): void },
): void {
  const text = source.text;
  let i = start;
  let codeStart = start;
  const flush = (to: number): void => {
    if (to > codeStart) on.code(codeStart, to);
  };
  while (i < end) {
    const c = text[i]!;
    if (c in QUOTES) {
      flush(i);
      let j = i + 1;
      for (;;) {
        const close = text.indexOf(c, j);
        if (close < 0 || close >= end) {
          throw SqlParseError.at(source, i, 1, `Syntax Error\nUnterminated ${QUOTES[c]}: the ${c} here is never closed.`);
        }
        if (text[close + 1] === c && close + 1 < end) {
          j = close + 2; // doubled quote: an escaped quote character
          continue;
        }
        j = close + 1;
        break;
      }
      on.quoted(i, j, false);
      i = j;
      codeStart = i;
    } else if (c === '-' && text[i + 1] === '-') {
      flush(i);
      let j = i + 2;
      while (j < end && text[j] !== '\n' && text[j] !== '\r') j++;
      on.quoted(i, j, true);
      i = j;
      codeStart = i;
    } else if (c === '/' && text[i + 1] === '*') {
      flush(i);
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > end) {
        throw SqlParseError.at(source, i, 2, 'Syntax Error\nUnterminated comment: the /* here is never closed by */.');
      }
      on.quoted(i, close + 2, true);
      i = close + 2;
      codeStart = i;
    } else {
      i++;
    }
  }
  flush(end);
}

/** The statements of a script, skipping empty ones (blank, or only comments). */
export function splitStatements(source: SourceText): StatementSpan[] {
  const spans: StatementSpan[] = [];
  let statementStart = 0;
  let hasContent = false;
  const text = source.text;
  scan(source, 0, text.length, {
    code(from, to) {
      for (let i = from; i < to; i++) {
        if (text[i] === ';') {
          if (hasContent) spans.push({ start: statementStart, end: i, next: i + 1 });
          statementStart = i + 1;
          hasContent = false;
        } else if (!/\s/.test(text[i]!)) {
          hasContent = true;
        }
      }
    },
    quoted(_from, _to, comment) {
      if (!comment) hasContent = true;
    },
  });
  if (hasContent) spans.push({ start: statementStart, end: text.length, next: text.length });
  return spans;
}

/** Variable names are case-insensitive; keys of the map are upper-case. */
export type Variables = ReadonlyMap<string, string>;

export function normaliseVariables(variables?: Readonly<Record<string, string>> | ReadonlyMap<string, string>): Map<string, string> {
  const entries = variables instanceof Map ? [...variables.entries()] : Object.entries(variables ?? {});
  return new Map(entries.map(([name, value]) => [name.toUpperCase(), value]));
}

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${name}` in `[start, end)` of the script by the variable's value, everywhere but in
 * comments (inside string literals too: `'${format}'` is how a value becomes a string).
 * `$${name}` stands for a literal `${name}`. An undefined variable is an error at its reference.
 */
export function substituteVariables(
  source: SourceText,
  span: { start: number; end: number },
  variables: Variables,
): { text: string; map: OffsetMap } {
  const text = source.text;
  const map = new OffsetMap(span.start);
  let out = '';
  const copy = (from: number, to: number): void => {
    map.add(from, to - from, true);
    out += text.slice(from, to);
  };
  const rewrite = (from: number, to: number): void => {
    let last = from;
    const piece = text.slice(from, to);
    for (const match of piece.matchAll(REFERENCE)) {
      const at = from + match.index!;
      copy(last, at);
      const [whole, escape, name] = match as unknown as [string, string, string];
      if (escape) {
        // `$${x}`: drop the escaping `$`, keep the rest verbatim.
        copy(at + 1, at + whole.length);
      } else {
        const value = variables.get(name.toUpperCase());
        if (value === undefined) {
          const known = [...variables.keys()];
          throw SqlParseError.at(
            source,
            at,
            whole.length,
            `Undefined variable: \${${name}} is not defined. Define it first with DEFINE ${name} = '<value>';` +
              (known.length > 0 ? ` (defined: ${known.join(', ')})` : ''),
            { found: whole },
          );
        }
        map.add(at, value.length, false);
        out += value;
      }
      last = at + whole.length;
    }
    copy(last, to);
  };
  scan(source, span.start, span.end, {
    code: (from, to) => rewrite(from, to),
    quoted: (from, to, comment) => (comment ? copy(from, to) : rewrite(from, to)),
  });
  return { text: out, map };
}

/** Whether a statement's text starts with DEFINE or UNDEFINE: their values are not substituted. */
export function isVariableDefinition(text: string): boolean {
  return /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*(?:UN)?DEFINE\b/i.test(text);
}
