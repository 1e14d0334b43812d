/**
 * Reads ksqlDB's query-validation test files (../shared/ksql-qtt), which are lenient JSON:
 * `//` and `/* *\/` comments, trailing commas, raw control characters inside strings.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QttCase {
  readonly file: string;
  readonly name: string;
  readonly statements: readonly string[];
  readonly formats: readonly string[];
  /** The case expects ksqlDB to reject one of its statements. */
  readonly expectsError: boolean;
}

export { parseLenientJson } from '../../../scripts/qtt/lenient-json.js';
import { parseLenientJson } from '../../../scripts/qtt/lenient-json.js';

interface RawCase {
  name?: string;
  statements?: string[];
  format?: string[];
  expectedException?: unknown;
  expectedError?: unknown;
}

/** Every case of every file in the given folders under `root`; empty if `root` is absent. */
export function readQttCases(root: string, folders: readonly string[]): QttCase[] {
  if (!existsSync(root)) return [];
  const cases: QttCase[] = [];
  for (const folder of folders) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const parsed = parseLenientJson(readFileSync(join(dir, file), 'utf8')) as { tests?: RawCase[] };
      for (const raw of parsed.tests ?? []) {
        cases.push({
          file: `${folder}/${file}`,
          name: raw.name ?? '',
          statements: raw.statements ?? [],
          formats: raw.format ?? [],
          expectsError: raw.expectedException !== undefined || raw.expectedError !== undefined,
        });
      }
    }
  }
  return cases;
}

/** The statement texts a case runs: one set per format, `{FORMAT}` substituted. */
export function statementRuns(testCase: QttCase): string[][] {
  if (testCase.formats.length === 0) return [[...testCase.statements]];
  return testCase.formats.map((format) => testCase.statements.map((s) => s.replaceAll('{FORMAT}', format)));
}
