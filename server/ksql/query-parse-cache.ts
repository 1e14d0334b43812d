/**
 * Parsed SELECTs by shape: statements that differ only in their string and integer literals
 * (`… WHERE id = 'k1'`, `… WHERE id = 'k2'`) share one parse. The statement is lexed (cheap),
 * its shape is its tokens with those literals left out, and a cached statement of the same shape
 * gets the new literals put in, in the order they appear. Anything else (other literals, parse
 * errors, variables) goes through the parser as usual. Pull queries by key repeat one shape with
 * new keys, and the parser is their largest cost otherwise.
 */
import type { IToken } from 'chevrotain';
import type { Expression } from '../../sql/ast/expressions.js';
import type { ParsedStatement } from '../../sql/ast/statements.js';
import { parseStatements } from '../../sql/parser/parse.js';
import { sqlLexer } from '../../sql/parser/tokens.js';

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LIMIT = 512;

type Literal = Extract<Expression, { kind: 'StringLiteral' | 'IntegerLiteral' | 'BigIntLiteral' }>;

interface Entry {
  readonly parsed: ParsedStatement;
  /** Where each literal token's value goes: the literal nodes in source order. */
  readonly literals: readonly Literal[];
}

export class QueryParseCache {
  private readonly entries = new Map<string, Entry>();

  /** The statement of `sql`: from the cache when a statement of its shape was parsed before. */
  parse(sql: string): ParsedStatement[] {
    const lexed = sqlLexer.tokenize(sql);
    if (lexed.errors.length > 0) return parseStatements(sql);
    const tokens = lexed.tokens;
    if (tokens.length === 0 || tokens[0]!.tokenType.name !== 'SELECT') return parseStatements(sql);
    const shape: string[] = [];
    const values: IToken[] = [];
    for (const t of tokens) {
      const name = t.tokenType.name;
      if (name === 'StringLiteral' || name === 'IntegerLiteral') {
        shape.push(name === 'StringLiteral' ? "'?'" : '?');
        values.push(t);
      } else {
        shape.push(t.image);
      }
    }
    const key = shape.join(' ');
    const cached = this.entries.get(key);
    if (cached) {
      const statement = substitute(cached, values, sql);
      if (statement) {
        this.entries.delete(key);
        this.entries.set(key, cached);
        return [statement];
      }
    }
    const parsed = parseStatements(sql);
    if (parsed.length === 1 && parsed[0]!.statement.kind === 'Query') {
      const literals = literalNodes(parsed[0]!.statement);
      // Only when every literal token became one literal node can values be put back by position.
      if (literals.length === values.length && literals.every((l, i) => matches(l, values[i]!))) {
        if (this.entries.size >= LIMIT) this.entries.delete(this.entries.keys().next().value as string);
        this.entries.set(key, { parsed: parsed[0]!, literals });
      }
    }
    return parsed;
  }
}

function matches(node: Literal, token: IToken): boolean {
  return (node.kind === 'StringLiteral') === (token.tokenType.name === 'StringLiteral');
}

/** The literal nodes of a statement's tree in source order. */
function literalNodes(root: unknown): Literal[] {
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
function substitute(entry: Entry, values: readonly IToken[], sql: string): ParsedStatement | undefined {
  const replacement = new Map<Literal, Literal>();
  for (const [i, node] of entry.literals.entries()) {
    const token = values[i]!;
    if (node.kind === 'StringLiteral') {
      replacement.set(node, { ...node, value: token.image.slice(1, -1).replace(/''/g, "'") });
    } else {
      const n = BigInt(token.image);
      const small = n >= INT_MIN && n <= INT_MAX;
      if (small !== (node.kind === 'IntegerLiteral')) return undefined;
      replacement.set(node, small ? { ...node, kind: 'IntegerLiteral', value: Number(n) } : { ...node, kind: 'BigIntLiteral', value: n });
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
