/**
 * Tokens of ksqlDB's SQL dialect and the lexer that produces them.
 *
 * Keywords are case-insensitive. Most of them are *non-reserved*: they carry the `AnyIdentifier`
 * category, so the parser accepts them wherever an identifier may stand (a column called `KEY`,
 * `SIZE` or `TYPE`, a function called `REPLACE`). Only words that would make the grammar
 * ambiguous are reserved: expression operators and literals (`AND`, `NOT`, `NULL`, `CASE` …) and
 * the clause keywords that can follow an optional alias (`FROM`, `JOIN`, `WHERE`, `WINDOW` …).
 * A reserved word can still be used as a name by quoting it with backticks.
 */
import { createToken, Lexer } from 'chevrotain';
import type { TokenType } from 'chevrotain';

/** Category of every token that may name something: plain, quoted, or a non-reserved keyword. */
export const AnyIdentifier = createToken({ name: 'AnyIdentifier', pattern: Lexer.NA });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_@]*/,
  categories: [AnyIdentifier],
});
export const BacktickIdentifier = createToken({
  name: 'BacktickIdentifier',
  pattern: /`(?:[^`]|``)*`/,
  line_breaks: true,
  categories: [AnyIdentifier],
});
export const DoubleQuotedIdentifier = createToken({
  name: 'DoubleQuotedIdentifier',
  pattern: /"(?:[^"]|"")*"/,
  line_breaks: true,
  categories: [AnyIdentifier],
});

/** Every keyword token, by its upper-case spelling. */
export const keywordTokens = new Map<string, TokenType>();
/** Upper-case spellings of the reserved keywords: the printer quotes identifiers spelled so. */
export const reservedWords = new Set<string>();

function keyword(word: string, reserved = false, categories: TokenType[] = []): TokenType {
  const token = createToken({
    name: word,
    pattern: new RegExp(word, 'i'),
    longer_alt: Identifier,
    categories: reserved ? categories : [AnyIdentifier, ...categories],
  });
  keywordTokens.set(word, token);
  if (reserved) reservedWords.add(word);
  return token;
}
const reserved = (word: string): TokenType => keyword(word, true);

// Reserved: expression syntax.
export const And = reserved('AND');
export const Or = reserved('OR');
export const Not = reserved('NOT');
export const Is = reserved('IS');
export const Null = reserved('NULL');
export const True = reserved('TRUE');
export const False = reserved('FALSE');
export const Like = reserved('LIKE');
export const Between = reserved('BETWEEN');
export const In = reserved('IN');
export const Distinct = reserved('DISTINCT');
export const Case = reserved('CASE');
export const When = reserved('WHEN');
export const Then = reserved('THEN');
export const Else = reserved('ELSE');
export const End = reserved('END');
export const Cast = reserved('CAST');
export const As = reserved('AS');
// ARRAY, MAP and STRUCT also name columns (`map MAP<STRING, INT>`); the grammar takes them as
// constructors or types only when followed by '[', '(' or '<'.
export const ArrayKw = keyword('ARRAY');
export const MapKw = keyword('MAP');
export const Struct = keyword('STRUCT');
// Reserved: clauses that may follow an alias or an expression.
export const Select = reserved('SELECT');
export const From = reserved('FROM');
export const Where = reserved('WHERE');
export const Window = reserved('WINDOW');
export const Group = reserved('GROUP');
export const Partition = reserved('PARTITION');
export const By = reserved('BY');
export const Having = reserved('HAVING');
export const Emit = reserved('EMIT');
export const Limit = reserved('LIMIT');
export const Join = reserved('JOIN');
export const Inner = reserved('INNER');
export const Left = reserved('LEFT');
export const Right = reserved('RIGHT');
export const Full = reserved('FULL');
export const Outer = reserved('OUTER');
export const On = reserved('ON');
export const Within = reserved('WITHIN');
export const With = reserved('WITH');
export const Create = reserved('CREATE');
export const Insert = reserved('INSERT');
export const Into = reserved('INTO');
export const Values = reserved('VALUES');
export const Drop = reserved('DROP');
export const All = reserved('ALL');

// Non-reserved: statements and their clauses.
export const Replace = keyword('REPLACE');
export const Source = keyword('SOURCE');
export const Sink = keyword('SINK');
export const Stream = keyword('STREAM');
export const Streams = keyword('STREAMS');
export const Table = keyword('TABLE');
export const Tables = keyword('TABLES');
export const If = keyword('IF');
export const Exists = keyword('EXISTS');
export const Key = keyword('KEY');
export const Primary = keyword('PRIMARY');
export const Headers = keyword('HEADERS');
export const Header = keyword('HEADER');
export const Delete = keyword('DELETE');
export const Topic = keyword('TOPIC');
export const Topics = keyword('TOPICS');
export const Terminate = keyword('TERMINATE');
export const Pause = keyword('PAUSE');
export const Resume = keyword('RESUME');
export const Show = keyword('SHOW');
export const List = keyword('LIST');
export const Queries = keyword('QUERIES');
export const Properties = keyword('PROPERTIES');
export const Functions = keyword('FUNCTIONS');
export const FunctionKw = keyword('FUNCTION');
export const Types = keyword('TYPES');
export const Type = keyword('TYPE');
export const Variables = keyword('VARIABLES');
export const Extended = keyword('EXTENDED');
export const Describe = keyword('DESCRIBE');
export const Explain = keyword('EXPLAIN');
export const Print = keyword('PRINT');
export const Beginning = keyword('BEGINNING');
export const Interval = keyword('INTERVAL');
export const Sample = keyword('SAMPLE');
export const SetKw = keyword('SET');
export const Unset = keyword('UNSET');
export const Define = keyword('DEFINE');
export const Undefine = keyword('UNDEFINE');
export const Assert = keyword('ASSERT');
export const Schema = keyword('SCHEMA');
export const Subject = keyword('SUBJECT');
export const Id = keyword('ID');
export const Timeout = keyword('TIMEOUT');
export const Alter = keyword('ALTER');
export const System = keyword('SYSTEM');
export const Add = keyword('ADD');
export const Column = keyword('COLUMN');
export const Connector = keyword('CONNECTOR');
export const Connectors = keyword('CONNECTORS');
export const Plugins = keyword('PLUGINS');
export const Escape = keyword('ESCAPE');
// Non-reserved: windows, joins and emission.
export const Tumbling = keyword('TUMBLING');
export const Hopping = keyword('HOPPING');
export const Session = keyword('SESSION');
export const Size = keyword('SIZE');
export const Advance = keyword('ADVANCE');
export const Retention = keyword('RETENTION');
export const Grace = keyword('GRACE');
export const Period = keyword('PERIOD');
export const Changes = keyword('CHANGES');
export const Final = keyword('FINAL');

/** Category of the time units accepted after a duration's number. */
export const TimeUnit = createToken({ name: 'TimeUnit', pattern: Lexer.NA });
const TIME_UNIT_WORDS = [
  'MILLISECONDS', 'MILLISECOND', 'SECONDS', 'SECOND', 'MINUTES', 'MINUTE', 'HOURS', 'HOUR', 'DAYS', 'DAY',
];
for (const word of TIME_UNIT_WORDS) keyword(word, false, [TimeUnit]);

// Literals. Numbers follow ksqlDB's three shapes: an exponent makes a DOUBLE, a point a DECIMAL.
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /'(?:[^']|'')*'/,
  line_breaks: true,
});
export const FloatLiteral = createToken({
  name: 'FloatLiteral',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+/,
});
export const DecimalLiteral = createToken({ name: 'DecimalLiteral', pattern: /\d+\.\d*|\.\d+/ });
export const IntegerLiteral = createToken({ name: 'IntegerLiteral', pattern: /\d+/ });
/**
 * `1R`: an identifier that starts with a digit, which ksqlDB accepts as a name (`ROUND(v, -1) AS
 * 1R`). Lexed as one token so that `SELECT 1abc` is the column 1ABC, not `1` aliased `abc`; a
 * number with an exponent (`1e-1`) is left to FloatLiteral.
 */
export const DigitIdentifier = createToken({
  name: 'DigitIdentifier',
  pattern: {
    exec(text: string, offset: number): RegExpExecArray | null {
      const identifier = /\d+[A-Za-z_@][A-Za-z0-9_@]*/y;
      identifier.lastIndex = offset;
      const match = identifier.exec(text);
      if (match === null) return null;
      const float = /\d+[eE][+-]?\d+/y;
      float.lastIndex = offset;
      const number = float.exec(text);
      return number !== null && number[0].length >= match[0].length ? null : match;
    },
  },
  line_breaks: false,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  categories: [AnyIdentifier],
});

// Punctuation and operators; longer spellings first.
export const ComparisonOp = createToken({ name: 'ComparisonOp', pattern: Lexer.NA });
export const AdditiveOp = createToken({ name: 'AdditiveOp', pattern: Lexer.NA });
export const MultiplicativeOp = createToken({ name: 'MultiplicativeOp', pattern: Lexer.NA });

export const LambdaArrow = createToken({ name: 'LambdaArrow', pattern: /=>/ });
export const Assign = createToken({ name: 'Assign', pattern: /:=/ });
export const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
export const Concat = createToken({ name: 'Concat', pattern: /\|\|/ });
export const LessOrEqual = createToken({ name: 'LessOrEqual', pattern: /<=/, categories: [ComparisonOp] });
export const GreaterOrEqual = createToken({ name: 'GreaterOrEqual', pattern: />=/, categories: [ComparisonOp] });
export const NotEqual = createToken({ name: 'NotEqual', pattern: /<>|!=/, categories: [ComparisonOp] });
export const Equals = createToken({ name: 'Equals', pattern: /=/, categories: [ComparisonOp] });
export const LessThan = createToken({ name: 'LessThan', pattern: /</, categories: [ComparisonOp] });
export const GreaterThan = createToken({ name: 'GreaterThan', pattern: />/, categories: [ComparisonOp] });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: [AdditiveOp] });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: [AdditiveOp] });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: [MultiplicativeOp] });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: [MultiplicativeOp] });
export const Percent = createToken({ name: 'Percent', pattern: /%/, categories: [MultiplicativeOp] });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/ });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  line_breaks: true,
  group: Lexer.SKIPPED,
});

/** Order matters: comments before operators, numbers before identifiers, keywords before `Identifier`. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  AnyIdentifier,
  ComparisonOp,
  AdditiveOp,
  MultiplicativeOp,
  TimeUnit,
  StringLiteral,
  BacktickIdentifier,
  DoubleQuotedIdentifier,
  DigitIdentifier,
  FloatLiteral,
  DecimalLiteral,
  IntegerLiteral,
  LambdaArrow,
  Assign,
  Arrow,
  Concat,
  LessOrEqual,
  GreaterOrEqual,
  NotEqual,
  Equals,
  LessThan,
  GreaterThan,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Dot,
  Semicolon,
  // Longest first, so that `STREAMS` is not lexed as `STREAM` followed by an identifier `S`.
  ...[...keywordTokens.keys()].sort((a, b) => b.length - a.length).map((word) => keywordTokens.get(word)!),
  Identifier,
];

export const sqlLexer = new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true });
