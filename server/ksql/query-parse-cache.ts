/**
 * Parsed SELECTs by shape: statements that differ only in their string and integer literals
 * (`… WHERE id = 'k1'`, `… WHERE id = 'k2'`) share one parse. The statement is lexed (cheap),
 * its shape is its tokens with those literals left out, and a cached statement of the same shape
 * gets the new literals put in, in the order they appear. Anything else (other literals, parse
 * errors, variables) goes through the parser as usual. Pull queries by key repeat one shape with
 * new keys, and the parser is their largest cost otherwise; the shape itself lets the server keep
 * a prepared plan per shape (KsqlServer's key-lookup plans), which needs no parse at all.
 *
 * Even lexing shows at thousands of queries a second, so a statement's text with its literals
 * masked by a plain scan (quickMask) is remembered with the shape the lexer gave it, once the
 * lexer's literal tokens were found exactly where the scan found literals: a statement of the same
 * masked text differs only inside those literals, which the lexer reads as the same tokens.
 */
import type { Expression } from '../../sql/ast/expressions.js';
import type { ParsedStatement } from '../../sql/ast/statements.js';
import { parseStatements } from '../../sql/parser/parse.js';
import { sqlLexer } from '../../sql/parser/tokens.js';

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LIMIT = 512;

export type Literal = Extract<Expression, { kind: 'StringLiteral' | 'IntegerLiteral' | 'BigIntLiteral' }>;

/** A string or integer literal token: its text as written (a string with its quotes). */
export interface LiteralToken {
  readonly image: string;
  readonly kind: 'string' | 'integer';
}

/** A SELECT's shape: its tokens with the string and integer literals left out, and those literals. */
export interface QueryShape {
  /** The tokens' text with `'?'` for a string and `?` for an integer literal. */
  readonly key: string;
  /** The literal tokens left out, in source order. */
  readonly literals: readonly LiteralToken[];
}

interface Entry {
  readonly parsed: ParsedStatement;
  /** Where each literal token's value goes: the literal nodes in source order. */
  readonly literals: readonly Literal[];
}

export class QueryParseCache {
  private readonly entries = new Map<string, Entry>();
  /** Shape keys by masked text (quickMask), for statements the lexer need not read. */
  private readonly masked = new Map<string, string>();

  /** The shape of a SELECT; undefined for other statements and text that does not lex. */
  shape(sql: string): QueryShape | undefined {
    const quick = quickMask(sql);
    if (quick) {
      const key = this.masked.get(quick.mask);
      if (key !== undefined) return { key, literals: quick.literals };
    }
    const lexed = sqlLexer.tokenize(sql);
    if (lexed.errors.length > 0) return undefined;
    const tokens = lexed.tokens;
    if (tokens.length === 0 || tokens[0]!.tokenType.name !== 'SELECT') return undefined;
    let key = '';
    const literals: LiteralToken[] = [];
    const offsets: number[] = [];
    for (const t of tokens) {
      const name = t.tokenType.name;
      if (name === 'StringLiteral' || name === 'IntegerLiteral') {
        key += name === 'StringLiteral' ? "'?' " : '? ';
        literals.push({ image: t.image, kind: name === 'StringLiteral' ? 'string' : 'integer' });
        offsets.push(t.startOffset);
      } else {
        key += `${t.image} `;
      }
    }
    if (quick && quick.offsets.length === offsets.length && quick.literals.every((l, i) => quick.offsets[i] === offsets[i] && l.image === literals[i]!.image && l.kind === literals[i]!.kind)) {
      if (this.masked.size >= LIMIT) this.masked.delete(this.masked.keys().next().value as string);
      this.masked.set(quick.mask, key);
    }
    return { key, literals };
  }

  /** The statement of `sql`: from the cache when a statement of its shape was parsed before. */
  parse(sql: string): ParsedStatement[] {
    return this.parseShaped(sql, this.shape(sql));
  }

  /** parse() of a statement whose shape() is known already. */
  parseShaped(sql: string, shape: QueryShape | undefined): ParsedStatement[] {
    if (!shape) return parseStatements(sql);
    const cached = this.entries.get(shape.key);
    if (cached) {
      const statement = substitute(cached, shape.literals, sql);
      if (statement) {
        this.entries.delete(shape.key);
        this.entries.set(shape.key, cached);
        return [statement];
      }
    }
    const parsed = parseStatements(sql);
    if (parsed.length === 1 && parsed[0]!.statement.kind === 'Query') {
      const literals = literalNodes(parsed[0]!.statement);
      // Only when every literal token became one literal node can values be put back by position.
      if (literalsMatch(literals, shape.literals)) {
        if (this.entries.size >= LIMIT) this.entries.delete(this.entries.keys().next().value as string);
        this.entries.set(shape.key, { parsed: parsed[0]!, literals });
      }
    }
    return parsed;
  }
}

