/**
 * Prints statements as normalised SQL, the form ksqlDB shows as a statement's text: keywords
 * upper-case, names quoted only when needed, INNER/LEFT OUTER joins spelled out, durations in
 * plural units. `parse(format(ast))` equals `ast` (positions aside).
 */
import {
  formatExpression,
  formatIdentifier,
  formatRawIdentifier,
  formatString,
  formatType,
} from './format-expression.js';
import type {
  ColumnDefinition,
  Duration,
  JoinWindow,
  Property,
  Query,
  Relation,
  SelectItem,
  Statement,
  WindowExpression,
} from './statements.js';

export interface FormatOptions {
  /** Start each clause of a query (FROM, WHERE, …) on its own line. */
  readonly pretty?: boolean;
}

/** The statement as one normalised SQL text, terminated by `;`. */
export function formatStatement(statement: Statement, options: FormatOptions = {}): string {
  return `${new Printer(options.pretty === true ? '\n' : ' ').statement(statement)};`;
}

/** A query (SELECT …) without the terminating `;`. */
export function formatQuery(query: Query, options: FormatOptions = {}): string {
  return new Printer(options.pretty === true ? '\n' : ' ').query(query);
}

const JOIN_WORDS = { INNER: 'INNER JOIN', LEFT: 'LEFT OUTER JOIN', RIGHT: 'RIGHT OUTER JOIN', FULL: 'FULL OUTER JOIN' };

class Printer {
  constructor(private readonly clauseBreak: string) {}

  statement(s: Statement): string {
    switch (s.kind) {
      case 'Query':
        return this.query(s);
      case 'CreateSource': {
        const columns = s.columns.length === 0 ? '' : ` (${s.columns.map((c) => this.column(c)).join(', ')})`;
        const head = `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.isSource ? 'SOURCE ' : ''}${s.sourceType}`;
        return `${head} ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${formatIdentifier(s.name)}${columns}${this.with(s.properties)}`;
      }
      case 'CreateAsSelect': {
        const head = `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.sourceType} ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}`;
        return `${head}${formatIdentifier(s.name)}${this.with(s.properties)} AS ${this.query(s.query)}`;
      }
      case 'InsertInto':
        return `INSERT INTO ${formatIdentifier(s.target)}${this.with(s.properties)} ${this.query(s.query)}`;
      case 'InsertValues': {
        const columns = s.columns.length === 0 ? '' : ` (${s.columns.map(formatIdentifier).join(', ')})`;
        return `INSERT INTO ${formatIdentifier(s.target)}${columns} VALUES (${s.values.map(formatExpression).join(', ')})`;
      }
      case 'DropSource':
        return `DROP ${s.sourceType} ${s.ifExists ? 'IF EXISTS ' : ''}${formatIdentifier(s.name)}${s.deleteTopic ? ' DELETE TOPIC' : ''}`;
      case 'CreateType':
        return `CREATE TYPE ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${formatIdentifier(s.name)} AS ${formatType(s.type)}`;
      case 'DropType':
        return `DROP TYPE ${s.ifExists ? 'IF EXISTS ' : ''}${formatIdentifier(s.name)}`;
      case 'AlterSource': {
        const additions = s.columns.map((c) => `ADD COLUMN ${formatIdentifier(c.name)} ${formatType(c.type)}`);
        return `ALTER ${s.sourceType} ${formatIdentifier(s.name)} ${additions.join(', ')}`;
      }
      case 'AlterSystem':
        return `ALTER SYSTEM ${formatString(s.property)}=${formatString(s.value)}`;
      case 'Show': {
        const subject = s.subject === 'TOPICS' && s.all ? 'ALL TOPICS' : s.subject;
        const connectorType = s.connectorType === undefined ? '' : `${s.connectorType} `;
        return `SHOW ${connectorType}${subject}${s.extended ? ' EXTENDED' : ''}`;
      }
      case 'DescribeSource':
        return `DESCRIBE ${formatIdentifier(s.name)}${s.extended ? ' EXTENDED' : ''}`;
      case 'DescribeAll':
        return `DESCRIBE ${s.sourceType}S${s.extended ? ' EXTENDED' : ''}`;
      case 'DescribeFunction':
        return `DESCRIBE FUNCTION ${formatIdentifier(s.name)}`;
      case 'DescribeConnector':
        return `DESCRIBE CONNECTOR ${formatIdentifier(s.name)}`;
      case 'Explain':
        return `EXPLAIN ${s.statement === undefined ? formatRawIdentifier(s.queryId!) : this.statement(s.statement)}`;
      case 'Print': {
        const interval = s.interval === undefined ? '' : ` INTERVAL ${s.interval}`;
        const limit = s.limit === undefined ? '' : ` LIMIT ${s.limit}`;
        return `PRINT ${formatString(s.topic)}${s.fromBeginning ? ' FROM BEGINNING' : ''}${interval}${limit}`;
      }
      case 'Terminate':
      case 'Pause':
      case 'Resume':
        return `${s.kind.toUpperCase()} ${s.all ? 'ALL' : formatRawIdentifier(s.queryId!)}`;
      case 'SetProperty':
        return `SET ${formatString(s.property)}=${formatString(s.value)}`;
      case 'UnsetProperty':
        return `UNSET ${formatString(s.property)}`;
      case 'DefineVariable':
        return `DEFINE ${formatRawIdentifier(s.name)} = ${formatString(s.value)}`;
      case 'UndefineVariable':
        return `UNDEFINE ${formatRawIdentifier(s.name)}`;
      case 'AssertTopic': {
        const timeout = s.timeout === undefined ? '' : ` TIMEOUT ${this.duration(s.timeout)}`;
        return `ASSERT ${s.exists ? '' : 'NOT EXISTS '}TOPIC ${formatString(s.topic)}${this.with(s.properties)}${timeout}`;
      }
      case 'AssertSchema': {
        const subject = s.subject === undefined ? '' : ` SUBJECT ${formatString(s.subject)}`;
        const id = s.id === undefined ? '' : ` ID ${s.id}`;
        const timeout = s.timeout === undefined ? '' : ` TIMEOUT ${this.duration(s.timeout)}`;
        return `ASSERT ${s.exists ? '' : 'NOT EXISTS '}SCHEMA${subject}${id}${timeout}`;
      }
      case 'CreateConnector':
        return `CREATE ${s.connectorType} CONNECTOR ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${formatIdentifier(s.name)}${this.with(s.properties)}`;
      case 'DropConnector':
        return `DROP CONNECTOR ${s.ifExists ? 'IF EXISTS ' : ''}${formatIdentifier(s.name)}`;
    }
  }

