/**
 * `npm run qtt -- [--rest] [--json FILE] [PATH...]`: runs ksqlDB query-validation test files (a
 * folder or files; default ../shared/ksql-qtt/query-validation-tests, or
 * rest-query-validation-tests against the real server with --rest), prints one line per failing
 * case, then `N passed, N failed[, N skipped]`. Exits 0 either way: the figure is the result.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Command } from 'commander';
import { runFile, type CaseResult } from './runner.js';
import { runRestFile } from './rest-runner.js';

const program = new Command()
  .name('qtt')
  .option('--json <file>', 'write per-file counts as JSON')
  .option('--rest', 'run REST test files (rest-query-validation-tests) against the real server over HTTP')
  .option('--verbose', 'also list passing cases whose error message differs from the expected one')
  .argument('[paths...]', 'QTT files or folders')
  .parse();

const options = program.opts<{ json?: string; verbose?: boolean; rest?: boolean }>();
const paths = program.args.length > 0 ? program.args : [join(import.meta.dirname, '../../../shared/ksql-qtt', options.rest ? 'rest-query-validation-tests' : 'query-validation-tests')];
const files: string[] = [];
for (const p of paths) {
  if (!existsSync(p)) {
    console.error(`qtt: ${p} does not exist`);
    process.exit(2);
  }
  if (statSync(p).isDirectory()) files.push(...readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => join(p, f)));
  else files.push(p);
}

const perFile: Record<string, { passed: number; failed: number; skipped: number }> = {};
const totals = { passed: 0, failed: 0, skipped: 0 };
let messageMismatches = 0;
for (const file of files) {
  const label = basename(file);
  let results: CaseResult[];
  try {
    results = options.rest ? await runRestFile(file, label) : await runFile(file, label);
  } catch (error) {
    console.log(`${label}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
    continue;
  }
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    counts[r.outcome.status]++;
    if (r.outcome.status === 'failed') console.log(`FAIL ${label} :: ${r.name} :: ${r.outcome.reason.replace(/\n/g, '\\n').slice(0, 400)}`);
    if (r.outcome.status === 'passed' && r.outcome.messageMatched === false) {
      messageMismatches++;
      if (options.verbose) console.log(`MESSAGE ${label} :: ${r.name}`);
    }
  }
  perFile[label] = counts;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}
if (options.json) writeFileSync(options.json, `${JSON.stringify({ files: perFile, ...totals, messageMismatches }, null, 2)}\n`);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''}`);
