/**
 * The Kafka-side commands of `freshet`, for any Kafka-compatible broker (Freshet's own by
 * default) over the Kafka protocol:
 *
 *   freshet topics create NAME [--partitions N] [--config k=v ...] | list | describe NAME | delete NAME
 *   freshet produce TOPIC [--key-separator SEP] [--file F] [--partition N] [--header k=v ...]
 *   freshet consume TOPIC [--from-beginning] [--group G] [--max N] [--partition N] [--print-key] ...
 *   freshet groups list | describe GROUP
 *
 * Only option parsing lives here: each command loads its module (and the Kafka client) when it
 * runs, so `freshet` starts fast whatever the command.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { RemoteClient } from '../../../storage/remote/client.js';

export const DEFAULT_BOOTSTRAP_SERVER = '127.0.0.1:9092';

interface Common {
  bootstrapServer: string;
}

function integer(min: number, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what} is a whole number${min > 0 ? ` of at least ${min}` : ''}, not '${value}'.`);
    return n;
  };
}

function keyValue(option: string): (value: string, previous?: [string, string][]) => [string, string][] {
  return (value, previous = []) => {
    const at = value.indexOf('=');
    if (at <= 0) throw new InvalidArgumentError(`${option} takes key=value (for example ${option === '--config' ? 'retention.ms=86400000' : 'source=cli'}), not '${value}'.`);
    return [...previous, [value.slice(0, at), value.slice(at + 1)]];
  };
}

function bootstrap(value: string): string {
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at <= 0 || !/^\d+$/.test(value.slice(at + 1)) || port < 1 || port > 65535) throw new InvalidArgumentError(`--bootstrap-server is host:port (for example ${DEFAULT_BOOTSTRAP_SERVER}), not '${value}'.`);
  return value;
}

function separator(value: string): string {
  if (value === '') throw new InvalidArgumentError('--key-separator cannot be empty.');
  // `--key-separator '\t'` as typed in a shell means a tab.
  return value.replace(/\\t/g, '\t');
}

function withBootstrap(command: Command): Command {
  return command.option('--bootstrap-server <host:port>', 'the Kafka broker to talk to', bootstrap, DEFAULT_BOOTSTRAP_SERVER);
}

async function run(opts: Common, command: (client: RemoteClient) => Promise<void>): Promise<void> {
  const { runKafkaCommand } = await import('./connection.js');
  await runKafkaCommand(opts.bootstrapServer, command);
}

function registerTopics(program: Command): void {
  const topics = program.command('topics').description('Create, list, describe and delete topics.');
  withBootstrap(topics.command('create <name>').description('Create a topic.'))
    .option('--partitions <n>', "number of partitions (default: the broker's num.partitions)", integer(1, '--partitions'))
    .option('--replication-factor <n>', 'replicas per partition (default: the broker default)', integer(1, '--replication-factor'))
    .option('--config <key=value>', 'a topic config, e.g. cleanup.policy=compact (repeatable)', keyValue('--config'))
    .action(async (name: string, opts: Common & { partitions?: number; replicationFactor?: number; config?: [string, string][] }) => {
      const { createTopic } = await import('./topics.js');
      await run(opts, (client) => createTopic(client, name, { partitions: opts.partitions, replicationFactor: opts.replicationFactor, config: Object.fromEntries(opts.config ?? []) }));
    });
  withBootstrap(topics.command('list').description('List the topics, one per line.'))
    .option('--internal', 'include internal topics (__consumer_offsets, …)')
    .action(async (opts: Common & { internal?: boolean }) => {
      const { listTopics } = await import('./topics.js');
      await run(opts, (client) => listTopics(client, { internal: opts.internal === true }));
    });
  withBootstrap(topics.command('describe <name>').description("Show a topic's partitions, offsets and configs."))
    .action(async (name: string, opts: Common) => {
      const { describeTopic } = await import('./topics.js');
      await run(opts, (client) => describeTopic(client, name));
    });
  withBootstrap(topics.command('delete <name>').description('Delete a topic and its records.'))
    .action(async (name: string, opts: Common) => {
      const { deleteTopic } = await import('./topics.js');
      await run(opts, (client) => deleteTopic(client, name));
    });
}

function registerProduce(program: Command): void {
  withBootstrap(program.command('produce <topic>').description('Send one record per line of standard input (or of --file).'))
    .option('--key-separator <sep>', 'lines are key<sep>value, split at the first <sep>', separator)
    .option('--file <file>', 'read the lines from this file (with a progress bar)')
    .option('--partition <n>', 'send every record to this partition', integer(0, '--partition'))
    .option('--header <key=value>', 'a header on every record (repeatable)', keyValue('--header'))
    .action(async (topic: string, opts: Common & { keySeparator?: string; file?: string; partition?: number; header?: [string, string][] }) => {
      const { produce } = await import('./produce.js');
      await run(opts, (client) =>
        produce(client, topic, {
          keySeparator: opts.keySeparator,
          file: opts.file,
          partition: opts.partition,
          headers: (opts.header ?? []).map(([key, value]) => ({ key, value: Buffer.from(value) })),
        }),
      );
    });
}

function registerConsume(program: Command): void {
  withBootstrap(program.command('consume <topic>').description('Print records, one value per line, until --max, --timeout-ms or Ctrl-C.'))
    .option('--from-beginning', 'start at the oldest record (in a group: where it has no committed offset)')
    .option('--group <group>', 'consume as a member of this group and commit offsets')
    .option('--max <n>', 'stop after this many records', integer(1, '--max'))
    .option('--partition <n>', 'read only this partition', integer(0, '--partition'))
    .option('--print-key', 'print key<sep>value')
    .option('--key-separator <sep>', 'what goes between key and value with --print-key', separator, '\t')
    .option('--timeout-ms <n>', 'stop when no record came for this long', integer(1, '--timeout-ms'))
    .action(async (topic: string, opts: Common & { fromBeginning?: boolean; group?: string; max?: number; partition?: number; printKey?: boolean; keySeparator: string; timeoutMs?: number }) => {
      const { consume } = await import('./consume.js');
      await run(opts, (client) =>
        consume(client, topic, {
          fromBeginning: opts.fromBeginning === true,
          group: opts.group,
          max: opts.max,
          partition: opts.partition,
          printKey: opts.printKey === true,
          keySeparator: opts.keySeparator,
          timeoutMs: opts.timeoutMs,
        }),
      );
    });
}

function registerGroups(program: Command): void {
  const groups = program.command('groups').description('List and describe consumer groups.');
  withBootstrap(groups.command('list').description('List the consumer groups.')).action(async (opts: Common) => {
    const { listGroups } = await import('./groups.js');
    await run(opts, (client) => listGroups(client));
  });
  withBootstrap(groups.command('describe <group>').description("Show a group's members and, per partition, its committed offset, the end offset and the lag."))
    .action(async (group: string, opts: Common) => {
      const { describeGroup } = await import('./groups.js');
      await run(opts, (client) => describeGroup(client, group));
    });
}

export function registerKafkaCommands(program: Command): void {
  registerTopics(program);
  registerProduce(program);
  registerConsume(program);
  registerGroups(program);
}
