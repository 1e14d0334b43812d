/**
 * Shared setup of the server benchmarks (bench/pull.ts, bench/push.ts): the real server started
 * in this process as `freshet start` wires it (broker, Kafka listener, SQL engine, REST API on
 * loopback, a temporary data directory), statements and queries over its REST API, fast loading
 * through the broker's in-process producer, and load generators run in a child process.
 *
 * Load generators run in a child process (`node --import tsx bench/<name>.ts --load-child`, the
 * bench file's own `childMain`), not in the server's process: they get the other core instead
 * of taking turns with the server on its event loop, and the memory the server process reports
 * is the server's (and the bench harness's) alone. Parent and child talk over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Running } from '../server/cli/start.js';
import type { ProducerRecord } from '../storage/client/types.js';

export const KSQLAPI_DELIMITED = 'application/vnd.ksqlapi.delimited.v1';

export interface BenchServer {
  readonly running: Running;
  /** http://127.0.0.1:<port> of the REST API. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the whole server on loopback with ephemeral ports and a fresh data directory. */
export async function startServer(): Promise<BenchServer> {
  // INFO lines (query starts, group joins) would interleave with the bench's output.
  process.env.FRESHET_LOG_LEVEL ??= 'warn';
  // Imported here so that load-generator children, which import the bench file, skip the server's modules.
  const { start } = await import('../server/cli/start.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-server-'));
  // start() prints its banner on stdout; in --json mode the JSON object is still the last line.
  const running = await start({ dataDir, host: '127.0.0.1', kafkaPort: 0, httpPort: 0 });
  return {
    running,
    url: `http://${running.http.host}:${running.http.port}`,
    stop: async () => {
      try {
        await running.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** POST /ksql; throws with the server's message on any error status. */
export async function ksql(url: string, statements: string): Promise<unknown[]> {
  const res = await fetch(`${url}/ksql`, { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json' }, body: JSON.stringify({ ksql: statements, streamsProperties: {} }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /ksql ${statements} -> ${res.status}: ${text}`);
  return JSON.parse(text) as unknown[];
}

/** POST /query-stream of a query that ends (a pull query): the rows, after the metadata line. */
export async function queryRows(url: string, sql: string): Promise<unknown[][]> {
  const res = await fetch(`${url}/query-stream`, { method: 'POST', headers: { 'content-type': 'application/json', accept: KSQLAPI_DELIMITED }, body: JSON.stringify({ sql }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /query-stream ${sql} -> ${res.status}: ${text}`);
  const lines = text.split('\n').filter((l) => l !== '');
  const rows = lines.slice(1).map((l) => JSON.parse(l) as unknown);
  const error = rows.find((r) => !Array.isArray(r));
  if (error !== undefined) throw new Error(`POST /query-stream ${sql}: ${JSON.stringify(error)}`);
  return rows as unknown[][];
}

/**
 * Writes records 0..n-1 (`record(i)`) with the broker's in-process producer: calls of 10,000
 * records, a few in flight. Returns seconds.
 */
export async function produce(server: BenchServer, n: number, record: (i: number) => ProducerRecord): Promise<number> {
  const producer = server.running.broker.client().producer();
  const start = process.hrtime.bigint();
  try {
    const inflight: Promise<unknown>[] = [];
    for (let from = 0; from < n; from += 10_000) {
      const batch: ProducerRecord[] = [];
      for (let i = from; i < Math.min(n, from + 10_000); i++) batch.push(record(i));
      inflight.push(producer.sendBatch(batch));
      if (inflight.length >= 4) await inflight.shift();
    }
    await Promise.all(inflight);
    return seconds(start);
  } finally {
    await producer.close();
  }
}

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export const mb = (bytes: number): number => bytes / (1024 * 1024);

let gcFunction: (() => void) | undefined;

/**
 * A full garbage collection, so heapUsed counts what is retained rather than what awaits
 * collection (`--expose-gc` turned on at run time; the function comes from a fresh context).
 */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

/** process.memoryUsage() after a full collection. */
export function retainedMemory(): NodeJS.MemoryUsage {
  collectGarbage();
  return process.memoryUsage();
}

/** Polls `check` every `everyMs` until it returns true; throws `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Runs `fn` under the V8 CPU profiler when BENCH_CPU_PROFILE_DIR is set, writing
 * `<dir>/<label>.cpuprofile` (open it in Chrome DevTools or speedscope): a profile of the measured
 * load alone, without the setup that `node --cpu-prof` would also record.
 */
export async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

// ---- load generators in a child process ---------------------------------------------------------

/** The flag a bench file is started with as a load-generator child. */
export const CHILD_FLAG = '--load-child';

/** Whether this process is the load-generator child of the bench file `moduleUrl`. */
export function isLoadChild(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(moduleUrl) && process.argv.includes(CHILD_FLAG);
}

/** The parent's side of a load-generator child: send it messages, await the ones it sends back. */
export class LoadChild<In, Out> {
  private readonly child: ChildProcess;
  private readonly queue: Out[] = [];
  private waiting: { resolve: (m: Out) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  /** Forks `node --import tsx <bench file> --load-child`. */
  constructor(moduleUrl: string) {
    this.child = fork(fileURLToPath(moduleUrl), [CHILD_FLAG], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m) => {
      const message = m as Out;
      if (this.waiting) {
        this.waiting.resolve(message);
        this.waiting = null;
      } else {
        this.queue.push(message);
      }
    });
    this.child.on('exit', (code, signal) => {
      this.failure = new Error(`The load-generator child exited (${signal ?? code}) before answering.`);
      this.waiting?.reject(this.failure);
      this.waiting = null;
    });
  }

  send(message: In): void {
    this.child.send(message as object);
  }

  /** The child's next message. */
  next(): Promise<Out> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Ends the child (by its own pid: it is ours). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** The child's side: handles the parent's messages; `reply` sends one back. */
export function serveParent<In, Out>(handle: (message: In, reply: (m: Out) => void) => unknown): void {
  const reply = (m: Out): void => void process.send!(m as object);
  process.on('message', (m) => {
    Promise.resolve(handle(m as In, reply)).catch((error: unknown) => {
      process.stderr.write(`load generator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
  });
  // The parent going away ends the child.
  process.on('disconnect', () => process.exit(0));
}
