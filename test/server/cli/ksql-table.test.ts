/** The CLI's tables and entity rendering: what the tabular output looks like. */
import { describe, expect, it } from 'vitest';
import { parse } from 'lossless-json';
import { formatSchema, renderEntity } from '../../../server/cli/ksql/render-entity.js';
import type { Entity } from '../../../server/cli/ksql/rest-client.js';
import { formatCell, renderProperties, renderTable, StreamingTable, streamingWidths } from '../../../server/cli/ksql/table.js';

describe('renderTable', () => {
  it('draws borders around columns as wide as their widest cell', () => {
    expect(renderTable(['Name', 'Topic'], [['ORDERS', 'orders'], ['S', 'a-longer-topic']])).toBe(
      ['+--------+----------------+', '| Name   | Topic          |', '+--------+----------------+', '| ORDERS | orders         |', '| S      | a-longer-topic |', '+--------+----------------+', ''].join('\n'),
    );
  });

  it('draws only the header of an empty table', () => {
    expect(renderTable(['Stream Name'], [])).toBe(['+-------------+', '| Stream Name |', '+-------------+', ''].join('\n'));
  });

  it('puts each line of a multi-line cell on its own text line', () => {
    expect(renderTable(['A', 'B'], [['one\ntwo', 'x']])).toBe(['+-----+---+', '| A   | B |', '+-----+---+', '| one | x |', '| two |   |', '+-----+---+', ''].join('\n'));
  });
});

describe('StreamingTable', () => {
  it('prints the head, rows as they come wrapped to fixed widths, and the foot', () => {
    const table = new StreamingTable(['ID', 'NAME'], [3, 5]);
    expect(table.head()).toBe('+-----+-------+\n| ID  | NAME  |\n+-----+-------+\n');
    expect(table.row(['1', 'alice'])).toBe('| 1   | alice |\n');
    expect(table.row(['12345', 'bob'])).toBe('| 123 | bob   |\n| 45  |       |\n');
    expect(table.foot()).toBe('+-----+-------+\n');
  });

  it('shares the terminal width between columns, never narrower than a header', () => {
    expect(streamingWidths(['A', 'B'], 81)).toEqual([37, 37]);
    expect(streamingWidths(['A_VERY_LONG_COLUMN_NAME', 'B'], 21)).toEqual([23, 7]);
  });
});

describe('formatCell', () => {
  it('shows values as the server sent them: null, strings bare, structures as JSON, numbers with all digits', () => {
    expect(formatCell(null)).toBe('null');
    expect(formatCell('text')).toBe('text');
    expect(formatCell(true)).toBe('true');
    const row = parse('[9007199254740993, 1.10, {"A": 1.50, "B": [1, 2]}]') as unknown[];
    expect(row.map(formatCell)).toEqual(['9007199254740993', '1.10', '{"A":1.50,"B":[1,2]}']);
  });
});

describe('renderProperties', () => {
  it('aligns names and continues multi-line values under the first line', () => {
    expect(renderProperties([['Name', 'S'], ['Statement', 'CREATE STREAM s\n  (v STRING);']])).toBe('Name      : S\nStatement : CREATE STREAM s\n              (v STRING);\n');
  });
});

