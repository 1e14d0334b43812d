/**
 * CST -> AST for statements. Checks what the grammar leaves open: a CREATE with both columns
 * and a query, a window's options, what EXPLAIN may explain, where `->*` may stand.
 */
import type { CstNode, IToken } from 'chevrotain';
import { ExpressionBuilder, barePostfix } from './build-expressions.js';
import { child, has, nodes, only, onlyToken, stringValue, token, tokens } from './cst.js';
import type {
  ColumnConstraint,
  ColumnDefinition,
  CreateAsSelect,
  Duration,
  InsertInto,
  JoinType,
  Property,
  Query,
  Relation,
  SelectItem,
  ShowSubject,
  SourceType,
  Statement,
  TimeUnit,
  WindowExpression,
} from './statements.js';

const UNITS: Record<string, TimeUnit> = {
  MILLISECOND: 'MILLISECONDS',
  SECOND: 'SECONDS',
  MINUTE: 'MINUTES',
  HOUR: 'HOURS',
  DAY: 'DAYS',
};

export class AstBuilder extends ExpressionBuilder {
  statement(node: CstNode): Statement {
    const [name, [inner]] = Object.entries(node.children)[0]! as [string, CstNode[]];
    switch (name) {
      case 'query':
        return this.query(inner!);
      case 'createStatement':
        return this.create(inner!);
      case 'insertStatement':
        return this.insert(inner!);
      case 'dropStatement':
        return this.drop(inner!);
      case 'alterStatement':
        return this.alter(inner!);
      case 'showStatement':
        return this.show(inner!);
      case 'describeStatement':
        return this.describe(inner!);
      case 'explainStatement':
        return this.explain(inner!);
      case 'printStatement':
        return this.print(inner!);
      case 'queryControlStatement':
        return this.queryControl(inner!);
      case 'setStatement':
        return {
          kind: 'SetProperty',
          property: stringValue(onlyToken(inner!, 'property')),
          value: stringValue(onlyToken(inner!, 'value')),
          loc: this.loc(inner!),
        };
      case 'unsetStatement':
        return { kind: 'UnsetProperty', property: stringValue(onlyToken(inner!, 'property')), loc: this.loc(inner!) };
      case 'defineStatement':
        return {
          kind: 'DefineVariable',
          name: this.rawName(only(inner!, 'name')),
          value: stringValue(onlyToken(inner!, 'value')),
          loc: this.loc(inner!),
        };
      case 'undefineStatement':
        return { kind: 'UndefineVariable', name: this.rawName(only(inner!, 'name')), loc: this.loc(inner!) };
      case 'assertStatement':
        return this.assert(inner!);
      default:
        throw new Error(`unexpected statement ${name}`);
    }
  }

  // ---- CREATE / INSERT ---------------------------------------------------------------------

  private create(node: CstNode): Statement {
    const loc = this.loc(node);
    const ifNotExists = nodes(node, 'ifNotExists').some((option) => has(option, 'IF'));
    const name = this.name(only(node, 'name'));
    if (has(node, 'TYPE')) return { kind: 'CreateType', ifNotExists, name, type: this.type(only(node, 'type')), loc };
    const properties = this.properties(child(node, 'withClause'));
    const connectorType = token(node, 'connectorType');
    if (connectorType !== undefined) {
      const type = connectorType.image.toUpperCase() as 'SOURCE' | 'SINK';
      return { kind: 'CreateConnector', connectorType: type, ifNotExists, name, properties, loc };
    }
    const sourceType = this.sourceType(only(node, 'sourceType'));
    const orReplace = has(node, 'OR');
    const isSource = has(node, 'SOURCE');
    const elements = child(node, 'tableElements');
    const query = child(node, 'query');
    if (query === undefined) {
      const columns = elements === undefined ? [] : nodes(elements, 'tableElement').map((e) => this.column(e));
      return { kind: 'CreateSource', sourceType, orReplace, isSource, ifNotExists, name, columns, properties, loc };
    }
    if (elements !== undefined) {
      this.fail(elements, `Syntax Error\nCREATE ${sourceType} … AS SELECT cannot declare columns: the query defines them.`);
    }
    if (isSource) {
      this.fail(onlyToken(node, 'SOURCE'), `Syntax Error\nCREATE SOURCE ${sourceType} cannot have a query: source ${sourceType.toLowerCase()}s read a topic.`);
    }
    return { kind: 'CreateAsSelect', sourceType, orReplace, ifNotExists, name, properties, query: this.query(query), loc };
  }

  private sourceType(node: CstNode): SourceType {
    return has(node, 'STREAM') ? 'STREAM' : 'TABLE';
  }

