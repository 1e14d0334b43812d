/**
 * The `freshet start` command's options. The server itself (server/cli/start.ts) loads only when
 * the command runs, so other commands start fast.
 */
import type { Command } from 'commander';
import type { StartOptions } from './start.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`'${value}' is not a port number (0-65535).`);
  return n;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Run the broker (and its servers) in this process on a data directory.')
    .option('--data-dir <dir>', 'where topics and metadata live', 'data')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--kafka-port <port>', 'Kafka protocol port', port, 9092)
    .option('--http-port <port>', 'REST API port', port, 8088)
    .option('--schema-registry-port <port>', 'schema registry port (also served under /schema-registry on the REST port)', port, 8081)
    .option('--config <file>', 'JSON file with broker options (e.g. {"defaultPartitions": 3})')
    .action(async (opts: StartOptions) => {
      const { start } = await import('./start.js');
      const { stop } = await start(opts);
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal}: shutting down...\n`);
        stop().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`Shutdown failed: ${String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
