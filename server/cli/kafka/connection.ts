/**
 * What every Kafka-side command shares: one remote client per run, errors turned into a message
 * and exit code 1, and the questions each command asks the cluster first (does this topic
 * exist?), so a mistake is reported before any record moves.
 */
import { FreshetError, KafkaError } from '../../../storage/errors.js';
import { RemoteClient } from '../../../storage/remote/client.js';
import type { Admin, TopicInfo } from '../../../storage/client/types.js';
import { plural } from './format.js';

export type KafkaCliErrorCode = 'BROKER_UNREACHABLE' | 'UNKNOWN_TOPIC' | 'UNKNOWN_PARTITION' | 'UNKNOWN_GROUP' | 'TOPIC_EXISTS' | 'INVALID_INPUT' | 'CANNOT_READ_FILE';

/** A mistake the user can fix, with a message that says how. */
export class KafkaCliError extends FreshetError {
  declare readonly code: KafkaCliErrorCode;

  constructor(code: KafkaCliErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The operating-system error under a library error (ECONNREFUSED, ENOTFOUND, …), if any. */
function socketErrorOf(err: unknown): string | null {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | null => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return null;
    seen.add(e);
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const found = walk(inner);
        if (found !== null) return found;
      }
    }
    return walk(cause);
  };
  return walk(err);
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** The message a user sees for an error of a command talking to `bootstrap`. */
export function describeError(err: unknown, bootstrap: string): string {
  if (err instanceof KafkaCliError) return err.message;
  if (err instanceof KafkaError && (err.code === 'NETWORK_EXCEPTION' || err.code === 'REQUEST_TIMED_OUT')) {
    const socket = socketErrorOf(err);
    const why = socket !== null ? ` (${SOCKET_ERRORS[socket] ?? socket})` : '';
    return `Cannot reach a Kafka broker at ${bootstrap}${why}. Is Freshet running? Start it with \`freshet start\`, or point --bootstrap-server at a running broker.`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs one command against the cluster at `bootstrap`: prints any error on stderr and sets the
 * exit code to 1. The command's clients are closed by the command (in its `finally`).
 */
export async function runKafkaCommand(bootstrap: string, command: (client: RemoteClient) => Promise<void>): Promise<void> {
  try {
    const client = new RemoteClient({ brokers: [bootstrap], clientId: 'freshet-cli' });
    await command(client);
  } catch (err) {
    process.stderr.write(`${describeError(err, bootstrap)}\n`);
    process.exitCode = 1;
  }
}

/** Runs `use` with an admin client, closed afterwards. */
export async function withAdmin<T>(client: RemoteClient, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = client.admin();
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

/** A topic's metadata, or a message naming the missing topic and how to create it. */
export async function requireTopic(admin: Admin, topic: string): Promise<TopicInfo> {
  try {
    const [info] = await admin.describeTopics([topic]);
    return info!;
  } catch (err) {
    if (err instanceof KafkaError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') {
      throw new KafkaCliError('UNKNOWN_TOPIC', `Topic '${topic}' does not exist. Create it with \`freshet topics create ${topic}\` (\`freshet topics list\` shows the topics).`, { cause: err });
    }
    throw err;
  }
}

/** Checks that `partition` is one of the topic's partitions. */
export function requirePartition(info: TopicInfo, partition: number): void {
  const count = info.partitions.length;
  if (partition >= count) {
    throw new KafkaCliError('UNKNOWN_PARTITION', `Topic '${info.name}' has no partition ${partition}: it has ${plural(count, 'partition')} (0${count > 1 ? `-${count - 1}` : ''}).`);
  }
}
