/**
 * CST -> AST for expressions, literals and types. Besides reshaping, it does what ksqlDB does
 * while building its AST: types numeric literals (INTEGER, BIGINT, DECIMAL(p, s), DOUBLE) and
 * rejects those out of range, folds a minus sign into a number literal (so -2147483648 is an
 * INTEGER), tells lambda parameters from column references, and resolves type names.
 */
import type { CstNode, IToken } from 'chevrotain';
import * as t from '../parser/tokens.js';
import { CstReader, child, has, isTokenOf, nodes, only, onlyToken, stringValue, token, tokens } from './cst.js';
import type {
  ArithmeticOperator,
  ComparisonOperator,
  Expression,
  Literal,
  TimeUnit,
  WhenClause,
} from './expressions.js';
import { PRIMITIVE_TYPE_NAMES } from './types.js';
import type { SqlType } from './types.js';

const PLURAL_UNITS = new Set<string>(['MILLISECONDS', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS']);

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

const COMPARISON: Record<string, ComparisonOperator> = {
  Equals: '=',
  NotEqual: '<>',
  LessThan: '<',
  LessOrEqual: '<=',
  GreaterThan: '>',
  GreaterOrEqual: '>=',
};

/** The tokens of a binary chain's operators, in source order. */
function operators(node: CstNode, name: string): IToken[] {
  return tokens(node, name).sort((a, b) => a.startOffset - b.startOffset);
}

/** For each expression rule, the child through which a lone operand passes down to the postfix level. */
const PASS_THROUGH: Record<string, string> = {
  expression: 'orExpression',
  orExpression: 'operands',
  andExpression: 'operands',
  notExpression: 'predicated',
  predicated: 'valueExpression',
  valueExpression: 'operands',
  additiveExpression: 'operands',
  multiplicativeExpression: 'operands',
  unaryExpression: 'postfixExpression',
};

/** The postfix expression an expression CST consists of, if it is nothing more than that. */
export function barePostfix(expression: CstNode): CstNode | undefined {
  let node = expression;
  while (node.name !== 'postfixExpression') {
    const key = PASS_THROUGH[node.name];
    if (key === undefined) return undefined;
    // Any other child is an operator, a predicate, a NOT or a sign: more than a postfix chain.
    if (Object.entries(node.children).some(([name, value]) => name !== key && value.length > 0)) return undefined;
    const next = nodes(node, key);
    if (next.length !== 1) return undefined;
    node = next[0]!;
  }
  return node;
}

export class ExpressionBuilder extends CstReader {
  /** Parameters of the lambdas being built, innermost last. */
  private readonly lambdaScopes: ReadonlySet<string>[] = [];

  expression(node: CstNode): Expression {
    return this.or(only(node, 'orExpression'));
  }

  private or(node: CstNode): Expression {
    return this.logical(nodes(node, 'operands').map((operand) => this.and(operand)), 'OR');
  }

  private and(node: CstNode): Expression {
    return this.logical(nodes(node, 'operands').map((operand) => this.not(operand)), 'AND');
  }

  private logical(operands: Expression[], operator: 'AND' | 'OR'): Expression {
    return operands.reduce((left, right) => ({ kind: 'LogicalBinary', operator, left, right, loc: left.loc }));
  }

  private not(node: CstNode): Expression {
    const notToken = token(node, 'NOT');
    if (notToken !== undefined) {
      return { kind: 'Not', operand: this.not(only(node, 'notExpression')), loc: this.loc(notToken) };
    }
    return this.predicated(only(node, 'predicated'));
  }

  private predicated(node: CstNode): Expression {
    const value = this.valueExpression(only(node, 'valueExpression'));
    const predicate = child(node, 'predicate');
    if (predicate === undefined) return value;
    const loc = value.loc;
    const negated = has(predicate, 'NOT');
    const comparison = token(predicate, 'ComparisonOp');
    if (comparison !== undefined) {
      const operator = COMPARISON[comparison.tokenType.name]!;
      return { kind: 'Comparison', operator, left: value, right: this.valueExpression(only(predicate, 'right')), loc };
    }
    if (has(predicate, 'IS')) {
      if (has(predicate, 'NULL')) return { kind: 'IsNull', operand: value, negated, loc };
      const operator = negated ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM';
      return { kind: 'Comparison', operator, left: value, right: this.valueExpression(only(predicate, 'right')), loc };
    }
    if (has(predicate, 'BETWEEN')) {
      const lower = this.valueExpression(only(predicate, 'lower'));
      const upper = this.valueExpression(only(predicate, 'upper'));
      return { kind: 'Between', value, lower, upper, negated, loc };
    }
    if (has(predicate, 'IN')) {
      const list = nodes(predicate, 'list').map((item) => this.expression(item));
      return { kind: 'InList', value, list, negated, loc };
    }
    const pattern = this.valueExpression(only(predicate, 'pattern'));
    const escape = token(predicate, 'escape');
    return escape === undefined
      ? { kind: 'Like', value, pattern, negated, loc }
      : { kind: 'Like', value, pattern, escape: stringValue(escape), negated, loc };
  }

  valueExpression(node: CstNode): Expression {
    const operands = nodes(node, 'operands').map((operand) => this.additive(operand));
    return operands.reduce((left, right) => ({ kind: 'Concatenation', left, right, loc: left.loc }));
  }

  private additive(node: CstNode): Expression {
    return this.arithmetic(node, 'AdditiveOp', (operand) => this.multiplicative(operand));
  }

  private multiplicative(node: CstNode): Expression {
    return this.arithmetic(node, 'MultiplicativeOp', (operand) => this.unary(operand));
  }

  private arithmetic(node: CstNode, operatorName: string, build: (operand: CstNode) => Expression): Expression {
    const operands = nodes(node, 'operands').map(build);
    const ops = operators(node, operatorName);
    return operands.reduce((left, right, i) => ({
      kind: 'ArithmeticBinary',
      operator: ops[i - 1]!.image as ArithmeticOperator,
      left,
      right,
      loc: left.loc,
    }));
  }

  private unary(node: CstNode): Expression {
    const sign = token(node, 'AdditiveOp');
    if (sign === undefined) return this.postfix(only(node, 'postfixExpression'));
    const operandNode = only(node, 'unaryExpression');
    const number = sign.image === '-' ? this.bareNumber(operandNode) : undefined;
    if (number !== undefined) return this.numberLiteral(number, true, sign);
    return { kind: 'ArithmeticUnary', operator: sign.image as '+' | '-', operand: this.unary(operandNode), loc: this.loc(sign) };
  }

  /** The number token of a unary expression that is just a number literal. */
  private bareNumber(unary: CstNode): IToken | undefined {
    const postfix = child(unary, 'postfixExpression');
    if (postfix === undefined || has(postfix, 'postfixOperator')) return undefined;
    const literal = child(only(postfix, 'primaryExpression'), 'literal');
    if (literal === undefined) return undefined;
    return token(literal, 'IntegerLiteral') ?? token(literal, 'DecimalLiteral') ?? token(literal, 'FloatLiteral');
  }

  /** A postfix chain; with `skipLast`, without its last operator (the `->*` of a select item). */
  postfix(node: CstNode, skipLast = false): Expression {
    let expression = this.primary(only(node, 'primaryExpression'));
    const ops = nodes(node, 'postfixOperator');
    for (const op of skipLast ? ops.slice(0, -1) : ops) {
      const index = child(op, 'index');
      if (index !== undefined) {
        expression = { kind: 'Subscript', base: expression, index: this.expression(index), loc: expression.loc };
        continue;
      }
      const field = child(op, 'field');
      if (field === undefined) {
        this.fail(onlyToken(op, 'Star'), "Syntax Error\n'->*' selects all fields of a struct and can only be a whole select item, as in SELECT col->* FROM s.");
      }
      expression = { kind: 'Dereference', base: expression, field: this.name(field), loc: expression.loc };
    }
    return expression;
  }

  private primary(node: CstNode): Expression {
    const [name, [inner]] = Object.entries(node.children)[0]! as [string, CstNode[]];
    switch (name) {
      case 'literal':
        return this.literal(inner!);
      case 'parenthesizedExpression':
        return this.expression(only(inner!, 'expression'));
      case 'columnOrCall':
        return this.columnOrCall(inner!);
      case 'caseExpression':
        return this.caseExpression(inner!);
      case 'castExpression':
        return { kind: 'Cast', expression: this.expression(only(inner!, 'expression')), type: this.type(only(inner!, 'type')), loc: this.loc(inner!) };
      case 'arrayConstructor':
        return { kind: 'ArrayConstructor', elements: nodes(inner!, 'elements').map((e) => this.expression(e)), loc: this.loc(inner!) };
      case 'mapConstructor': {
        const values = nodes(inner!, 'values');
        const entries = nodes(inner!, 'keys').map((key, i) => ({ key: this.expression(key), value: this.expression(values[i]!) }));
        return { kind: 'MapConstructor', entries, loc: this.loc(inner!) };
      }
      case 'structConstructor': {
        const values = nodes(inner!, 'values');
        const fields = nodes(inner!, 'names').map((field, i) => ({
          name: this.name(field),
          value: this.expression(values[i]!),
          loc: this.loc(field),
        }));
        return { kind: 'StructConstructor', fields, loc: this.loc(inner!) };
      }
      default:
        throw new Error(`unexpected primary expression ${name}`);
    }
  }

  literal(node: CstNode): Literal {
    const [literal] = Object.values(node.children)[0]! as IToken[];
    const loc = this.loc(literal!);
    if (isTokenOf(literal!, t.StringLiteral)) return { kind: 'StringLiteral', value: stringValue(literal!), loc };
    if (isTokenOf(literal!, t.True)) return { kind: 'BooleanLiteral', value: true, loc };
    if (isTokenOf(literal!, t.False)) return { kind: 'BooleanLiteral', value: false, loc };
    if (isTokenOf(literal!, t.Null)) return { kind: 'NullLiteral', loc };
    return this.numberLiteral(literal!, false, literal!);
  }

  /** Types a number as ksqlDB does; `negative` folds a preceding minus (at `start`) into it. */
  numberLiteral(number: IToken, negative: boolean, start: IToken): Literal {
    const text = (negative ? '-' : '') + number.image;
    const loc = this.loc(start);
    if (isTokenOf(number, t.IntegerLiteral)) {
      const value = BigInt(text);
      if (value >= INT_MIN && value <= INT_MAX) return { kind: 'IntegerLiteral', value: Number(value), loc };
      if (value >= BIGINT_MIN && value <= BIGINT_MAX) return { kind: 'BigIntLiteral', value, loc };
      this.fail(start, `Invalid numeric literal: ${text}`);
    }
    if (isTokenOf(number, t.FloatLiteral)) {
      const value = Number(text);
      if (!Number.isFinite(value)) this.fail(start, `Number overflows DOUBLE: ${text}`);
      return { kind: 'DoubleLiteral', value, text, loc };
    }
    const [whole = '', fraction = ''] = number.image.split('.');
    const scale = fraction.length;
    const significant = (whole + fraction).replace(/^0+/, '');
    const belowOne = /^0*$/.test(whole);
    const precision = belowOne ? scale + 1 : Math.max(1, significant.length);
    return { kind: 'DecimalLiteral', value: text, precision, scale, loc };
  }

  private columnOrCall(node: CstNode): Expression {
    const nameNode = only(node, 'name');
    const name = this.name(nameNode);
    const loc = this.loc(nameNode);
    if (has(node, 'LParen')) {
      const args = nodes(node, 'args').map((arg) => this.functionArgument(arg));
      return { kind: 'FunctionCall', name, args, star: has(node, 'Star'), loc };
    }
    const column = child(node, 'column');
    if (column !== undefined) return { kind: 'ColumnRef', source: name, name: this.name(column), loc };
    if (this.lambdaScopes.some((scope) => scope.has(name))) return { kind: 'LambdaVariable', name, loc };
    return { kind: 'ColumnRef', name, loc };
  }

  private functionArgument(node: CstNode): Expression {
    const lambda = child(node, 'lambda');
    if (lambda === undefined) {
      const expression = only(node, 'expression');
      return this.intervalUnit(expression) ?? this.expression(expression);
    }
    const paramNodes = nodes(lambda, 'params');
    const params = paramNodes.map((param) => this.name(param));
    params.forEach((param, i) => {
      if (params.indexOf(param) !== i) {
        this.fail(paramNodes[i]!, `Syntax Error\nLambda parameter ${param} is declared twice; each parameter needs its own name.`);
      }
    });
    this.lambdaScopes.push(new Set(params));
    try {
      return { kind: 'Lambda', params, body: this.expression(only(lambda, 'body')), loc: this.loc(lambda) };
    } finally {
      this.lambdaScopes.pop();
    }
  }

  /** A bare plural time unit as a function argument: `TIMESTAMPADD(SECONDS, 5, ts)`. */
  private intervalUnit(expression: CstNode): Expression | undefined {
    const postfix = barePostfix(expression);
    if (postfix === undefined || has(postfix, 'postfixOperator')) return undefined;
    const call = child(only(postfix, 'primaryExpression'), 'columnOrCall');
    if (call === undefined || Object.keys(call.children).some((key) => key !== 'name')) return undefined;
    const word = onlyToken(only(call, 'name'), 'AnyIdentifier');
    const unit = word.image.toUpperCase();
    if (!isTokenOf(word, t.TimeUnit) || !PLURAL_UNITS.has(unit)) return undefined;
    return { kind: 'IntervalUnit', unit: unit as TimeUnit, loc: this.loc(word) };
  }

  private caseExpression(node: CstNode): Expression {
    const whenClauses: WhenClause[] = nodes(node, 'whenClause').map((clause) => ({
      when: this.expression(only(clause, 'when')),
      then: this.expression(only(clause, 'then')),
      loc: this.loc(clause),
    }));
    const elseNode = child(node, 'else');
    const elseValue = elseNode === undefined ? {} : { else: this.expression(elseNode) };
    const operand = child(node, 'operand');
    const loc = this.loc(node);
    if (operand === undefined) return { kind: 'SearchedCase', whenClauses, ...elseValue, loc };
    return { kind: 'SimpleCase', operand: this.valueExpression(operand), whenClauses, ...elseValue, loc };
  }

  // ---- types -------------------------------------------------------------------------------

  type(node: CstNode): SqlType {
    const loc = this.loc(node);
    if (has(node, 'ARRAY')) return { kind: 'ArrayType', element: this.type(only(node, 'element')), loc };
    if (has(node, 'MAP')) {
      return { kind: 'MapType', key: this.type(only(node, 'key')), value: this.type(only(node, 'value')), loc };
    }
    if (has(node, 'STRUCT')) {
      const fields = nodes(node, 'fields').map((field) => ({
        name: this.name(only(field, 'name')),
        type: this.type(only(field, 'type')),
        loc: this.loc(field),
      }));
      return { kind: 'StructType', fields, loc };
    }
    const nameNode = only(node, 'name');
    const name = this.name(nameNode);
    const parameters = tokens(node, 'parameters').sort((a, b) => a.startOffset - b.startOffset);
    // ksqlDB's one word parameter is STRING (VARCHAR(STRING)); anything else is a syntax error there.
    const word = parameters.find((p) => isTokenOf(p, t.AnyIdentifier) && p.image.toUpperCase() !== 'STRING');
    if (word !== undefined) this.fail(word, `Syntax Error\nFound '${word.image}', expected an integer, a string or STRING.`);
    if (name === 'DECIMAL') {
      const [precision, scale] = parameters.map((p) => (isTokenOf(p, t.IntegerLiteral) ? Number(p.image) : NaN));
      if (parameters.length !== 2 || !Number.isInteger(precision) || !Number.isInteger(scale)) {
        this.fail(nameNode, 'Syntax Error\nDECIMAL needs a precision and a scale, as in DECIMAL(10, 2).');
      }
      if (precision! < 1) this.fail(parameters[0]!, `DECIMAL precision must be at least 1: ${precision}`);
      if (scale! > precision!) {
        this.fail(parameters[1]!, `DECIMAL scale must not exceed its precision: DECIMAL(${precision}, ${scale})`);
      }
      return { kind: 'DecimalType', precision: precision!, scale: scale!, loc };
    }
    const primitive = PRIMITIVE_TYPE_NAMES.get(name);
    // ksqlDB takes and ignores a length on strings (VARCHAR(255), VARCHAR(STRING)); nothing else has parameters.
    if (parameters.length > 0 && primitive !== 'STRING') {
      this.fail(parameters[0]!, `Syntax Error\nType ${name} takes no parameters; only DECIMAL(precision, scale) does.`);
    }
    return primitive === undefined ? { kind: 'CustomType', name, loc } : { kind: 'PrimitiveType', name: primitive, loc };
  }
}
