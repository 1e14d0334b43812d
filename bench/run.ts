/**
 * Benchmark runner: `npm run bench -- <name> [--records N] [--json]` runs `bench/<name>.ts`.
 * With --json the last line printed is one JSON object:
 *   {"bench": name, "records": N, "results": {...}, "ratios": {...}}
 */
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchContext {
  records: number;
  json: boolean;
  /** Progress lines for humans; silent in --json mode except on stderr. */
  log(message: string): void;
}

export interface BenchResult {
  results: Record<string, number>;
  ratios: Record<string, number>;
}

export type Bench = (ctx: BenchContext) => Promise<BenchResult>;

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

const program = new Command()
  .name('npm run bench --')
  .argument('<name>', `benchmark to run: ${available.join(', ')}`)
  .option('--records <n>', 'number of records', (v) => Number.parseInt(v, 10))
  .option('--json', 'print one JSON object as the last line', false)
  .action(async (name: string, opts: { records?: number; json: boolean }) => {
    if (!available.includes(name)) {
      program.error(`Unknown benchmark '${name}'. Available: ${available.join(', ')}.`);
    }
    const mod = (await import(`./${name}.ts`)) as { default: Bench; defaultRecords?: number };
    const records = opts.records ?? mod.defaultRecords ?? 1_000_000;
    const ctx: BenchContext = {
      records,
      json: opts.json,
      log: (m) => (opts.json ? process.stderr : process.stdout).write(m + '\n'),
    };
    const { results, ratios } = await mod.default(ctx);
    const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number.isInteger(v) ? v : Number(v.toPrecision(4))]));
    if (opts.json) {
      process.stdout.write(JSON.stringify({ bench: name, records, results: round(results), ratios: round(ratios) }) + '\n');
    } else {
      console.log(`\n${name}: ${records} records`);
      for (const [k, v] of Object.entries(round(results))) console.log(`  ${k.padEnd(36)} ${v.toLocaleString('en-US')}`);
      for (const [k, v] of Object.entries(round(ratios))) console.log(`  ${k.padEnd(36)} ${v}`);
    }
  });

await program.parseAsync(process.argv);