describe('renderEntity', () => {
  it('prints a command status as its message', () => {
    const entity: Entity = { '@type': 'currentStatus', statementText: 'CREATE STREAM …', commandStatus: { status: 'SUCCESS', message: 'Stream created', queryId: null } };
    expect(renderEntity(entity)).toBe('+----------------+\n| Message        |\n+----------------+\n| Stream created |\n+----------------+\n');
  });

  it('prints SHOW STREAMS as a table', () => {
    const entity: Entity = { '@type': 'streams', statementText: 'SHOW STREAMS;', streams: [{ type: 'STREAM', name: 'ORDERS', topic: 'orders', keyFormat: 'KAFKA', valueFormat: 'JSON', isWindowed: false }], warnings: [] };
    expect(renderEntity(entity)).toBe(
      [
        '+-------------+-------------+------------+--------------+----------+',
        '| Stream Name | Kafka Topic | Key Format | Value Format | Windowed |',
        '+-------------+-------------+------------+--------------+----------+',
        '| ORDERS      | orders      | KAFKA      | JSON         | false    |',
        '+-------------+-------------+------------+--------------+----------+',
        '',
      ].join('\n'),
    );
  });

  it('prints SHOW QUERIES and SHOW TOPICS with their columns', () => {
    const queries = renderEntity({ '@type': 'queries', queries: [{ id: 'CTAS_T_1', queryType: 'PERSISTENT', statusCount: { RUNNING: 1 }, state: 'RUNNING', sinks: ['T'], sinkKafkaTopics: ['t'], queryString: 'CREATE TABLE t AS SELECT …;' }] });
    expect(queries).toContain('| Query ID | Query Type | Status    | Sink Name | Sink Kafka Topic | Query String                |');
    expect(queries).toContain('| CTAS_T_1 | PERSISTENT | RUNNING:1 | T         | t                | CREATE TABLE t AS SELECT …; |');
    const topics = renderEntity({ '@type': 'kafka_topics', topics: [{ name: 'orders', replicaInfo: [1, 1, 1] }] });
    expect(topics).toContain('| Kafka Topic | Partitions | Partition Replicas |\n');
    expect(topics).toContain('| orders      | 3          | 1                  |\n');
  });

  it('describes a source: its settings, its fields with key and header marks, the queries on it', () => {
    const text = renderEntity({
      '@type': 'sourceDescription',
      sourceDescription: {
        name: 'ORDERS',
        type: 'STREAM',
        timestamp: '',
        keyFormat: 'KAFKA',
        valueFormat: 'JSON',
        topic: 'orders',
        partitions: 2,
        replication: 1,
        extended: false,
        fields: [
          { name: 'ID', schema: { type: 'INTEGER', fields: null, memberSchema: null }, type: 'KEY' },
          { name: 'ITEMS', schema: { type: 'ARRAY', fields: null, memberSchema: { type: 'STRING', fields: null, memberSchema: null } } },
          { name: 'H', schema: { type: 'BYTES', fields: null, memberSchema: null }, type: 'HEADER' },
        ],
        readQueries: [{ id: 'CSAS_BIG_2', state: 'RUNNING', queryString: 'CREATE STREAM big AS SELECT …;' }],
        writeQueries: [],
      },
    });
    expect(text).toContain('Name            : ORDERS\nType            : STREAM\nTimestamp field : Not set - using <ROWTIME>\nKey format      : KAFKA\nValue format    : JSON\nKafka topic     : orders (partitions: 2, replication: 1)\n');
    expect(text).toContain('| ID    | INTEGER (key)  |\n| ITEMS | ARRAY<STRING>  |\n| H     | BYTES (header) |\n');
    expect(text).toContain('Queries that read from this STREAM\n----------------------------------\nCSAS_BIG_2 (RUNNING) : CREATE STREAM big AS SELECT …;\n');
  });

  it('writes SQL types as SQL', () => {
    expect(formatSchema({ type: 'STRUCT', fields: [{ name: 'A', schema: { type: 'DECIMAL', parameters: { precision: 10, scale: 2 } } }, { name: 'B', schema: { type: 'MAP', memberSchema: { type: 'BIGINT' } } }] })).toBe('STRUCT<A DECIMAL(10, 2), B MAP<STRING, BIGINT>>');
  });

  it('prints an entity it does not know as JSON, and warnings after any entity', () => {
    expect(renderEntity({ '@type': 'connector_list', connectors: [], warnings: [{ message: 'careful' }] })).toBe('{\n  "@type": "connector_list",\n  "connectors": [],\n  "warnings": [\n    {\n      "message": "careful"\n    }\n  ]\n}\nWARNING: careful\n');
  });
});
