import { describe, expect, it } from 'vitest';
import type { CreateAsSelect, CreateSource, Query, Statement } from '../../../sql/ast/statements.js';
import { SOURCE_PROPERTY_NAMES, durationMillis, findProperty } from '../../../sql/ast/statements.js';
import { parseStatement } from '../../../sql/parser/parse.js';
import { withoutLocations } from '../ast/without-locations.js';

const one = (sql: string): Statement => withoutLocations(parseStatement(sql));
const query = (sql: string): Query => one(sql) as Query;
const col = (name: string, source?: string) => (source === undefined ? { kind: 'ColumnRef', name } : { kind: 'ColumnRef', source, name });
const int = (value: number) => ({ kind: 'IntegerLiteral', value });
const str = (value: string) => ({ kind: 'StringLiteral', value });
const type = (name: string) => ({ kind: 'PrimitiveType', name });
const seconds = (value: number) => ({ value, unit: 'SECONDS' });

describe('CREATE STREAM / TABLE', () => {
  it('declares columns with KEY, PRIMARY KEY, HEADERS and HEADER(key), and WITH properties', () => {
    expect(
      one(`CREATE STREAM s (id INT KEY, name VARCHAR, h ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, v BYTES HEADER('v'))
           WITH (kafka_topic='t', value_format='JSON', partitions=3, wrap_single_value=false, foo=-1.5)`),
    ).toEqual({
      kind: 'CreateSource',
      sourceType: 'STREAM',
      orReplace: false,
      isSource: false,
      ifNotExists: false,
      name: 'S',
      columns: [
        { name: 'ID', type: type('INTEGER'), constraint: { kind: 'Key' } },
        { name: 'NAME', type: type('STRING') },
        {
          name: 'H',
          type: {
            kind: 'ArrayType',
            element: { kind: 'StructType', fields: [{ name: 'KEY', type: type('STRING') }, { name: 'VALUE', type: type('BYTES') }] },
          },
          constraint: { kind: 'Headers' },
        },
        { name: 'V', type: type('BYTES'), constraint: { kind: 'Header', key: 'v' } },
      ],
      properties: [
        { name: 'KAFKA_TOPIC', value: str('t') },
        { name: 'VALUE_FORMAT', value: str('JSON') },
        { name: 'PARTITIONS', value: int(3) },
        { name: 'WRAP_SINGLE_VALUE', value: { kind: 'BooleanLiteral', value: false } },
        { name: 'FOO', value: { kind: 'DecimalLiteral', value: '-1.5', precision: 2, scale: 1 } },
      ],
    });
  });

  it('reads OR REPLACE, SOURCE, IF NOT EXISTS and PRIMARY KEY', () => {
    expect(one("CREATE OR REPLACE SOURCE TABLE IF NOT EXISTS t (id BIGINT PRIMARY KEY) WITH (kafka_topic='t')")).toMatchObject({
      kind: 'CreateSource',
      sourceType: 'TABLE',
      orReplace: true,
      isSource: true,
      ifNotExists: true,
      columns: [{ name: 'ID', type: type('BIGINT'), constraint: { kind: 'PrimaryKey' } }],
    });
  });

  it('accepts a CREATE without columns (schema inference)', () => {
    expect(one("CREATE TABLE t WITH (kafka_topic='t', format='AVRO')")).toMatchObject({ kind: 'CreateSource', columns: [] });
  });

  it('keeps every WITH property, known or not, for the analyzer', () => {
    const statement = one(`CREATE STREAM s (a INT) WITH (KAFKA_TOPIC='t', KEY_FORMAT='KAFKA', VALUE_FORMAT='AVRO', FORMAT='JSON',
      PARTITIONS=1, REPLICAS=1, TIMESTAMP='ts', TIMESTAMP_FORMAT='yyyy', WINDOW_TYPE='Tumbling', WINDOW_SIZE='1 SECOND',
      VALUE_DELIMITER='|', KEY_DELIMITER=',', WRAP_SINGLE_VALUE=true, KEY_SCHEMA_ID=1, VALUE_SCHEMA_ID=2,
      KEY_SCHEMA_FULL_NAME='k', VALUE_SCHEMA_FULL_NAME='v', RETENTION_MS=1000, 'my.custom'='x', NOT_A_PROPERTY=1)`) as CreateSource;
    const names = statement.properties.map((p) => p.name);
    expect(names.slice(0, 18).every((name) => (SOURCE_PROPERTY_NAMES as readonly string[]).includes(name))).toBe(true);
    expect(names.slice(18)).toEqual(['my.custom', 'NOT_A_PROPERTY']);
    expect(findProperty(statement.properties, 'kafka_topic')?.value).toEqual(str('t'));
  });

  it('reads CREATE … AS SELECT with properties', () => {
    const statement = one("CREATE TABLE IF NOT EXISTS agg WITH (kafka_topic='agg') AS SELECT id, COUNT(*) FROM s GROUP BY id EMIT CHANGES") as CreateAsSelect;
    expect(statement).toMatchObject({ kind: 'CreateAsSelect', sourceType: 'TABLE', ifNotExists: true, name: 'AGG', orReplace: false });
    expect(statement.properties).toEqual([{ name: 'KAFKA_TOPIC', value: str('agg') }]);
    expect(statement.query).toMatchObject({ groupBy: [col('ID')], emit: 'CHANGES' });
  });

  it('rejects columns on CREATE … AS SELECT and a SOURCE with a query', () => {
    expect(() => parseStatement('CREATE STREAM s (a INT) AS SELECT * FROM t')).toThrow(/cannot declare columns/);
    expect(() => parseStatement('CREATE SOURCE STREAM s AS SELECT * FROM t')).toThrow(/cannot have a query/);
  });
});

