/**
 * The command log: every accepted DDL/DML statement, in order, in a single-partition topic (as
 * ksqlDB's command topic). A restart reads it from the start and executes each command again,
 * which rebuilds the catalog and restarts the persistent queries; a command's offset is its
 * sequence number, which numbers the query ids, so queries keep their ids across restarts.
 */
import type { Producer, StorageClient } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';

export const COMMAND_TOPIC = '_confluent-ksql-default__command_topic';

export interface Command {
  /** The statement text, variables already substituted. */
  readonly statement: string;
  /** Property overrides in effect for it (SET, or the request's streamsProperties). */
  readonly properties: Readonly<Record<string, string | number | boolean>>;
}

export interface LoggedCommand extends Command {
  readonly sequence: number;
}

export class CommandLog {
  private producer: Producer | null = null;
  private next = 0;

  constructor(
    private readonly client: StorageClient,
    private readonly logger: Logger,
    readonly topic = COMMAND_TOPIC,
  ) {}

  /** The sequence number the next appended command gets. */
  get nextSequence(): number {
    return this.next;
  }

  /**
   * Reads every command written so far. A record that is not a command (unreadable JSON, no
   * statement) is skipped with an error naming its offset; the others still load.
   */
  async readAll(): Promise<LoggedCommand[]> {
    const admin = this.client.admin();
    try {
      const topics = await admin.listTopics({ listInternal: true });
      if (!topics.includes(this.topic)) {
        await admin.createTopics([{ name: this.topic, partitions: 1, configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' } }]);
      }
    } finally {
      await admin.close();
    }
    const consumer = this.client.consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'earliest', enableAutoCommit: false });
    const tp = { topic: this.topic, partition: 0 };
    const commands: LoggedCommand[] = [];
    try {
      consumer.assign([tp]);
      consumer.seekToBeginning([tp]);
      const [end] = await consumer.endOffsets([tp]);
      this.next = end ?? 0;
      let position = await consumer.position(tp);
      while (position < this.next) {
        for (const r of await consumer.poll(500)) {
          position = r.offset + 1;
          const command = parseCommand(r.value);
          if (command) commands.push({ ...command, sequence: r.offset });
          else this.logger.error(`Command log ${this.topic}: the record at offset ${r.offset} is not a readable command and is skipped: ${preview(r.value)}`);
        }
        position = Math.max(position, await consumer.position(tp));
      }
    } finally {
      await consumer.close();
    }
    return commands;
  }

  /** Appends a command; resolves with its sequence number once it is stored. */
  async append(command: Command): Promise<number> {
    this.producer ??= this.client.producer({ clientId: 'freshet-command-log', lingerMs: 0, acks: 'all' });
    const meta = await this.producer.send({ topic: this.topic, key: null, value: JSON.stringify(command), partition: 0 });
    this.next = meta.offset + 1;
    return meta.offset;
  }

  async close(): Promise<void> {
    await this.producer?.close();
  }
}

function parseCommand(value: Buffer | null): Command | undefined {
  if (value === null) return undefined;
  try {
    const json = JSON.parse(value.toString('utf8')) as unknown;
    if (typeof json !== 'object' || json === null) return undefined;
    const { statement, properties } = json as { statement?: unknown; properties?: unknown };
    if (typeof statement !== 'string') return undefined;
    const props = typeof properties === 'object' && properties !== null ? (properties as Record<string, string | number | boolean>) : {};
    return { statement, properties: props };
  } catch {
    return undefined;
  }
}

function preview(value: Buffer | null): string {
  if (value === null) return '(null)';
  const text = value.toString('utf8');
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