  private column(node: CstNode): ColumnDefinition {
    const column = { name: this.name(only(node, 'name')), type: this.type(only(node, 'type')), loc: this.loc(node) };
    const constraint = this.constraint(node);
    return constraint === undefined ? column : { ...column, constraint };
  }

  private constraint(node: CstNode): ColumnConstraint | undefined {
    if (has(node, 'PRIMARY')) return { kind: 'PrimaryKey' };
    if (has(node, 'KEY')) return { kind: 'Key' };
    if (has(node, 'HEADERS')) return { kind: 'Headers' };
    const key = token(node, 'headerKey');
    return key === undefined ? undefined : { kind: 'Header', key: stringValue(key) };
  }

  private properties(withClause: CstNode | undefined): Property[] {
    if (withClause === undefined) return [];
    return nodes(withClause, 'property').map((property) => {
      const nameNode = child(property, 'name');
      const name = nameNode === undefined ? stringValue(onlyToken(property, 'name')) : this.name(nameNode);
      return { name, value: this.propertyValue(only(property, 'propertyValue')), loc: this.loc(property) };
    });
  }

  private propertyValue(node: CstNode): Property['value'] {
    const number = token(node, 'IntegerLiteral') ?? token(node, 'DecimalLiteral') ?? token(node, 'FloatLiteral');
    if (number === undefined) return this.literal(node);
    const sign = token(node, 'sign');
    return this.numberLiteral(number, sign?.image === '-', sign ?? number);
  }

  private insert(node: CstNode): Statement {
    const target = this.name(only(node, 'target'));
    const loc = this.loc(node);
    const query = child(node, 'query');
    if (query !== undefined) {
      return { kind: 'InsertInto', target, properties: this.properties(child(node, 'withClause')), query: this.query(query), loc };
    }
    const columns = nodes(node, 'columns').map((column) => this.name(column));
    const values = nodes(node, 'values').map((value) => this.expression(value));
    return { kind: 'InsertValues', target, columns, values, loc };
  }

  // ---- SELECT ------------------------------------------------------------------------------

  query(node: CstNode): Query {
    const where = child(node, 'where');
    const groupBy = child(node, 'groupBy');
    const partitionBy = child(node, 'partitionBy');
    const having = child(node, 'having');
    const window = child(node, 'windowExpression');
    const emit = token(node, 'emit');
    const limit = token(node, 'limit');
    return {
      kind: 'Query',
      select: nodes(node, 'selectItem').map((item) => this.selectItem(item)),
      from: this.relation(only(node, 'relation')),
      ...(window && { window: this.window(window) }),
      ...(where && { where: this.expression(where) }),
      ...(groupBy && { groupBy: this.expressionList(groupBy) }),
      ...(partitionBy && { partitionBy: this.expressionList(partitionBy) }),
      ...(having && { having: this.expression(having) }),
      ...(emit && { emit: emit.image.toUpperCase() as 'CHANGES' | 'FINAL' }),
      ...(limit && { limit: this.integer(limit, 'LIMIT') }),
      loc: this.loc(node),
    };
  }

  private selectItem(node: CstNode): SelectItem {
    const loc = this.loc(node);
    const expression = child(node, 'expression');
    if (expression === undefined) {
      const source = child(node, 'source');
      return source === undefined ? { kind: 'AllColumns', loc } : { kind: 'AllColumns', source: this.name(source), loc };
    }
    const postfix = barePostfix(expression);
    const last = postfix === undefined ? undefined : nodes(postfix, 'postfixOperator').at(-1);
    if (postfix !== undefined && last !== undefined && has(last, 'Star')) {
      if (has(node, 'alias')) this.fail(only(node, 'alias'), 'Syntax Error\nstruct->* selects several columns and cannot have an alias.');
      return { kind: 'StructAllFields', expression: this.postfix(postfix, true), loc };
    }
    const alias = child(node, 'alias');
    const built = this.expression(expression);
    return alias === undefined
      ? { kind: 'SingleColumn', expression: built, loc }
      : { kind: 'SingleColumn', expression: built, alias: this.name(alias), loc };
  }

  private expressionList(node: CstNode) {
    return nodes(node, 'items').map((item) => this.valueExpression(item));
  }

  private relation(node: CstNode): Relation {
    let relation: Relation = this.aliasedSource(only(node, 'aliasedSource'));
    for (const join of nodes(node, 'joinClause')) {
      const type = token(join, 'joinType');
      const within = child(join, 'withinExpression');
      relation = {
        kind: 'Join',
        joinType: (type?.image.toUpperCase() ?? 'INNER') as JoinType,
        left: relation,
        right: this.aliasedSource(only(join, 'aliasedSource')),
        ...(within && { within: this.joinWindow(within) }),
        on: this.expression(only(join, 'on')),
        loc: this.loc(join),
      };
    }
    return relation;
  }

