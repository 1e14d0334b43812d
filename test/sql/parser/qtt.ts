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

/** Plain JSON from lenient JSON: comments dropped, control characters escaped, trailing commas removed. */
export function parseLenientJson(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      out += c;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          out += text.slice(j, j + 2);
          j += 2;
          continue;
        }
        const code = text.charCodeAt(j);
        out += code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : text[j];
        j++;
      }
      out += '"';
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else if (c === ',') {
      // A comma followed (past whitespace and comments) by a closing bracket is a trailing comma.
      let j = i + 1;
      for (;;) {
        while (j < text.length && /\s/.test(text[j]!)) j++;
        if (text.startsWith('//', j)) while (j < text.length && text[j] !== '\n') j++;
        else if (text.startsWith('/*', j)) j = text.indexOf('*/', j + 2) + 2;
        else break;
      }
      if (text[j] !== ']' && text[j] !== '}') out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

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
