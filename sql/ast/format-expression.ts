/**
 * Prints expressions and types as normalised SQL: upper-case keywords, single spaces, only the
 * parentheses precedence needs, identifiers quoted only when they must be. Parsing the output
 * gives back the same tree (the printer round-trip tests hold it to that).
 */
import { reservedWords } from '../parser/tokens.js';
import type { Expression } from './expressions.js';
import type { SqlType } from './types.js';

/**
 * Words the grammar reads as syntax in some place a name can stand, so a name spelled so is
 * quoted: `ARRAY[1]` is a constructor, `FN(SECONDS)` an interval unit, `CREATE STREAM IF …`
 * starts IF NOT EXISTS, `DESCRIBE STREAMS` lists streams, `ADD COLUMN` …
 */
const CONTEXTUAL = new Set([
  'ARRAY', 'MAP', 'STRUCT', 'IF', 'COLUMN', 'FUNCTION', 'CONNECTOR', 'STREAMS', 'TABLES',
  'MILLISECONDS', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS',
]);

/** A name as it must be written to mean `name`: bare if it reads back the same, else in backticks. */
export function formatIdentifier(name: string): string {
  if (/^[A-Z_][A-Z0-9_@]*$/.test(name) && !reservedWords.has(name) && !CONTEXTUAL.has(name)) return name;
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A name whose case is kept even unquoted (topics, query ids, variables). */
export function formatRawIdentifier(text: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_@]*$/.test(text) && !reservedWords.has(text.toUpperCase()) && !CONTEXTUAL.has(text.toUpperCase())) {
    return text;
  }
  return `\`${text.replace(/`/g, '``')}\``;
}

export function formatString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function formatType(type: SqlType): string {
  switch (type.kind) {
    case 'PrimitiveType':
      return type.name;
    case 'DecimalType':
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case 'ArrayType':
      return `ARRAY<${formatType(type.element)}>`;
    case 'MapType':
      return `MAP<${formatType(type.key)}, ${formatType(type.value)}>`;
    case 'StructType':
      return `STRUCT<${type.fields.map((f) => `${formatIdentifier(f.name)} ${formatType(f.type)}`).join(', ')}>`;
    case 'CustomType':
      return formatIdentifier(type.name);
  }
}

/** Binding strength, loosest first; an operand weaker than its slot gets parentheses. */
const enum Level {
  Lambda = 0,
  Or = 1,
  And = 2,
  Not = 3,
  Predicate = 4,
  Concat = 5,
  Additive = 6,
  Multiplicative = 7,
  Unary = 8,
  Postfix = 9,
  Primary = 10,
}

function level(expression: Expression): Level {
  switch (expression.kind) {
    case 'Lambda':
      return Level.Lambda;
    case 'LogicalBinary':
      return expression.operator === 'OR' ? Level.Or : Level.And;
    case 'Not':
      return Level.Not;
    case 'Comparison':
    case 'IsNull':
    case 'Like':
    case 'Between':
    case 'InList':
      return Level.Predicate;
    case 'Concatenation':
      return Level.Concat;
    case 'ArithmeticBinary':
      return expression.operator === '+' || expression.operator === '-' ? Level.Additive : Level.Multiplicative;
    case 'ArithmeticUnary':
      return Level.Unary;
    case 'Subscript':
    case 'Dereference':
      return Level.Postfix;
    case 'IntegerLiteral':
    case 'DoubleLiteral':
      return expression.value < 0 || Object.is(expression.value, -0) ? Level.Unary : Level.Primary;
    case 'BigIntLiteral':
      return expression.value < 0n ? Level.Unary : Level.Primary;
    case 'DecimalLiteral':
      return expression.value.startsWith('-') ? Level.Unary : Level.Primary;
    default:
      return Level.Primary;
  }
}

export function formatExpression(expression: Expression): string {
  return format(expression, Level.Lambda);
}

let parenthesizeAll = false;

/**
 * As ksqlDB prints expressions in its messages: every binary operation in parentheses
 * (`(T.ID = 0)`, `(F1 - F2)`), so messages read the same as users know them.
 */
export function formatExpressionForMessage(expression: Expression): string {
  parenthesizeAll = true;
  try {
    return format(expression, Level.Lambda);
  } finally {
    parenthesizeAll = false;
  }
}

function format(expression: Expression, slot: Level): string {
  const text = formatBare(expression);
  if (parenthesizeAll && (expression.kind === 'ArithmeticBinary' || expression.kind === 'Comparison' || expression.kind === 'LogicalBinary')) return `(${text})`;
  return level(expression) < slot ? `(${text})` : text;
}

