import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatExpression } from '../../../sql/ast/format-expression.js';
import { formatStatement } from '../../../sql/ast/format.js';
import type { Statement } from '../../../sql/ast/statements.js';
import { parseExpression, parseStatement, parseStatements } from '../../../sql/parser/parse.js';
import { readQttCases, statementRuns } from '../parser/qtt.js';
import { withoutLocations } from './without-locations.js';

const format = (sql: string, pretty = false): string => formatStatement(parseStatement(sql), { pretty });

function expectRoundTrip(statement: Statement): void {
  for (const pretty of [false, true]) {
    const text = formatStatement(statement, { pretty });
    expect(withoutLocations(parseStatement(text)), text).toEqual(withoutLocations(statement));
  }
}

describe('formatStatement', () => {
  it('prints normalised SQL: upper-case keywords, plural units, spelled-out joins', () => {
    expect(
      format(`create stream out with (kafka_topic='o') as select l.id, count(*) as n from l join r within 10 second on l.id=r.id
              left join x on x.id = l.id window tumbling (size 1 minute) where l.a>1 group by l.id emit changes`),
    ).toBe(
      "CREATE STREAM OUT WITH (KAFKA_TOPIC='o') AS SELECT L.ID, COUNT(*) AS N FROM L INNER JOIN R WITHIN 10 SECONDS ON L.ID = R.ID " +
        'LEFT OUTER JOIN X ON X.ID = L.ID WINDOW TUMBLING (SIZE 1 MINUTES) WHERE L.A > 1 GROUP BY L.ID EMIT CHANGES;',
    );
  });

  it('starts each query clause on its own line when pretty', () => {
    expect(format('select * from s where a = 1 emit changes', true)).toBe('SELECT *\nFROM S\nWHERE A = 1\nEMIT CHANGES;');
  });

  it('quotes only the names that need it', () => {
    expect(format('SELECT `a`, `B`, `FROM`, `1R`, `x y`, `a``b`, key, `ARRAY`[1] FROM `My Stream`')).toBe(
      'SELECT `a`, B, `FROM`, `1R`, `x y`, `a``b`, KEY, `ARRAY`[1] FROM `My Stream`;',
    );
  });

  it('prints only the parentheses precedence needs', () => {
    const cases: [string, string][] = [
      ['(a + b) * c', '(A + B) * C'],
      ['a + (b * c)', 'A + B * C'],
      ['a - (b - c)', 'A - (B - C)'],
      ['(a - b) - c', 'A - B - C'],
      ['NOT (a AND b)', 'NOT (A AND B)'],
      ['(a OR b) AND c', '(A OR B) AND C'],
      ['(a = b) = c', '(A = B) = C'],
      ['a || (b + c)', 'A || B + C'],
      ['-(5)', '-(5)'],
      ['- -5', '- -5'],
      ['a - -5', 'A - -5'],
      ['(-5)[1]', '(-5)[1]'],
      ['(a + b)->c', '(A + B)->C'],
      ["CASE WHEN a THEN 1 ELSE 2 END + 1", 'CASE WHEN A THEN 1 ELSE 2 END + 1'],
    ];
    for (const [input, output] of cases) {
      expect(formatExpression(parseExpression(input)), input).toBe(output);
      expect(withoutLocations(parseExpression(output)), input).toEqual(withoutLocations(parseExpression(input)));
    }
  });

  it('round-trips every statement kind', () => {
    const script = `
      CREATE OR REPLACE SOURCE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, \`v\` STRUCT<a ARRAY<MAP<STRING, DECIMAL(4, 2)>>>,
        h ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, k BYTES HEADER('k'), e STRUCT<>) WITH (kafka_topic='t', partitions=-1, x=1.5e3, y=NULL);
      CREATE STREAM s WITH (kafka_topic='s', format='AVRO');
      CREATE TABLE IF NOT EXISTS agg AS SELECT id, COUNT(*) n, LATEST_BY_OFFSET(v->a) FROM s
        WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 5 MINUTES, RETENTION 2 DAYS, GRACE PERIOD 0 SECONDS)
        WHERE NOT v->a[1]['k'] IS NULL AND id NOT IN (1, 2) OR id BETWEEN -1 AND 2147483648
        GROUP BY id HAVING COUNT(*) > 1 EMIT FINAL;
      INSERT INTO out WITH (query_id='q') SELECT s.*, x->*, CAST(a AS BIGINT) FROM s
        FULL OUTER JOIN r WITHIN (1 SECOND, 2 SECONDS) GRACE PERIOD 3 SECONDS ON s.id = r.id PARTITION BY (a + 1), b LIMIT 3;
      INSERT INTO s (a, \`b\`) VALUES (ARRAY[1, 2], MAP('k' := STRUCT(f := 1.50)));
      SELECT TRANSFORM(m, (k, v) => UCASE(k), v => v * 2), TIMESTAMPADD(DAYS, 1, ts), a LIKE 'x%' ESCAPE '!',
        CASE a WHEN 1 THEN 'one' END, a IS NOT DISTINCT FROM b, 'it''s' || 'x' FROM s WINDOW SESSION (5 SECONDS) GROUP BY a;
      DROP STREAM IF EXISTS s DELETE TOPIC; DROP TABLE t; CREATE TYPE addr AS STRUCT<street STRING>; DROP TYPE IF EXISTS addr;
      ALTER TABLE t ADD COLUMN a INT, ADD COLUMN b STRING; ALTER SYSTEM 'a'='b';
      SHOW STREAMS; LIST TABLES EXTENDED; SHOW ALL TOPICS; SHOW QUERIES; SHOW PROPERTIES; SHOW FUNCTIONS; SHOW TYPES;
      SHOW VARIABLES; SHOW SOURCE CONNECTORS; SHOW CONNECTOR PLUGINS;
      DESCRIBE s EXTENDED; DESCRIBE \`streams\`; DESCRIBE TABLES; DESCRIBE FUNCTION f; DESCRIBE CONNECTOR c;
      EXPLAIN SELECT * FROM s EMIT CHANGES; EXPLAIN CTAS_X_1; PRINT 'my-topic' FROM BEGINNING INTERVAL 2 LIMIT 3;
      TERMINATE q1; TERMINATE ALL; PAUSE \`ALL\`; RESUME q;
      SET 'auto.offset.reset'='earliest'; UNSET 'x'; DEFINE v = 'it''s'; UNDEFINE v;
      ASSERT NOT EXISTS TOPIC t WITH (partitions=1) TIMEOUT 3 SECONDS; ASSERT SCHEMA SUBJECT 's' ID 3;
      CREATE SINK CONNECTOR c WITH ("connector.class"='x'); DROP CONNECTOR IF EXISTS c;`;
    const statements = parseStatements(script);
    expect(statements).toHaveLength(42);
    for (const { statement } of statements) expectRoundTrip(statement);
  });
});

const root = fileURLToPath(new URL('../../../../shared/ksql-qtt', import.meta.url));
const present = existsSync(root);

describe.skipIf(!present)(present ? 'printer on the QTT corpus' : 'printer on the QTT corpus: skipped, ../shared/ksql-qtt is absent', () => {
  it('round-trips every statement of the conformance corpus that parses', () => {
    let count = 0;
    for (const testCase of readQttCases(root, ['query-validation-tests', 'rest-query-validation-tests'])) {
      for (const run of statementRuns(testCase)) {
        for (const text of run) {
          let statements;
          try {
            statements = parseStatements(text);
          } catch {
            continue; // the conformance test accounts for these
          }
          for (const { statement } of statements) {
            const printed = formatStatement(statement);
            expect(withoutLocations(parseStatement(printed)), `${text}\n=> ${printed}`).toEqual(withoutLocations(statement));
            count++;
          }
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });
});
