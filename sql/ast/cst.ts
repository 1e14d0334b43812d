/**
 * Reading chevrotain's CST: typed accessors for a node's children, and the base of the AST
 * builders, which owns positions (token offsets -> submitted text) and positioned errors.
 */
import { tokenMatcher } from 'chevrotain';
import type { CstElement, CstNode, IToken, TokenType } from 'chevrotain';
import { SqlParseError } from '../parser/errors.js';
import type { OffsetMap, SourceLocation, SourceText } from '../parser/source-text.js';
import * as t from '../parser/tokens.js';

const isToken = (element: CstElement): element is IToken => 'image' in element;

export function tokens(node: CstNode, name: string): IToken[] {
  return (node.children[name] ?? []).filter(isToken);
}

export function token(node: CstNode, name: string): IToken | undefined {
  return tokens(node, name)[0];
}

export function nodes(node: CstNode, name: string): CstNode[] {
  return (node.children[name] ?? []).filter((element): element is CstNode => !isToken(element));
}

export function child(node: CstNode, name: string): CstNode | undefined {
  return nodes(node, name)[0];
}

/** The one child node the grammar guarantees; a missing one is a bug in the grammar, not input. */
export function only(node: CstNode, name: string): CstNode {
  const found = child(node, name);
  if (found === undefined) throw new Error(`CST node ${node.name} has no ${name}`);
  return found;
}

export function onlyToken(node: CstNode, name: string): IToken {
  const found = token(node, name);
  if (found === undefined) throw new Error(`CST node ${node.name} has no ${name} token`);
  return found;
}

export function has(node: CstNode, name: string): boolean {
  return (node.children[name]?.length ?? 0) > 0;
}

/** The first token of a subtree (children are grouped by name, so order by offset). */
export function firstToken(node: CstNode): IToken {
  const first = firstTokenOrNone(node);
  if (first === undefined) throw new Error(`CST node ${node.name} is empty`);
  return first;
}

function firstTokenOrNone(node: CstNode): IToken | undefined {
  let first: IToken | undefined;
  for (const elements of Object.values(node.children)) {
    for (const element of elements) {
      // Optional rules (IF NOT EXISTS) leave empty nodes behind.
      const candidate = isToken(element) ? element : firstTokenOrNone(element);
      if (candidate !== undefined && (first === undefined || candidate.startOffset < first.startOffset)) first = candidate;
    }
  }
  return first;
}

/** The body of a string literal: quotes removed, `''` read as `'`. */
export function stringValue(literal: IToken): string {
  return literal.image.slice(1, -1).replace(/''/g, "'");
}

/** A name as ksqlDB resolves it: unquoted upper-cased, quoted as written (`` `a``b` `` is a`b). */
export function identifierValue(identifier: IToken): string {
  if (tokenMatcher(identifier, t.BacktickIdentifier)) return identifier.image.slice(1, -1).replace(/``/g, '`');
  if (tokenMatcher(identifier, t.DoubleQuotedIdentifier)) return identifier.image.slice(1, -1).replace(/""/g, '"');
  return identifier.image.toUpperCase();
}

/** A name whose case matters even unquoted (topics, variables): quoted unwrapped, else as written. */
export function identifierText(identifier: IToken): string {
  if (tokenMatcher(identifier, t.BacktickIdentifier) || tokenMatcher(identifier, t.DoubleQuotedIdentifier)) {
    return identifierValue(identifier);
  }
  return identifier.image;
}

export function isTokenOf(token: IToken, type: TokenType): boolean {
  return tokenMatcher(token, type);
}

export class CstReader {
  constructor(
    protected readonly source: SourceText,
    protected readonly offsets: OffsetMap,
  ) {}

  protected loc(at: IToken | CstNode): SourceLocation {
    const first = 'image' in at ? at : firstToken(at);
    return this.source.location(this.offsets.toScript(first.startOffset));
  }

  protected fail(at: IToken | CstNode, detail: string): never {
    const first = 'image' in at ? at : firstToken(at);
    throw SqlParseError.at(this.source, this.offsets.toScript(first.startOffset), first.image.length, detail, {
      found: first.image,
    });
  }

  /** `identifier` rule -> name as ksqlDB resolves it. */
  protected name(identifier: CstNode): string {
    const value = identifierValue(onlyToken(identifier, 'AnyIdentifier'));
    if (value === '') this.fail(identifier, 'Syntax Error\nAn identifier cannot be empty.');
    return value;
  }

  /** `identifier` rule -> name with its case kept. */
  protected rawName(identifier: CstNode): string {
    return identifierText(onlyToken(identifier, 'AnyIdentifier'));
  }
}
