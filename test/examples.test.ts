/** The README's examples are programs in examples/: each must run to completion. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

describe('examples', () => {
  it('broker-quickstart produces, consumes in a group and commits', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/broker-quickstart.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout).toContain('alice -> /index.html');
    expect(stdout).toContain('bob -> /about.html');
    expect(stdout).toContain('alice -> /pricing.html');
    expect(stdout).toMatch(/lag: 0/);
  });

  it('transactions copies orders exactly once with their offsets', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/transactions.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout).toContain("'o1: shipped', 'o2: shipped', 'o3: shipped'");
    expect(stdout).toMatch(/offset: 3,\s+logEndOffset: 3,\s+lag: 0/);
  });
});