  private aliasedSource(node: CstNode) {
    const alias = child(node, 'alias');
    const source = { kind: 'AliasedSource' as const, name: this.name(only(node, 'name')), loc: this.loc(node) };
    return alias === undefined ? source : { ...source, alias: this.name(alias) };
  }

  private joinWindow(node: CstNode) {
    const size = child(node, 'size');
    const before = this.duration(size ?? only(node, 'before'));
    const after = size === undefined ? this.duration(only(node, 'after')) : before;
    const grace = child(node, 'gracePeriod');
    return { before, after, ...(grace && { grace: this.duration(only(grace, 'duration')) }), loc: this.loc(node) };
  }

  duration(node: CstNode): Duration {
    const unit = onlyToken(node, 'TimeUnit').image.toUpperCase();
    return {
      value: this.integer(onlyToken(node, 'IntegerLiteral'), 'A duration'),
      unit: UNITS[unit] ?? (unit as TimeUnit),
      loc: this.loc(node),
    };
  }

  private integer(literal: IToken, what: string): number {
    const value = Number(literal.image);
    if (!Number.isSafeInteger(value) || value > 2 ** 31 - 1) {
      this.fail(literal, `Invalid numeric literal: ${literal.image} (${what} must be at most ${2 ** 31 - 1})`);
    }
    return value;
  }

  private window(node: CstNode): WindowExpression {
    const type = onlyToken(node, 'windowType').image.toUpperCase();
    const loc = this.loc(node);
    const size = this.duration(only(node, 'size'));
    const options: { advance?: Duration; retention?: Duration; grace?: Duration } = {};
    for (const option of nodes(node, 'windowOption')) {
      const [key, duration] = has(option, 'ADVANCE')
        ? (['advance', only(option, 'advance')] as const)
        : has(option, 'RETENTION')
          ? (['retention', only(option, 'retention')] as const)
          : (['grace', only(only(option, 'gracePeriod'), 'duration')] as const);
      if (options[key] !== undefined) this.fail(option, `Syntax Error\nThe window's ${this.optionName(key)} is given twice.`);
      if (key === 'advance' && type !== 'HOPPING') {
        this.fail(option, `Syntax Error\nADVANCE BY belongs to HOPPING windows; a ${type} window has none.`);
      }
      options[key] = this.duration(duration);
    }
    const { advance, ...common } = options;
    if (type === 'SESSION') return { kind: 'SessionWindow', gap: size, ...common, loc };
    if (type === 'TUMBLING') return { kind: 'TumblingWindow', size, ...common, loc };
    if (advance === undefined) {
      this.fail(onlyToken(node, 'RParen'), 'Syntax Error\nA HOPPING window needs ADVANCE BY, as in HOPPING (SIZE 1 MINUTE, ADVANCE BY 10 SECONDS).');
    }
    return { kind: 'HoppingWindow', size, advance, ...common, loc };
  }

  private optionName(key: 'advance' | 'retention' | 'grace'): string {
    return { advance: 'ADVANCE BY', retention: 'RETENTION', grace: 'GRACE PERIOD' }[key];
  }

  // ---- DROP, ALTER, SHOW, DESCRIBE, EXPLAIN, PRINT, TERMINATE, ASSERT ------------------------------

  private drop(node: CstNode): Statement {
    const loc = this.loc(node);
    const ifExists = nodes(node, 'ifExists').some((option) => has(option, 'IF'));
    const name = this.name(only(node, 'name'));
    const sourceType = child(node, 'sourceType');
    if (sourceType !== undefined) {
      return { kind: 'DropSource', sourceType: this.sourceType(sourceType), ifExists, name, deleteTopic: has(node, 'DELETE'), loc };
    }
    const objectType = onlyToken(node, 'objectType').image.toUpperCase();
    return objectType === 'TYPE' ? { kind: 'DropType', ifExists, name, loc } : { kind: 'DropConnector', ifExists, name, loc };
  }

  private alter(node: CstNode): Statement {
    const loc = this.loc(node);
    const sourceType = child(node, 'sourceType');
    if (sourceType === undefined) {
      return {
        kind: 'AlterSystem',
        property: stringValue(onlyToken(node, 'property')),
        value: stringValue(onlyToken(node, 'value')),
        loc,
      };
    }
    const columns = nodes(node, 'alterOption').map((option) => ({
      name: this.name(only(option, 'name')),
      type: this.type(only(option, 'type')),
      loc: this.loc(only(option, 'name')),
    }));
    return { kind: 'AlterSource', sourceType: this.sourceType(sourceType), name: this.name(only(node, 'name')), columns, loc };
  }