  query(q: Query): string {
    const clauses = [`SELECT ${q.select.map((item) => this.selectItem(item)).join(', ')}`, `FROM ${this.relation(q.from)}`];
    if (q.window !== undefined) clauses.push(`WINDOW ${this.window(q.window)}`);
    if (q.where !== undefined) clauses.push(`WHERE ${formatExpression(q.where)}`);
    if (q.groupBy !== undefined) clauses.push(`GROUP BY ${this.expressionList(q.groupBy)}`);
    if (q.partitionBy !== undefined) clauses.push(`PARTITION BY ${this.expressionList(q.partitionBy)}`);
    if (q.having !== undefined) clauses.push(`HAVING ${formatExpression(q.having)}`);
    if (q.emit !== undefined) clauses.push(`EMIT ${q.emit}`);
    if (q.limit !== undefined) clauses.push(`LIMIT ${q.limit}`);
    return clauses.join(this.clauseBreak);
  }

  private selectItem(item: SelectItem): string {
    switch (item.kind) {
      case 'AllColumns':
        return item.source === undefined ? '*' : `${formatIdentifier(item.source)}.*`;
      case 'StructAllFields':
        return `${formatExpression(item.expression)}->*`;
      case 'SingleColumn':
        return item.alias === undefined
          ? formatExpression(item.expression)
          : `${formatExpression(item.expression)} AS ${formatIdentifier(item.alias)}`;
    }
  }

  /** GROUP BY / PARTITION BY take value expressions: a predicate among them needs parentheses. */
  private expressionList(items: readonly Parameters<typeof formatExpression>[0][]): string {
    if (items.length === 0) return '()';
    return items
      .map((item) => {
        const text = formatExpression(item);
        const predicate = ['Comparison', 'IsNull', 'Like', 'Between', 'InList', 'Not', 'LogicalBinary'].includes(item.kind);
        return predicate ? `(${text})` : text;
      })
      .join(', ');
  }

  private relation(r: Relation): string {
    if (r.kind === 'AliasedSource') {
      return r.alias === undefined ? formatIdentifier(r.name) : `${formatIdentifier(r.name)} ${formatIdentifier(r.alias)}`;
    }
    const within = r.within === undefined ? '' : ` WITHIN ${this.joinWindow(r.within)}`;
    return `${this.relation(r.left)} ${JOIN_WORDS[r.joinType]} ${this.relation(r.right)}${within} ON ${formatExpression(r.on)}`;
  }

  private joinWindow(w: JoinWindow): string {
    const same = w.before.value === w.after.value && w.before.unit === w.after.unit;
    const size = same ? this.duration(w.before) : `(${this.duration(w.before)}, ${this.duration(w.after)})`;
    return `${size}${w.grace === undefined ? '' : ` GRACE PERIOD ${this.duration(w.grace)}`}`;
  }

  private window(w: WindowExpression): string {
    const parts: string[] = [];
    if (w.kind === 'SessionWindow') parts.push(this.duration(w.gap));
    else parts.push(`SIZE ${this.duration(w.size)}`);
    if (w.kind === 'HoppingWindow') parts.push(`ADVANCE BY ${this.duration(w.advance)}`);
    if (w.retention !== undefined) parts.push(`RETENTION ${this.duration(w.retention)}`);
    if (w.grace !== undefined) parts.push(`GRACE PERIOD ${this.duration(w.grace)}`);
    const type = { TumblingWindow: 'TUMBLING', HoppingWindow: 'HOPPING', SessionWindow: 'SESSION' }[w.kind];
    return `${type} (${parts.join(', ')})`;
  }

  private duration(d: Duration): string {
    return `${d.value} ${d.unit}`;
  }

  private column(c: ColumnDefinition): string {
    const base = `${formatIdentifier(c.name)} ${formatType(c.type)}`;
    switch (c.constraint?.kind) {
      case undefined:
        return base;
      case 'Key':
        return `${base} KEY`;
      case 'PrimaryKey':
        return `${base} PRIMARY KEY`;
      case 'Headers':
        return `${base} HEADERS`;
      case 'Header':
        return `${base} HEADER(${formatString(c.constraint.key)})`;
    }
  }

  private with(properties: readonly Property[]): string {
    if (properties.length === 0) return '';
    const entries = properties.map((p) => {
      const name = /^[A-Z_][A-Z0-9_]*$/.test(p.name) && formatIdentifier(p.name) === p.name ? p.name : formatString(p.name);
      return `${name}=${formatExpression(p.value)}`;
    });
    return ` WITH (${entries.join(', ')})`;
  }
}