describe('INSERT', () => {
  it('reads INSERT INTO … SELECT', () => {
    expect(one("INSERT INTO out WITH (QUERY_ID='q1') SELECT * FROM s")).toMatchObject({
      kind: 'InsertInto',
      target: 'OUT',
      properties: [{ name: 'QUERY_ID', value: str('q1') }],
      query: { kind: 'Query', select: [{ kind: 'AllColumns' }] },
    });
  });

  it('reads INSERT INTO … VALUES with and without columns', () => {
    expect(one("INSERT INTO s (ROWTIME, id, `name`) VALUES (1, -2, 'x')")).toEqual({
      kind: 'InsertValues',
      target: 'S',
      columns: ['ROWTIME', 'ID', 'name'],
      values: [int(1), int(-2), str('x')],
    });
    expect(one('INSERT INTO s VALUES ()')).toEqual({ kind: 'InsertValues', target: 'S', columns: [], values: [] });
  });
});

describe('SELECT', () => {
  it('reads select items: *, source.*, struct->*, expressions with and without AS', () => {
    expect(query('SELECT *, s.*, v->*, a, b AS x, c y FROM s').select).toEqual([
      { kind: 'AllColumns' },
      { kind: 'AllColumns', source: 'S' },
      { kind: 'StructAllFields', expression: col('V') },
      { kind: 'SingleColumn', expression: col('A') },
      { kind: 'SingleColumn', expression: col('B'), alias: 'X' },
      { kind: 'SingleColumn', expression: col('C'), alias: 'Y' },
    ]);
  });

  it('reads every clause in order', () => {
    expect(
      query(`SELECT id, COUNT(*) AS n FROM s AS src WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 2 DAYS, GRACE PERIOD 10 SECONDS)
             WHERE a > 1 GROUP BY id PARTITION BY id HAVING COUNT(*) > 2 EMIT FINAL LIMIT 10`),
    ).toMatchObject({
      from: { kind: 'AliasedSource', name: 'S', alias: 'SRC' },
      window: {
        kind: 'TumblingWindow',
        size: { value: 1, unit: 'MINUTES' },
        retention: { value: 2, unit: 'DAYS' },
        grace: seconds(10),
      },
      where: { kind: 'Comparison', operator: '>' },
      groupBy: [col('ID')],
      partitionBy: [col('ID')],
      having: { kind: 'Comparison' },
      emit: 'FINAL',
      limit: 10,
    });
  });

  it('reads hopping and session windows, in singular or plural units', () => {
    expect(query('SELECT * FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECOND) GROUP BY a').window).toEqual({
      kind: 'HoppingWindow',
      size: seconds(30),
      advance: seconds(10),
    });
    expect(query('SELECT * FROM s WINDOW SESSION (5 MILLISECONDS, GRACE PERIOD 1 HOUR) GROUP BY a').window).toEqual({
      kind: 'SessionWindow',
      gap: { value: 5, unit: 'MILLISECONDS' },
      grace: { value: 1, unit: 'HOURS' },
    });
    expect(durationMillis({ value: 2, unit: 'HOURS' })).toBe(7_200_000);
  });

  it('checks window options', () => {
    expect(() => parseStatement('SELECT * FROM s WINDOW TUMBLING (SIZE 1 SECOND, ADVANCE BY 1 SECOND)')).toThrow(/ADVANCE BY belongs to HOPPING/);
    expect(() => parseStatement('SELECT * FROM s WINDOW HOPPING (SIZE 1 SECOND)')).toThrow(/needs ADVANCE BY/);
    expect(() => parseStatement('SELECT * FROM s WINDOW SESSION (1 SECOND, RETENTION 1 DAY, RETENTION 2 DAYS)')).toThrow(/given twice/);
  });

  it('nests joins to the left, with types, WITHIN and GRACE PERIOD', () => {
    expect(
      query(`SELECT * FROM a JOIN b WITHIN 10 SECONDS ON a.id = b.id
             LEFT OUTER JOIN c WITHIN (1 SECOND, 2 MINUTES) GRACE PERIOD 3 SECONDS ON a.id = c.id
             RIGHT JOIN d x ON d.id = a.id FULL OUTER JOIN e ON 1 = 1 INNER JOIN f ON TRUE`).from,
    ).toMatchObject({
      kind: 'Join',
      joinType: 'INNER',
      right: { name: 'F' },
      left: {
        joinType: 'FULL',
        left: {
          joinType: 'RIGHT',
          right: { name: 'D', alias: 'X' },
          left: {
            joinType: 'LEFT',
            within: { before: seconds(1), after: { value: 2, unit: 'MINUTES' }, grace: seconds(3) },
            left: { joinType: 'INNER', left: { name: 'A' }, right: { name: 'B' }, within: { before: seconds(10), after: seconds(10) } },
          },
        },
      },
    });
  });

  it('reads GROUP BY and PARTITION BY as lists, parenthesised or not', () => {
    expect(query('SELECT * FROM s GROUP BY (a, b->c, d[1])').groupBy).toEqual([
      col('A'),
      { kind: 'Dereference', base: col('B'), field: 'C' },
      { kind: 'Subscript', base: col('D'), index: int(1) },
    ]);
    expect(query('SELECT * FROM s PARTITION BY (a + 1) * 2, b').partitionBy).toMatchObject([{ kind: 'ArithmeticBinary', operator: '*' }, col('B')]);
    expect(query('SELECT * FROM s PARTITION BY ()').partitionBy).toEqual([]);
  });

  it('takes value expressions in GROUP BY, as ksqlDB does', () => {
    expect(() => parseStatement('SELECT COUNT(*) FROM t GROUP BY a AND b')).toThrow(/Syntax Error/);
  });
});

