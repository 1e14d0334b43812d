/** Running the `freshet` command as a user does, and a server for it on loopback. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { start, type Running, type StartOptions } from '../../server/cli/start.js';

export const freshetBin = fileURLToPath(new URL('../../bin/freshet.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How long the command ran. */
  ms: number;
}

export interface CliOptions {
  stdin?: string;
  /** Called with the child and its output so far whenever it prints. */
  onOutput?: (stdout: string, child: ReturnType<typeof spawn>) => void;
  env?: Record<string, string>;
  /** The command is killed after this long (default 30 s). */
  timeoutMs?: number;
}

/** Runs `freshet <args>` in a child process; resolves with its exit code and output. */
export function runFreshet(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [freshetBin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onOutput?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** `start()` with its log at warn, so the tests' output stays readable. */
export async function startQuietly(options: StartOptions): Promise<Running> {
  const logLevel = process.env.FRESHET_LOG_LEVEL;
  process.env.FRESHET_LOG_LEVEL = 'warn';
  try {
    return await start(options);
  } finally {
    if (logLevel === undefined) delete process.env.FRESHET_LOG_LEVEL;
    else process.env.FRESHET_LOG_LEVEL = logLevel;
  }
}

/** A loopback port nothing listens on (it was free a moment ago). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
