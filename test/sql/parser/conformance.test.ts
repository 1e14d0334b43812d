/**
 * Conformance sweep: every statement of every ksqlDB query-validation case (../shared/ksql-qtt)
 * must parse, once per format the case runs with. Cases that expect ksqlDB to reject a statement
 * may legitimately fail to parse; they are counted apart and only reported.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqlParseError } from '../../../sql/parser/errors.js';
import { parseStatements } from '../../../sql/parser/parse.js';
import { readQttCases, statementRuns } from './qtt.js';

const root = fileURLToPath(new URL('../../../../shared/ksql-qtt', import.meta.url));
const present = existsSync(root);

/** The share of statements of non-error cases that parse; the sweep reached all of them. */
const MIN_SUCCESS_RATE = 1;

interface Tally {
  statements: number;
  parsed: number;
  failures: string[];
}

function sweep(expectsError: boolean): Tally {
  const tally: Tally = { statements: 0, parsed: 0, failures: [] };
  for (const testCase of readQttCases(root, ['query-validation-tests', 'rest-query-validation-tests'])) {
    if (testCase.expectsError !== expectsError) continue;
    for (const run of statementRuns(testCase)) {
      for (const statement of run) {
        tally.statements++;
        try {
          parseStatements(statement);
          tally.parsed++;
        } catch (error) {
          if (!(error instanceof SqlParseError)) throw error;
          tally.failures.push(`${testCase.file} "${testCase.name}": ${statement}\n  ${error.message.split('\n').slice(0, 2).join(' ')}`);
        }
      }
    }
  }
  return tally;
}

const rate = (tally: Tally): string => `${tally.parsed}/${tally.statements} (${((100 * tally.parsed) / tally.statements).toFixed(2)}%)`;

describe.skipIf(!present)(present ? 'ksqlDB QTT conformance' : 'ksqlDB QTT conformance: skipped, ../shared/ksql-qtt is absent', () => {
  it('parses every statement of the cases ksqlDB accepts', () => {
    const tally = sweep(false);
    console.info(`QTT statements of accepted cases parsed: ${rate(tally)}`);
    expect(tally.statements).toBeGreaterThan(0);
    expect(tally.parsed / tally.statements, tally.failures.slice(0, 20).join('\n')).toBeGreaterThanOrEqual(MIN_SUCCESS_RATE);
  });

  it('reports how the cases ksqlDB rejects fare', () => {
    const tally = sweep(true);
    // Their statements may fail to parse (syntax errors, literals out of range); only reported.
    console.info(`QTT statements of rejected cases parsed: ${rate(tally)}; rejected by the parser: ${tally.failures.length}`);
    expect(tally.parsed + tally.failures.length).toBe(tally.statements);
  });
});