describe('other statements', () => {
  const cases: [string, Statement | object][] = [
    ['DROP STREAM IF EXISTS s DELETE TOPIC', { kind: 'DropSource', sourceType: 'STREAM', ifExists: true, name: 'S', deleteTopic: true }],
    ['DROP TABLE t', { kind: 'DropSource', sourceType: 'TABLE', ifExists: false, name: 'T', deleteTopic: false }],
    ['TERMINATE CSAS_OUT_1', { kind: 'Terminate', all: false, queryId: 'CSAS_OUT_1' }],
    ['TERMINATE ALL', { kind: 'Terminate', all: true }],
    ['PAUSE q', { kind: 'Pause', all: false, queryId: 'q' }],
    ['RESUME ALL', { kind: 'Resume', all: true }],
    ['SHOW STREAMS', { kind: 'Show', subject: 'STREAMS', extended: false, all: false }],
    ['LIST TABLES EXTENDED', { kind: 'Show', subject: 'TABLES', extended: true, all: false }],
    ['SHOW ALL TOPICS EXTENDED', { kind: 'Show', subject: 'TOPICS', extended: true, all: true }],
    ['show queries', { kind: 'Show', subject: 'QUERIES', extended: false, all: false }],
    ['SHOW PROPERTIES', { kind: 'Show', subject: 'PROPERTIES', extended: false, all: false }],
    ['SHOW FUNCTIONS', { kind: 'Show', subject: 'FUNCTIONS', extended: false, all: false }],
    ['LIST TYPES', { kind: 'Show', subject: 'TYPES', extended: false, all: false }],
    ['SHOW VARIABLES', { kind: 'Show', subject: 'VARIABLES', extended: false, all: false }],
    ['SHOW SINK CONNECTORS', { kind: 'Show', subject: 'CONNECTORS', extended: false, all: false, connectorType: 'SINK' }],
    ['SHOW CONNECTOR PLUGINS', { kind: 'Show', subject: 'CONNECTOR PLUGINS', extended: false, all: false }],
    ['DESCRIBE s', { kind: 'DescribeSource', name: 'S', extended: false }],
    ['DESCRIBE `s` EXTENDED', { kind: 'DescribeSource', name: 's', extended: true }],
    ['DESCRIBE STREAMS EXTENDED', { kind: 'DescribeAll', sourceType: 'STREAM', extended: true }],
    ['DESCRIBE TABLES', { kind: 'DescribeAll', sourceType: 'TABLE', extended: false }],
    ['DESCRIBE FUNCTION substring', { kind: 'DescribeFunction', name: 'SUBSTRING' }],
    ['DESCRIBE CONNECTOR c', { kind: 'DescribeConnector', name: 'C' }],
    ['EXPLAIN CTAS_T_5', { kind: 'Explain', queryId: 'CTAS_T_5' }],
    ["PRINT 'my-topic' FROM BEGINNING INTERVAL 2 LIMIT 10", { kind: 'Print', topic: 'my-topic', fromBeginning: true, interval: 2, limit: 10 }],
    ['PRINT myTopic SAMPLE 3', { kind: 'Print', topic: 'myTopic', fromBeginning: false, interval: 3 }],
    ["SET 'auto.offset.reset' = 'earliest'", { kind: 'SetProperty', property: 'auto.offset.reset', value: 'earliest' }],
    ["UNSET 'auto.offset.reset'", { kind: 'UnsetProperty', property: 'auto.offset.reset' }],
    ["ALTER SYSTEM 'ksql.x'='1'", { kind: 'AlterSystem', property: 'ksql.x', value: '1' }],
    ["DEFINE topicName = '''my_topic'''", { kind: 'DefineVariable', name: 'topicName', value: "'my_topic'" }],
    ['UNDEFINE topicName', { kind: 'UndefineVariable', name: 'topicName' }],
    ['CREATE TYPE IF NOT EXISTS address AS STRUCT<street STRING, zip INT>', {
      kind: 'CreateType',
      ifNotExists: true,
      name: 'ADDRESS',
      type: { kind: 'StructType', fields: [{ name: 'STREET', type: type('STRING') }, { name: 'ZIP', type: type('INTEGER') }] },
    }],
    ['DROP TYPE IF EXISTS address', { kind: 'DropType', ifExists: true, name: 'ADDRESS' }],
    ["ASSERT TOPIC 'orders' WITH (partitions=3) TIMEOUT 10 SECONDS", {
      kind: 'AssertTopic',
      exists: true,
      topic: 'orders',
      properties: [{ name: 'PARTITIONS', value: int(3) }],
      timeout: seconds(10),
    }],
    ['ASSERT NOT EXISTS TOPIC orders', { kind: 'AssertTopic', exists: false, topic: 'orders', properties: [] }],
    ["ASSERT SCHEMA SUBJECT 'orders-value' ID 4 TIMEOUT 1 MINUTE", { kind: 'AssertSchema', exists: true, subject: 'orders-value', id: 4, timeout: { value: 1, unit: 'MINUTES' } }],
    ['ASSERT NOT EXISTS SCHEMA ID 4', { kind: 'AssertSchema', exists: false, id: 4 }],
    ['ALTER STREAM s ADD COLUMN a INT, ADD b ARRAY<STRING>', {
      kind: 'AlterSource',
      sourceType: 'STREAM',
      name: 'S',
      columns: [{ name: 'A', type: type('INTEGER') }, { name: 'B', type: { kind: 'ArrayType', element: type('STRING') } }],
    }],
    [`CREATE SOURCE CONNECTOR IF NOT EXISTS jdbc WITH ("connector.class"='io.JdbcSource', 'tasks.max'='1')`, {
      kind: 'CreateConnector',
      connectorType: 'SOURCE',
      ifNotExists: true,
      name: 'JDBC',
      properties: [{ name: 'connector.class', value: str('io.JdbcSource') }, { name: 'tasks.max', value: str('1') }],
    }],
    ['DROP CONNECTOR IF EXISTS jdbc', { kind: 'DropConnector', ifExists: true, name: 'JDBC' }],
  ];
  it.each(cases)('%s', (sql, expected) => {
    expect(one(sql)).toEqual(expected);
  });

  it('reads EXPLAIN of a query, a CSAS and an INSERT INTO … SELECT, and nothing else', () => {
    expect(one('EXPLAIN SELECT * FROM s EMIT CHANGES')).toMatchObject({ kind: 'Explain', statement: { kind: 'Query', emit: 'CHANGES' } });
    expect(one('EXPLAIN CREATE STREAM o AS SELECT * FROM s')).toMatchObject({ kind: 'Explain', statement: { kind: 'CreateAsSelect' } });
    expect(one('EXPLAIN INSERT INTO o SELECT * FROM s')).toMatchObject({ kind: 'Explain', statement: { kind: 'InsertInto' } });
    expect(() => parseStatement('EXPLAIN CREATE STREAM o (a INT)')).toThrow(/EXPLAIN explains a query/);
  });
});