/** Whether each literal token became one literal node of its kind, in the same order. */
export function literalsMatch(nodes: readonly Literal[], tokens: readonly LiteralToken[]): boolean {
  return nodes.length === tokens.length && nodes.every((node, i) => (node.kind === 'StringLiteral') === (tokens[i]!.kind === 'string'));
}

/** A string literal token's value: the text between the quotes, doubled quotes made single. */
export function stringValue(token: LiteralToken): string {
  const inner = token.image.slice(1, -1);
  return inner.includes("''") ? inner.replace(/''/g, "'") : inner;
}

/** An integer literal token's node: INTEGER within 32 bits, BIGINT beyond, as the parser makes it. */
export function integerLiteral(node: Literal, token: LiteralToken): Literal {
  const n = BigInt(token.image);
  return n >= INT_MIN && n <= INT_MAX ? { ...node, kind: 'IntegerLiteral', value: Number(n) } : { ...node, kind: 'BigIntLiteral', value: n };
}

/** The literal nodes of a statement's tree in source order. */
export function literalNodes(root: unknown): Literal[] {
  const found: Literal[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (typeof x !== 'object' || x === null) return;
    const kind = (x as { kind?: unknown }).kind;
    if (kind === 'StringLiteral' || kind === 'IntegerLiteral' || kind === 'BigIntLiteral') {
      found.push(x as Literal);
      return;
    }
    for (const v of Object.values(x)) walk(v);
  };
  walk(root);
  return found.sort((a, b) => a.loc.offset - b.loc.offset);
}

/** The cached statement with the new literal values, or undefined when a value changes a literal's kind. */
function substitute(entry: Entry, values: readonly LiteralToken[], sql: string): ParsedStatement | undefined {
  const replacement = new Map<Literal, Literal>();
  for (const [i, node] of entry.literals.entries()) {
    const token = values[i]!;
    if (node.kind === 'StringLiteral') {
      replacement.set(node, { ...node, value: stringValue(token) });
    } else {
      const literal = integerLiteral(node, token);
      if (literal.kind !== node.kind) return undefined;
      replacement.set(node, literal);
    }
  }
  const copy = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(copy);
    if (typeof x !== 'object' || x === null) return x;
    const r = replacement.get(x as Literal);
    if (r) return r;
    if ((x as { kind?: unknown }).kind === undefined && 'offset' in x) return x;
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)]));
  };
  const statement = copy(entry.parsed.statement) as ParsedStatement['statement'];
  // The statement's own text, for messages.
  const source = sql.trim();
  return { ...entry.parsed, statement, text: source.endsWith(';') ? source : `${source};`, sourceText: source };
}

const QUOTE = 0x27;
const BACKTICK = 0x60;
const DOUBLE_QUOTE = 0x22;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A character of an identifier (`[A-Za-z0-9_@]`), or a point: either next to digits makes them no integer literal. */
function joinsDigits(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x40 || c === 0x2e;
}

/** Where a quoted run that starts at `start` ends (after its closing quote; a doubled quote is one inside), or -1. */
function closingQuote(sql: string, start: number, quote: number): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql.charCodeAt(i) !== quote) continue;
    if (sql.charCodeAt(i + 1) === quote) i++;
    else return i + 1;
  }
  return -1;
}

/**
 * The text with each string literal made `'?'` and each integer literal `?`, found by a plain
 * scan that steps over quoted identifiers; undefined when the text has comments or an open quote
 * (such statements are lexed every time).
 */
function quickMask(sql: string): { mask: string; literals: LiteralToken[]; offsets: number[] } | undefined {
  let mask = '';
  let copied = 0;
  const literals: LiteralToken[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === QUOTE || c === BACKTICK || c === DOUBLE_QUOTE) {
      const end = closingQuote(sql, i, c);
      if (end < 0) return undefined;
      if (c === QUOTE) {
        mask += `${sql.slice(copied, i)}'?'`;
        copied = end;
        literals.push({ image: sql.slice(i, end), kind: 'string' });
        offsets.push(i);
      }
      i = end - 1;
    } else if ((c === 0x2d || c === 0x2f) && sql.charCodeAt(i + 1) === (c === 0x2d ? 0x2d : 0x2a)) {
      return undefined;
    } else if (joinsDigits(c)) {
      // A run of identifier characters and points: an integer literal when it is digits alone.
      let end = i + 1;
      while (end < sql.length && joinsDigits(sql.charCodeAt(end))) end++;
      let digits = true;
      for (let j = i; j < end && digits; j++) digits = isDigit(sql.charCodeAt(j));
      if (digits) {
        mask += `${sql.slice(copied, i)}?`;
        copied = end;
        literals.push({ image: sql.slice(i, end), kind: 'integer' });
        offsets.push(i);
      }
      i = end - 1;
    }
  }
  return { mask: mask + sql.slice(copied), literals, offsets };
}