  private show(node: CstNode): Statement {
    const subject = onlyToken(node, 'subject').image.toUpperCase();
    const connectorType = token(node, 'connectorType')?.image.toUpperCase() as 'SOURCE' | 'SINK' | undefined;
    return {
      kind: 'Show',
      subject: (subject === 'PLUGINS' ? 'CONNECTOR PLUGINS' : subject) as ShowSubject,
      extended: has(node, 'EXTENDED'),
      all: has(node, 'ALL'),
      ...(connectorType && { connectorType }),
      loc: this.loc(node),
    };
  }

  private describe(node: CstNode): Statement {
    const loc = this.loc(node);
    const extended = has(node, 'EXTENDED');
    const listing = token(node, 'listing');
    if (listing !== undefined) {
      const sourceType = listing.image.toUpperCase() === 'STREAMS' ? 'STREAM' : 'TABLE';
      return { kind: 'DescribeAll', sourceType, extended, loc };
    }
    const name = this.name(only(node, 'name'));
    const objectType = token(node, 'objectType')?.image.toUpperCase();
    if (objectType === 'FUNCTION') return { kind: 'DescribeFunction', name, loc };
    if (objectType === 'CONNECTOR') return { kind: 'DescribeConnector', name, loc };
    return { kind: 'DescribeSource', name, extended, loc };
  }

  private explain(node: CstNode): Statement {
    const loc = this.loc(node);
    const queryId = child(node, 'queryId');
    if (queryId !== undefined) return { kind: 'Explain', queryId: this.rawName(queryId), loc };
    const query = child(node, 'query');
    if (query !== undefined) return { kind: 'Explain', statement: this.query(query), loc };
    const inner = child(node, 'createStatement') ?? only(node, 'insertStatement');
    const statement = inner.name === 'createStatement' ? this.create(inner) : this.insert(inner);
    if (statement.kind !== 'CreateAsSelect' && statement.kind !== 'InsertInto') {
      this.fail(inner, 'Syntax Error\nEXPLAIN explains a query: a SELECT, a CREATE … AS SELECT, an INSERT INTO … SELECT, or the id of a running query.');
    }
    return { kind: 'Explain', statement: statement as CreateAsSelect | InsertInto, loc };
  }

  private print(node: CstNode): Statement {
    const topicNode = child(node, 'topic');
    const interval = token(node, 'interval');
    const limit = token(node, 'limit');
    return {
      kind: 'Print',
      topic: topicNode === undefined ? stringValue(onlyToken(node, 'topic')) : this.rawName(topicNode),
      fromBeginning: has(node, 'BEGINNING'),
      ...(interval && { interval: this.integer(interval, 'INTERVAL') }),
      ...(limit && { limit: this.integer(limit, 'LIMIT') }),
      loc: this.loc(node),
    };
  }

  private queryControl(node: CstNode): Statement {
    const action = onlyToken(node, 'action').image.toUpperCase();
    const kind = action === 'TERMINATE' ? 'Terminate' : action === 'PAUSE' ? 'Pause' : 'Resume';
    const queryId = child(node, 'queryId');
    const loc = this.loc(node);
    // Kept as written: generated ids mix cases (transient_…), so matching them is the server's call.
    return queryId === undefined ? { kind, all: true, loc } : { kind, all: false, queryId: this.rawName(queryId), loc };
  }

  private assert(node: CstNode): Statement {
    const loc = this.loc(node);
    const exists = !has(node, 'NOT');
    const timeoutNode = child(node, 'timeout');
    const timeout = timeoutNode && { timeout: this.duration(timeoutNode) };
    if (has(node, 'TOPIC')) {
      const topicNode = child(node, 'topic');
      const topic = topicNode === undefined ? stringValue(onlyToken(node, 'topic')) : this.rawName(topicNode);
      return { kind: 'AssertTopic', exists, topic, properties: this.properties(child(node, 'withClause')), ...timeout, loc };
    }
    const subjectNode = child(node, 'subject');
    const subjectToken = tokens(node, 'subject')[0];
    const subject = subjectNode !== undefined ? this.rawName(subjectNode) : subjectToken && stringValue(subjectToken);
    const id = token(node, 'id');
    return {
      kind: 'AssertSchema',
      exists,
      ...(subject !== undefined && { subject }),
      ...(id && { id: this.integer(id, 'A schema id') }),
      ...timeout,
      loc,
    };
  }
}