describe('names', () => {
  it('upper-cases unquoted names and keeps quoted ones, with `` and "" escapes', () => {
    expect(query('SELECT aBc, `aBc`, `a``b`, "x""y" FROM `My Stream`')).toMatchObject({
      select: [
        { expression: col('ABC') },
        { expression: col('aBc') },
        { expression: col('a`b') },
        { expression: col('x"y') },
      ],
      from: { name: 'My Stream' },
    });
  });

  it('lets non-reserved keywords be names: columns called KEY, SIZE, MAP, a function called REPLACE', () => {
    const statement = one('CREATE STREAM stream (key INT KEY, size INT, map MAP<STRING, INT>, type STRING, source INT) WITH (kafka_topic=\'t\')');
    expect((statement as CreateSource).columns.map((c) => c.name)).toEqual(['KEY', 'SIZE', 'MAP', 'TYPE', 'SOURCE']);
    expect(query('SELECT REPLACE(type, \'a\', \'b\'), map[\'k\'], array FROM table').select).toMatchObject([
      { expression: { kind: 'FunctionCall', name: 'REPLACE' } },
      { expression: { kind: 'Subscript', base: col('MAP') } },
      { expression: col('ARRAY') },
    ]);
  });

  it('needs backticks for reserved words, and says so', () => {
    expect(() => parseStatement('SELECT from FROM s')).toThrow(/FROM is a reserved word: write `from` to use it as a name/);
    expect(query('SELECT `FROM` FROM s').select).toEqual([{ kind: 'SingleColumn', expression: col('FROM') }]);
  });

  it('accepts names that start with a digit, as ksqlDB does', () => {
    expect(query('SELECT ROUND(v, -1) AS 1R FROM s').select).toMatchObject([{ alias: '1R' }]);
  });

  it('keeps the case of topic names and query ids', () => {
    expect(one('PRINT ksql_Commands')).toMatchObject({ topic: 'ksql_Commands' });
    expect(one('TERMINATE transient_Q_1')).toMatchObject({ queryId: 'transient_Q_1' });
  });
});
