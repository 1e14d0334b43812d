/**
 * `freshet ksql`: the SQL command line of a Freshet (or ksqlDB) server, over its REST API, like
 * ksqlDB's `ksql`:
 *
 *   freshet ksql                                  an interactive session (ksql> prompt)
 *   freshet ksql -e "SHOW STREAMS;"               runs statements and exits (1 on the first error)
 *   freshet ksql -f setup.sql --define env=dev    runs a file's statements
 *   freshet ksql --server http://host:8088 --output json
 */
import { InvalidArgumentError, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KsqlRestClient } from './ksql/rest-client.js';
import { repl } from './ksql/repl.js';
import { Session, type OutputFormat } from './ksql/session.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8088';

export interface KsqlCliOptions {
  server: string;
  /** name:password for a server that requires HTTP basic authentication. */
  user?: string;
  execute?: string;
  file?: string;
  output: OutputFormat;
  define: Record<string, string>;
}

function outputFormat(value: string): OutputFormat {
  const format = value.toLowerCase();
  if (format !== 'tabular' && format !== 'json') throw new InvalidArgumentError(`--output is TABULAR or JSON, not '${value}'.`);
  return format;
}

function define(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
  if (!m) throw new InvalidArgumentError(`--define takes name=value (a name of letters, digits and _), not '${value}'.`);
  return { ...previous, [m[1]!]: m[2]! };
}

/** The server URL with `name:password` credentials in it (sent as HTTP basic authentication). */
function withUser(server: string, user: string | undefined): string {
  if (user === undefined) return server;
  const colon = user.indexOf(':');
  if (colon <= 0) throw new Error(`--user takes name:password, not '${user}'.`);
  const url = new URL(/^[a-z]+:\/\//i.test(server) ? server : `http://${server}`);
  url.username = encodeURIComponent(user.slice(0, colon));
  url.password = encodeURIComponent(user.slice(colon + 1));
  return url.href;
}

/**
 * Runs the CLI; resolves to the process's exit code. -e and -f run their statements (the file's
 * first) and stop at the first error; without them the REPL reads standard input.
 */
export async function runKsqlCli(options: KsqlCliOptions): Promise<number> {
  // Output piped into `head` and the like: a closed pipe ends the CLI quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  let client: KsqlRestClient;
  try {
    client = new KsqlRestClient(withUser(options.server, options.user));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const session = new Session({
    client,
    format: options.output,
    variables: options.define,
    output: {
      write: (text) => void process.stdout.write(text),
      error: (text) => void process.stderr.write(text),
      width: () => (process.stdout.isTTY ? process.stdout.columns : 0) || 80,
    },
  });
  if (options.file === undefined && options.execute === undefined) {
    await repl({ session, input: process.stdin, output: process.stdout, interactive: process.stdin.isTTY === true && process.stdout.isTTY === true });
    return 0;
  }
  // Ctrl-C stops the running statement; a second one (nothing running) leaves.
  const interrupt = (): void => {
    if (!session.cancel()) process.exit(130);
  };
  process.on('SIGINT', interrupt);
  try {
    if (options.file !== undefined) {
      const path = resolve(options.file);
      let script: string;
      try {
        script = await readFile(path, 'utf8');
      } catch (error) {
        process.stderr.write(`Cannot read the script ${path}: ${(error as Error).message}\n`);
        return 1;
      }
      if (!(await session.runScript(script))) return 1;
    }
    if (options.execute !== undefined && !(await session.runScript(options.execute))) return 1;
    return 0;
  } finally {
    process.off('SIGINT', interrupt);
  }
}

export function registerKsql(program: Command): void {
  program
    .command('ksql')
    .description('The SQL command line of a Freshet (or ksqlDB) server: an interactive session, or -e/-f to run statements.')
    .option('--server <url>', 'the REST API of the server', DEFAULT_SERVER)
    .option('-e, --execute <sql>', 'run these statements and exit')
    .option('-f, --file <file>', 'run the statements of this file and exit')
    .option('--output <format>', 'TABULAR or JSON', outputFormat, 'tabular' as OutputFormat)
    .option('--define <name=value>', 'a variable for ${name} in statements (repeatable)', define)
    .option('--user <name:password>', 'credentials for a server that requires HTTP basic authentication')
    .action(async (opts: Omit<KsqlCliOptions, 'define'> & { define?: Record<string, string> }) => {
      process.exitCode = await runKsqlCli({ ...opts, define: opts.define ?? {} });
    });
}