const isNumber = (e: Expression): boolean =>
  e.kind === 'IntegerLiteral' || e.kind === 'BigIntLiteral' || e.kind === 'DecimalLiteral' || e.kind === 'DoubleLiteral';

function formatBare(e: Expression): string {
  switch (e.kind) {
    case 'IntegerLiteral':
    case 'BigIntLiteral':
      return e.value.toString();
    case 'DecimalLiteral':
      return e.value;
    case 'DoubleLiteral':
      return e.text;
    case 'StringLiteral':
      return formatString(e.value);
    case 'BooleanLiteral':
      // ksqlDB's messages print Java's `true` / `false`.
      if (parenthesizeAll) return e.value ? 'true' : 'false';
      return e.value ? 'TRUE' : 'FALSE';
    case 'NullLiteral':
      return 'NULL';
    case 'ColumnRef':
      return e.source === undefined ? formatIdentifier(e.name) : `${formatIdentifier(e.source)}.${formatIdentifier(e.name)}`;
    case 'IntervalUnit':
      return e.unit;
    case 'LambdaVariable':
      return formatIdentifier(e.name);
    case 'Dereference':
      return `${format(e.base, Level.Postfix)}->${formatIdentifier(e.field)}`;
    case 'Subscript':
      return `${format(e.base, Level.Postfix)}[${format(e.index, Level.Lambda)}]`;
    case 'ArithmeticBinary': {
      const own = level(e);
      return `${format(e.left, own)} ${e.operator} ${format(e.right, own + 1)}`;
    }
    case 'ArithmeticUnary': {
      // A plain number after a minus would be read back as a negative literal: keep its parentheses.
      const operand = isNumber(e.operand) && level(e.operand) === Level.Primary ? `(${formatBare(e.operand)})` : format(e.operand, Level.Unary);
      // `- -5`, not `--5`, which starts a comment.
      return `${e.operator}${operand.startsWith('-') || operand.startsWith('+') ? ' ' : ''}${operand}`;
    }
    case 'Concatenation':
      return `${format(e.left, Level.Concat)} || ${format(e.right, Level.Additive)}`;
    case 'Comparison':
      return `${format(e.left, Level.Concat)} ${e.operator} ${format(e.right, Level.Concat)}`;
    case 'LogicalBinary': {
      const own = level(e);
      return `${format(e.left, own)} ${e.operator} ${format(e.right, own + 1)}`;
    }
    case 'Not':
      return `NOT ${format(e.operand, Level.Not)}`;
    case 'IsNull':
      return `${format(e.operand, Level.Concat)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'Like': {
      const escape = e.escape === undefined ? '' : ` ESCAPE ${formatString(e.escape)}`;
      return `${format(e.value, Level.Concat)} ${e.negated ? 'NOT ' : ''}LIKE ${format(e.pattern, Level.Concat)}${escape}`;
    }
    case 'Between':
      return `${format(e.value, Level.Concat)} ${e.negated ? 'NOT ' : ''}BETWEEN ${format(e.lower, Level.Concat)} AND ${format(e.upper, Level.Concat)}`;
    case 'InList':
      return `${format(e.value, Level.Concat)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map((item) => format(item, Level.Or)).join(', ')})`;
    case 'FunctionCall':
      return `${formatIdentifier(e.name)}(${e.star ? '*' : e.args.map((arg) => format(arg, Level.Lambda)).join(', ')})`;
    case 'Lambda': {
      const params = e.params.map(formatIdentifier);
      const head = params.length === 1 ? params[0]! : `(${params.join(', ')})`;
      return `${head} => ${format(e.body, Level.Or)}`;
    }
    case 'Cast':
      return `CAST(${format(e.expression, Level.Or)} AS ${formatType(e.type)})`;
    case 'SearchedCase':
    case 'SimpleCase': {
      const operand = e.kind === 'SimpleCase' ? ` ${format(e.operand, Level.Concat)}` : '';
      const whens = e.whenClauses.map((w) => ` WHEN ${format(w.when, Level.Or)} THEN ${format(w.then, Level.Or)}`).join('');
      const otherwise = e.else === undefined ? '' : ` ELSE ${format(e.else, Level.Or)}`;
      return `CASE${operand}${whens}${otherwise} END`;
    }
    case 'ArrayConstructor':
      return `ARRAY[${e.elements.map((x) => format(x, Level.Or)).join(', ')}]`;
    case 'MapConstructor':
      return `MAP(${e.entries.map((x) => `${format(x.key, Level.Or)} := ${format(x.value, Level.Or)}`).join(', ')})`;
    case 'StructConstructor':
      return `STRUCT(${e.fields.map((x) => `${formatIdentifier(x.name)} := ${format(x.value, Level.Or)}`).join(', ')})`;
  }
}
