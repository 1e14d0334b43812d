/**
 * `freshet consume TOPIC`: prints each record's value (with --print-key, `key<SEP>value`) on its
 * own line, as kafka-console-consumer.sh does, until --max records, Ctrl-C, or --timeout-ms
 * without a record.
 *
 * Without --group the consumer reads every partition (or --partition) by itself, from the end or
 * with --from-beginning from the start. With --group it joins the group (or, with --partition,
 * reads that partition under the group's committed offset) and commits the offsets of the records
 * it printed: not those of records polled but left unprinted past --max.
 */
import type { Consumer, ConsumerRecord, OffsetAndMetadata } from '../../../storage/client/types.js';
import type { RemoteClient } from '../../../storage/remote/client.js';
import { requirePartition, requireTopic, withAdmin } from './connection.js';
import { plural } from './format.js';

export interface ConsumeOptions {
  fromBeginning: boolean;
  group?: string;
  max?: number;
  partition?: number;
  printKey: boolean;
  keySeparator: string;
  timeoutMs?: number;
}

const POLL_MS = 500;

function text(bytes: Buffer | null): string {
  return bytes === null ? 'null' : bytes.toString('utf8');
}

/** Writes, waiting while the reader (a pipe) is behind, or until the pipe breaks. */
function write(chunk: string): Promise<void> {
  if (process.stdout.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of ['drain', 'error', 'close']) process.stdout.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'error', 'close']) process.stdout.once(event, done);
  });
}

export async function consume(client: RemoteClient, topic: string, options: ConsumeOptions): Promise<void> {
  const info = await withAdmin(client, (admin) => requireTopic(admin, topic));
  if (options.partition !== undefined) requirePartition(info, options.partition);

  const consumer = client.consumer({
    clientId: 'freshet-consume',
    ...(options.group !== undefined ? { groupId: options.group } : {}),
    autoOffsetReset: options.fromBeginning ? 'earliest' : 'latest',
    // Offsets are committed here, for exactly the records printed.
    enableAutoCommit: false,
    ...(options.max !== undefined ? { maxPollRecords: Math.min(options.max, 500) } : {}),
  });
  const partitions = options.partition !== undefined ? [{ topic, partition: options.partition }] : info.partitions.map((p) => ({ topic, partition: p.partition }));
  if (options.group !== undefined && options.partition === undefined) {
    consumer.subscribe([topic]);
  } else {
    consumer.assign(partitions);
    // Without a group there is no committed offset: start at one end. In a group the committed
    // offset decides, and --from-beginning only applies where there is none (auto.offset.reset).
    if (options.group === undefined) {
      if (options.fromBeginning) consumer.seekToBeginning(partitions);
      else consumer.seekToEnd(partitions);
    }
  }

  let stopping = false;
  const onSigint = (): void => {
    // The first Ctrl-C stops after the current poll (and commits); a second one leaves at once.
    if (stopping) process.exit(130);
    stopping = true;
  };
  const onPipeError = (err: NodeJS.ErrnoException): void => {
    // Output piped into `head` and the like: a closed pipe ends the command quietly.
    if (err.code === 'EPIPE') stopping = true;
    else throw err;
  };
  process.on('SIGINT', onSigint);
  process.stdout.on('error', onPipeError);

  let count = 0;
  const toCommit = new Map<string, OffsetAndMetadata>();
  // The --timeout-ms clock starts once the consumer has partitions (joining a group takes a while).
  let idleSince: number | null = null;
  try {
    while (!stopping) {
      const records = await consumer.poll(POLL_MS);
      if (stopping) break;
      if (idleSince === null && consumer.assignment().length > 0) idleSince = Date.now();
      const take = options.max !== undefined ? records.slice(0, options.max - count) : records;
      if (take.length > 0) {
        await write(take.map((r) => format(r, options)).join(''));
        count += take.length;
        idleSince = Date.now();
        for (const r of take) toCommit.set(`${r.topic}\u0000${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
        if (options.group !== undefined) await commit(consumer, toCommit);
      }
      if (options.max !== undefined && count >= options.max) break;
      if (options.timeoutMs !== undefined && idleSince !== null && Date.now() - idleSince >= options.timeoutMs) break;
    }
    if (options.group !== undefined) await commit(consumer, toCommit);
  } finally {
    process.off('SIGINT', onSigint);
    process.stdout.off('error', onPipeError);
    await consumer.close();
  }
  process.stderr.write(`Consumed ${plural(count, 'record')}.\n`);
}

function format(record: ConsumerRecord, options: ConsumeOptions): string {
  return options.printKey ? `${text(record.key)}${options.keySeparator}${text(record.value)}\n` : `${text(record.value)}\n`;
}

/** Commits the printed records' offsets; a failed commit is reported and tried again next time. */
async function commit(consumer: Consumer, offsets: Map<string, OffsetAndMetadata>): Promise<void> {
  if (offsets.size === 0) return;
  const list = [...offsets.values()];
  try {
    await consumer.commitSync(list);
    for (const o of list) if (offsets.get(`${o.topic}\u0000${o.partition}`) === o) offsets.delete(`${o.topic}\u0000${o.partition}`);
  } catch (err) {
    process.stderr.write(`Committing offsets failed (will retry): ${(err as Error).message}\n`);
  }
}
