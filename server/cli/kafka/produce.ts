/**
 * `freshet produce TOPIC`: one record per line of standard input (or of --file), as
 * kafka-console-producer.sh does. With --key-separator a line is `key<SEP>value`, split at the
 * first separator. Lines are sent as they arrive, batched by what the input had ready, so typing
 * into a terminal sends each line at once while a file goes in batches of a thousand; at the end
 * a summary line says what was sent. With --file a progress bar (when stderr is a terminal).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { ProducerRecord, RecordHeader } from '../../../storage/client/types.js';
import type { RemoteClient } from '../../../storage/remote/client.js';
import { KafkaCliError, requirePartition, requireTopic, withAdmin } from './connection.js';
import { formatBytes, formatCount, plural } from './format.js';

export interface ProduceOptions {
  keySeparator?: string;
  file?: string;
  partition?: number;
  headers: RecordHeader[];
}

// Records go out in sendBatch calls of up to BATCH lines (or what the input had ready); up to
// MAX_IN_FLIGHT of them are awaited together: enough to keep the producer busy, few enough to
// bound memory on a big file.
const BATCH = 1000;
const MAX_IN_FLIGHT = 8;

function formatRate(records: number, seconds: number): string {
  if (seconds <= 0) return '-';
  const rate = records / seconds;
  return rate >= 100 ? formatCount(Math.round(rate)) : rate.toFixed(1);
}

/** The size of the file to send, checked before anything goes over the network. */
async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new Error('it is a directory');
    return info.size;
  } catch (err) {
    throw new KafkaCliError('CANNOT_READ_FILE', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`, { cause: err });
  }
}

function openInput(file: string | undefined): { input: Readable; bytesRead: () => number } {
  if (file === undefined) return { input: process.stdin, bytesRead: () => 0 };
  const stream = createReadStream(file);
  return { input: stream, bytesRead: () => stream.bytesRead };
}

export async function produce(client: RemoteClient, topic: string, options: ProduceOptions): Promise<void> {
  const size = options.file !== undefined ? await fileSize(options.file) : null;
  const info = await withAdmin(client, (admin) => requireTopic(admin, topic));
  if (options.partition !== undefined) requirePartition(info, options.partition);
  const { input, bytesRead } = openInput(options.file);

  const producer = client.producer({ clientId: 'freshet-produce' });
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  const bar =
    size !== null
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: '{bar} {percentage}% | {records} records | {rate} records/s | {duration_formatted}',
            barsize: 30,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  const total = Math.max(size ?? 0, 1);
  bar?.start(total, 0, { records: '0', rate: '-' });

  let interrupted = false;
  const onSigint = (): void => {
    // The first Ctrl-C stops reading and still sends what was read; a second one leaves at once.
    if (interrupted) process.exit(130);
    interrupted = true;
    if (process.stdin.isTTY) process.stderr.write('\n');
    lines.close();
  };
  process.on('SIGINT', onSigint);
  if (size === null && process.stdin.isTTY) {
    process.stderr.write(`Type one record per line${options.keySeparator !== undefined ? ` (key${options.keySeparator}value)` : ''}; Ctrl-D to finish.\n`);
  }

  const started = performance.now();
  let records = 0;
  let bytes = 0;
  let failure: unknown = null;
  let badLine: number | null = null;
  let batch: ProducerRecord[] = [];
  let inflight: Promise<void>[] = [];
  let scheduled = false;
  const sendBatch = (): void => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    inflight.push(
      producer.sendBatch(records).then(
        () => undefined,
        (err: unknown) => {
          failure ??= err;
        },
      ),
    );
  };
  const progress = (done = false): void => {
    bar?.update(done ? total : bytesRead(), { records: formatCount(records), rate: formatRate(records, (performance.now() - started) / 1000) });
  };
  try {
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      let key: Buffer | null = null;
      let value = line;
      if (options.keySeparator !== undefined) {
        const at = line.indexOf(options.keySeparator);
        if (at < 0) {
          badLine = lineNumber;
          break;
        }
        key = Buffer.from(line.slice(0, at));
        value = line.slice(at + options.keySeparator.length);
      }
      const valueBytes = Buffer.from(value);
      bytes += valueBytes.length + (key?.length ?? 0);
      records++;
      batch.push({ topic, key, value: valueBytes, headers: options.headers, ...(options.partition !== undefined ? { partition: options.partition } : {}) });
      if (batch.length >= BATCH) sendBatch();
      else if (!scheduled) {
        // Lines typed into a terminal (or a slow pipe) go out as soon as the input pauses.
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          sendBatch();
        });
      }
      if (inflight.length >= MAX_IN_FLIGHT) {
        await Promise.all(inflight);
        inflight = [];
        progress();
        if (failure !== null) break;
      }
    }
    sendBatch();
    await Promise.all(inflight);
    await producer.flush();
  } finally {
    process.off('SIGINT', onSigint);
    lines.close();
    input.destroy();
    if (bar !== null) {
      progress(failure === null && badLine === null && !interrupted);
      bar.stop();
    }
    await producer.close();
  }
  if (failure !== null) throw failure;
  if (badLine !== null) {
    throw new KafkaCliError(
      'INVALID_INPUT',
      `Line ${badLine} has no key separator '${options.keySeparator}': with --key-separator every line is key${options.keySeparator}value. The ${plural(records, 'record')} before it ${records === 1 ? 'was' : 'were'} sent.`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`Produced ${plural(records, 'record')} (${formatBytes(bytes)}) to ${topic} in ${seconds.toFixed(2)} s (${formatRate(records, seconds)} records/s).\n`);
}
