/**
 * `SqlParseError`: everything the SQL front end rejects before analysis (lexing, syntax,
 * variables, literals out of range, misplaced constructs). Messages follow ksqlDB's shape,
 * `line 1:10: Syntax Error` and then what was found and what was expected, and end with the
 * offending line of the submitted text underlined with carets.
 */
import { tokenName } from 'chevrotain';
import type { TokenType } from 'chevrotain';
import { FreshetError } from '../../storage/errors.js';
import type { SourceLocation, SourceText } from './source-text.js';
import * as t from './tokens.js';

export const SQL_PARSE_ERROR = 'SQL_PARSE_ERROR';

export interface SqlParseErrorDetails {
  /** What went wrong, without the position, e.g. `Syntax Error\nFound 'FORM', expected FROM.` */
  readonly detail: string;
  readonly location: SourceLocation;
  /** The offending token's text, or `end of input`. */
  readonly found?: string;
  /** What would have been accepted instead, in words (`FROM`, `','`, `an expression`). */
  readonly expected?: readonly string[];
  /** The offending line with carets under the offending token. */
  readonly excerpt: string;
}

export class SqlParseError extends FreshetError {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly found: string | undefined;
  readonly expected: readonly string[];
  readonly excerpt: string;
  readonly detail: string;

  constructor(details: SqlParseErrorDetails) {
    const { line, column, offset } = details.location;
    super(SQL_PARSE_ERROR, `line ${line}:${column}: ${details.detail}\n${details.excerpt}`);
    this.line = line;
    this.column = column;
    this.offset = offset;
    this.found = details.found;
    this.expected = details.expected ?? [];
    this.excerpt = details.excerpt;
    this.detail = details.detail;
  }

  /** An error at `offset` (in `source`), underlining `length` characters. */
  static at(source: SourceText, offset: number, length: number, detail: string, extra?: {
    found?: string;
    expected?: readonly string[];
  }): SqlParseError {
    return new SqlParseError({
      detail,
      location: source.location(offset),
      excerpt: source.excerpt(offset, length),
      ...extra,
    });
  }
}

// ---- turning token types into words ----------------------------------------------------------

const PUNCTUATION: Record<string, string> = {
  LParen: "'('",
  RParen: "')'",
  LBracket: "'['",
  RBracket: "']'",
  Comma: "','",
  Dot: "'.'",
  Semicolon: "';'",
  Equals: "'='",
  LessThan: "'<'",
  GreaterThan: "'>'",
  Star: "'*'",
  Arrow: "'->'",
  LambdaArrow: "'=>'",
  Assign: "':='",
  Concat: "'||'",
  AnyIdentifier: 'an identifier',
  Identifier: 'an identifier',
  StringLiteral: 'a string',
  IntegerLiteral: 'an integer',
  DecimalLiteral: 'a decimal number',
  FloatLiteral: 'a number',
  TimeUnit: 'a time unit (MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS)',
  ComparisonOp: 'a comparison operator',
  AdditiveOp: "'+' or '-'",
  MultiplicativeOp: "'*', '/' or '%'",
  EOF: 'end of statement',
};

/** Token types that can start a value expression; when most are expected, say "an expression". */
const EXPRESSION_START = new Set<TokenType>([
  t.StringLiteral, t.IntegerLiteral, t.DecimalLiteral, t.FloatLiteral, t.True, t.False, t.Null,
  t.Case, t.Cast, t.ArrayKw, t.MapKw, t.Struct, t.LParen, t.AnyIdentifier, t.AdditiveOp, t.Not,
]);
/** Token types that can continue an expression; when most are expected, say "an operator". */
const OPERATORS = new Set<TokenType>([
  t.ComparisonOp, t.AdditiveOp, t.MultiplicativeOp, t.Concat, t.And, t.Or, t.Is, t.Not, t.Between,
  t.In, t.Like, t.LBracket, t.Arrow, t.Dot, t.LParen,
]);

export function describeTokenType(type: TokenType): string {
  const name = tokenName(type);
  return PUNCTUATION[name] ?? name;
}

/** Human-friendly, de-duplicated descriptions of the expected token types, in grammar order. */
export function describeExpected(types: readonly TokenType[]): string[] {
  const unique = [...new Set(types)];
  const remaining = new Set(unique);
  const out: string[] = [];
  const expressionish = [t.StringLiteral, t.Case, t.AnyIdentifier].every((x) => remaining.has(x));
  const operatorish = [t.AdditiveOp, t.MultiplicativeOp].every((x) => remaining.has(x));
  const anyNumber = [t.IntegerLiteral, t.DecimalLiteral, t.FloatLiteral].every((x) => remaining.has(x));
  for (const type of unique) {
    if (!remaining.has(type)) continue;
    if (expressionish && EXPRESSION_START.has(type)) {
      out.push('an expression');
      for (const x of EXPRESSION_START) remaining.delete(x);
      continue;
    }
    if (operatorish && OPERATORS.has(type)) {
      out.push('an operator');
      for (const x of OPERATORS) remaining.delete(x);
      continue;
    }
    if (anyNumber && (type === t.IntegerLiteral || type === t.DecimalLiteral || type === t.FloatLiteral)) {
      out.push('a number');
      for (const x of [t.IntegerLiteral, t.DecimalLiteral, t.FloatLiteral]) remaining.delete(x);
      continue;
    }
    remaining.delete(type);
    out.push(describeTokenType(type));
  }
  return [...new Set(out)];
}

/** `A`, `A or B`, `A, B or C`. */
export function joinAlternatives(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? 'nothing';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A keyword among `candidates` that `word` is probably a misspelling of. */
export function suggestKeyword(word: string, candidates: readonly string[]): string | undefined {
  const upper = word.toUpperCase();
  if (upper.length < 3) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    if (!/^[A-Z_]+$/.test(candidate)) continue;
    const distance = editDistance(upper, candidate);
    if (distance > 0 && distance < bestDistance && distance <= Math.floor(candidate.length / 3)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      // Transposed neighbours (FORM for FROM) cost one edit, as a typist would count them.
      const transposition =
        i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? beforePrevious[j - 2]! + 1 : Infinity;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution, transposition);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}
