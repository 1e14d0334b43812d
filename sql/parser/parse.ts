/**
 * Entry points of the SQL front end: script text -> typed statements.
 *
 *   parseStatements("DEFINE t = 'x'; CREATE STREAM s … WITH (kafka_topic='${t}');")
 *
 * A script is split at `;`, then each statement in turn has `${variables}` substituted (with
 * those given and those its own DEFINEs set so far), is lexed, parsed to a CST and built into
 * an AST. The first problem stops the script with a `SqlParseError` positioned in the text as
 * submitted.
 */
import { EOF } from 'chevrotain';
import type { CstNode, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { AstBuilder } from '../ast/build.js';
import { only } from '../ast/cst.js';
import type { Expression } from '../ast/expressions.js';
import type { ParsedStatement, Statement } from '../ast/statements.js';
import { SqlParseError, describeExpected, joinAlternatives, suggestKeyword } from './errors.js';
import { KsqlParser } from './parser.js';
import { isVariableDefinition, normaliseVariables, splitStatements, substituteVariables } from './script.js';
import { OffsetMap, SourceText } from './source-text.js';
import { reservedWords, sqlLexer } from './tokens.js';

export interface ParseOptions {
  /** Variables for `${name}` substitution; names are case-insensitive. */
  readonly variables?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
}

let sharedParser: KsqlParser | undefined;
// Building the grammar takes a while; one instance serves every parse (parsing is synchronous).
const parser = (): KsqlParser => (sharedParser ??= new KsqlParser());

/**
 * Parses a script of `;`-separated statements. DEFINE / UNDEFINE statements are returned like any
 * other, and also change the variables substituted into the statements after them.
 */
export function parseStatements(text: string, options: ParseOptions = {}): ParsedStatement[] {
  const source = new SourceText(text);
  const variables = normaliseVariables(options.variables);
  const parsed: ParsedStatement[] = [];
  for (const span of splitStatements(source)) {
    const sourceText = text.slice(span.start, span.end);
    const rewritten = isVariableDefinition(sourceText)
      ? { text: sourceText, map: OffsetMap.identity(span.start, sourceText.length) }
      : substituteVariables(source, span, variables);
    const { value: statement, first, last } = parseWith(source, rewritten.text, rewritten.map, 'singleStatement', (builder, cst) =>
      builder.statement(only(cst, 'statement')),
    );
    if (statement.kind === 'DefineVariable') variables.set(statement.name.toUpperCase(), statement.value);
    if (statement.kind === 'UndefineVariable') variables.delete(statement.name.toUpperCase());
    parsed.push({
      statement,
      text: `${rewritten.text.slice(first.startOffset, last.startOffset + last.image.length)};`,
      sourceText: text.slice(rewritten.map.toScript(first.startOffset), span.end).trimEnd(),
      loc: statement.loc,
    });
  }
  return parsed;
}

/** Parses exactly one statement (a trailing `;` is optional). */
export function parseStatement(text: string, options: ParseOptions = {}): Statement {
  const statements = parseStatements(text, options);
  if (statements.length !== 1) {
    const source = new SourceText(text);
    const at = statements[1]?.loc.offset ?? 0;
    throw SqlParseError.at(source, at, 1, `Syntax Error\nExpected one statement, found ${statements.length}.`);
  }
  return statements[0]!.statement;
}

/** Parses a lone expression, such as `a + 1 > b` or `TRANSFORM(xs, x => x * 2)`. */
export function parseExpression(text: string, options: ParseOptions = {}): Expression {
  const source = new SourceText(text);
  const rewritten = substituteVariables(source, { start: 0, end: text.length }, normaliseVariables(options.variables));
  return parseWith(source, rewritten.text, rewritten.map, 'singleExpression', (builder, cst) =>
    builder.expression(only(cst, 'expression')),
  ).value;
}

type StartRule = 'singleStatement' | 'singleExpression';

function parseWith<T>(
  source: SourceText,
  text: string,
  map: OffsetMap,
  rule: StartRule,
  build: (builder: AstBuilder, cst: CstNode) => T,
): { value: T; first: IToken; last: IToken } {
  const lexed = sqlLexer.tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError !== undefined) {
    const character = text.slice(lexError.offset, lexError.offset + 1);
    throw SqlParseError.at(source, map.toScript(lexError.offset), 1, `Syntax Error\nUnexpected character '${character}'.`, {
      found: character,
    });
  }
  const tokens = lexed.tokens;
  if (tokens.length === 0) {
    throw SqlParseError.at(source, map.toScript(0), 1, `Syntax Error\nExpected ${rule === 'singleStatement' ? 'a statement' : 'an expression'}, found nothing.`);
  }
  const instance = parser();
  instance.input = tokens;
  const cst = instance[rule]();
  const error = instance.errors[0];
  if (error !== undefined) throw syntaxError(source, map, tokens, rule, error);
  return { value: build(new AstBuilder(source, map), cst), first: tokens[0]!, last: tokens[tokens.length - 1]! };
}

const MAX_LISTED = 14;

function syntaxError(
  source: SourceText,
  map: OffsetMap,
  tokens: IToken[],
  rule: StartRule,
  error: IRecognitionException,
): SqlParseError {
  const atEnd = error.token.tokenType === EOF;
  const index = atEnd ? tokens.length : Math.max(0, tokens.indexOf(error.token));
  const expectedTypes = expectedAfter(rule, tokens.slice(0, index));
  // Chevrotain reports leftover input when the statement could have ended just before it.
  if (error.name === 'NotAllInputParsedException') expectedTypes.push(EOF);
  const expected = describeExpected(expectedTypes);
  const listed = expected.length > MAX_LISTED ? [...expected.slice(0, MAX_LISTED), '…'] : expected;
  const found = atEnd ? 'end of statement' : `'${error.token.image}'`;

  let detail: string;
  if (index === 0 && rule === 'singleStatement') {
    detail = `Unknown statement ${found}: a statement starts with ${joinAlternatives(expected)}.`;
  } else {
    detail = `Found ${found}, expected ${joinAlternatives(listed)}.`;
  }
  const word = error.token.image.toUpperCase();
  const suggestion = atEnd ? undefined : suggestKeyword(word, expected);
  if (suggestion !== undefined) detail += ` Did you mean ${suggestion}?`;
  if (!atEnd && reservedWords.has(word) && (expected.includes('an identifier') || expected.includes('an expression'))) {
    detail += ` ${word} is a reserved word: write \`${error.token.image}\` to use it as a name.`;
  }

  const last = tokens[tokens.length - 1]!;
  const offset = map.toScript(atEnd ? last.startOffset + last.image.length : error.token.startOffset);
  const length = atEnd ? 1 : error.token.image.length;
  return SqlParseError.at(source, offset, length, `Syntax Error\n${detail}`, { found, expected });
}

/** The token types the grammar accepts after `preceding`; empty if that cannot be worked out. */
function expectedAfter(rule: StartRule, preceding: IToken[]): TokenType[] {
  try {
    return parser()
      .computeContentAssist(rule, preceding)
      .map((path) => path.nextTokenType);
  } catch {
    return [];
  }
}
