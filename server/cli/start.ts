/**
 * `freshet start`: runs the broker on a data directory in this process, until Ctrl-C or
 * SIGTERM, then shuts down cleanly.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Broker, type BrokerOptions } from '../../storage/broker/broker.js';
import { consoleLogger } from '../../storage/logger.js';
import { KafkaListener, type KafkaListenerOptions } from '../kafka/index.js';

export interface StartOptions {
  dataDir: string;
  host: string;
  kafkaPort: number;
  httpPort: number;
  config?: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`'${value}' is not a port number (0-65535).`);
  return n;
}

/** The config file: broker options, plus `kafka` for the listener (e.g. advertisedHost, sasl). */
type ConfigFile = Partial<BrokerOptions> & { kafka?: Partial<KafkaListenerOptions> };

function readConfig(path: string | undefined): ConfigFile {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
  } catch (err) {
    throw new Error(`Cannot read the config file ${path}: ${(err as Error).message}`);
  }
}

export interface Running {
  broker: Broker;
  kafka: { host: string; port: number };
  stop(): Promise<void>;
}

/** Opens the broker and starts its servers. */
export async function start(opts: StartOptions): Promise<Running> {
  const logger = consoleLogger();
  const dataDir = resolve(opts.dataDir);
  const { kafka: kafkaOptions, ...brokerOptions } = readConfig(opts.config);
  const broker = await Broker.open({ ...brokerOptions, dataDir, logger });
  const listener = new KafkaListener(broker, { ...kafkaOptions, host: opts.host, port: opts.kafkaPort, logger });
  let kafka: { host: string; port: number };
  try {
    kafka = await listener.start();
  } catch (err) {
    await broker.close();
    throw err;
  }
  const stop = async (): Promise<void> => {
    await listener.close();
    await broker.close();
  };
  const topics = broker.listTopics();
  process.stdout.write(
    [
      `Freshet broker ${broker.nodeId} (cluster ${broker.clusterId}) is running.`,
      `  data directory: ${dataDir}`,
      `  Kafka protocol: ${kafka.host}:${kafka.port}   (e.g. kcat -b ${kafka.host}:${kafka.port} -L)`,
      `  topics:         ${topics.length === 0 ? '(none yet)' : topics.join(', ')}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  return { broker, kafka, stop };
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Run the broker (and its servers) in this process on a data directory.')
    .option('--data-dir <dir>', 'where topics and metadata live', 'data')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--kafka-port <port>', 'Kafka protocol port', port, 9092)
    .option('--http-port <port>', 'REST API port', port, 8088)
    .option('--config <file>', 'JSON file with broker options (e.g. {"defaultPartitions": 3})')
    .action(async (opts: StartOptions) => {
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
