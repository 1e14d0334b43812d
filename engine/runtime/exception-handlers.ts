/**
 * The three exception handlers (deserialization, processing, production) as configured:
 * log-and-continue, log-and-fail, or a dead-letter topic. A dead-letter record carries the failed
 * record's raw key, value and headers, plus the error in KIP-1034's headers, so a Java tool
 * reading Kafka Streams' DLQs reads Freshet's:
 *
 *   __streams.errors.exception    error class name (and code, for Freshet's typed errors)
 *   __streams.errors.message      error message
 *   __streams.errors.stacktrace   stack trace
 *   __streams.errors.topic        source topic of the failed record
 *   __streams.errors.partition    its partition
 *   __streams.errors.offset       its offset
 *
 * Dead-letter records go through the app's producer like any output, so under exactly-once they
 * commit or abort with the transaction that skipped the record.
 */
import type { Logger } from '../../storage/logger.js';
import type { RecordHeader } from '../../storage/types.js';
import { describeError } from './errors.js';
import type { ExceptionHandlerSetting } from './streams-config.js';
import type { HandlerResponse } from './stream-task.js';

export const DLQ_HEADERS = {
  exception: '__streams.errors.exception',
  message: '__streams.errors.message',
  stacktrace: '__streams.errors.stacktrace',
  topic: '__streams.errors.topic',
  partition: '__streams.errors.partition',
  offset: '__streams.errors.offset',
} as const;

export type HandlerKind = 'deserialization' | 'processing' | 'production';

/** Where a failed record came from: a consumed record, or a record a task produced. */
export interface FailedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface DeadLetter {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
}

function errorName(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.name} (${code})` : err.name;
}

export function deadLetterRecord(topic: string, error: unknown, record: FailedRecord | null): DeadLetter {
  const headers: RecordHeader[] = record ? [...record.headers] : [];
  const add = (key: string, value: string): void => void headers.push({ key, value: Buffer.from(value, 'utf8') });
  add(DLQ_HEADERS.exception, errorName(error));
  add(DLQ_HEADERS.message, describeError(error));
  add(DLQ_HEADERS.stacktrace, error instanceof Error ? (error.stack ?? '') : '');
  add(DLQ_HEADERS.topic, record?.topic ?? '');
  add(DLQ_HEADERS.partition, String(record?.partition ?? -1));
  add(DLQ_HEADERS.offset, String(record?.offset ?? -1));
  return { topic, key: record?.key ?? null, value: record?.value ?? null, headers, timestamp: record?.timestamp ?? Date.now() };
}

export interface HandlerCounters {
  /** Records written to a dead-letter topic, by handler. */
  deadLettered: Record<HandlerKind, number>;
  /** Produced records dropped by the production handler (log-and-continue or DLQ). */
  skippedProduction: number;
}

export class ExceptionHandlers {
  readonly counters: HandlerCounters = { deadLettered: { deserialization: 0, processing: 0, production: 0 }, skippedProduction: 0 };

  constructor(
    private readonly settings: Record<HandlerKind, ExceptionHandlerSetting>,
    private readonly logger: Logger,
    /** Sends a dead-letter record (through the app's producer). */
    private readonly sendDeadLetter: (record: DeadLetter) => void,
  ) {}

  /** Decides what happens after `error` on `record`; writes the dead letter when configured. */
  handle(kind: HandlerKind, error: unknown, record: FailedRecord | null, where: string): HandlerResponse {
    const setting = this.settings[kind];
    const origin = record ? `${record.topic}-${record.partition}@${record.offset}` : 'a punctuation';
    if (typeof setting === 'function') {
      const response = setting(error, record, where);
      if (response === 'fail') {
        this.logger.error(`${kind} error on ${origin} in ${where}: ${describeError(error)}; the app stops (its ${kind} handler said so)`);
        return 'fail';
      }
      if (kind === 'production') this.counters.skippedProduction++;
      return 'continue';
    }
    if (setting === 'log-and-fail') {
      this.logger.error(`${kind} error on ${origin} in ${where}: ${describeError(error)}; the app stops (${kind}ExceptionHandler is log-and-fail)`);
      return 'fail';
    }
    if (setting === 'log-and-continue') {
      this.logger.warn(`${kind} error on ${origin} in ${where}: ${describeError(error)}; skipping the record`);
    } else {
      this.sendDeadLetter(deadLetterRecord(setting.deadLetterTopic, error, record));
      this.counters.deadLettered[kind]++;
      this.logger.warn(`${kind} error on ${origin} in ${where}: ${describeError(error)}; sent to dead-letter topic ${setting.deadLetterTopic}`);
    }
    if (kind === 'production') this.counters.skippedProduction++;
    return 'continue';
  }
}
