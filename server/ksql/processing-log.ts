/**
 * ksqlDB's processing log: every record a query skips (it could not be read, or an expression
 * failed on it) is written, with the error, to the topic `<service id>ksql_processing_log` and is
 * queryable as the stream KSQL_PROCESSING_LOG, with ksqlDB's schema:
 *
 *   SELECT message->deserializationerror->errormessage FROM ksql_processing_log EMIT CHANGES;
 *
 * MESSAGE->TYPE is 0 for a deserialization error, 1 for a record processing error.
 */
import type { FailedRecord } from '../../engine/runtime/exception-handlers.js';
import type { Producer, StorageClient } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';

export const PROCESSING_LOG_STREAM = 'KSQL_PROCESSING_LOG';

export function processingLogTopic(serviceId: string): string {
  return `${serviceId}ksql_processing_log`;
}

export function processingLogDdl(topic: string): string {
  return [
    `CREATE STREAM IF NOT EXISTS ${PROCESSING_LOG_STREAM} (`,
    'LOGGER STRING, LEVEL STRING, TIME BIGINT, MESSAGE STRUCT<TYPE INT, ',
    'DESERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORDB64 STRING, CAUSE ARRAY<STRING>, `topic` STRING>, ',
    'RECORDPROCESSINGERROR STRUCT<ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>>, ',
    'PRODUCTIONERROR STRUCT<ERRORMESSAGE STRING>>',
    `) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
  ].join('');
}

function causes(error: unknown): string[] {
  const out: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && out.length < 10) {
    out.push(cause instanceof Error ? cause.message : String(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return out;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ProcessingLog {
  private producer: Producer | null = null;
  /** Records skipped, all queries together. */
  count = 0;

  constructor(
    private readonly client: StorageClient,
    readonly topic: string,
    private readonly logger: Logger,
  ) {}

  /** A record that could not be deserialized (TYPE 0). */
  deserializationError(logger: string, error: unknown, record: FailedRecord | null): void {
    this.write(logger, {
      TYPE: 0,
      DESERIALIZATIONERROR: {
        TARGET: 'value',
        ERRORMESSAGE: message(error),
        RECORDB64: record?.value ? record.value.toString('base64') : null,
        CAUSE: causes(error),
        topic: record?.topic ?? null,
      },
      RECORDPROCESSINGERROR: null,
      PRODUCTIONERROR: null,
    });
  }

  /** A record an operator or expression failed on (TYPE 1). */
  processingError(logger: string, error: unknown, record: string | null): void {
    this.write(logger, {
      TYPE: 1,
      DESERIALIZATIONERROR: null,
      RECORDPROCESSINGERROR: { ERRORMESSAGE: message(error), RECORD: record, CAUSE: causes(error) },
      PRODUCTIONERROR: null,
    });
  }

  private write(logger: string, msg: Record<string, unknown>): void {
    this.count++;
    this.logger.warn(`Processing error (${logger}): ${JSON.stringify(msg)}`);
    this.producer ??= this.client.producer({ clientId: 'freshet-processing-log', lingerMs: 5 });
    const value = JSON.stringify({ LOGGER: logger, LEVEL: 'ERROR', TIME: Date.now(), MESSAGE: msg });
    this.producer.send({ topic: this.topic, key: null, value }).catch((err: unknown) => this.logger.error(`Writing to the processing log ${this.topic} failed: ${String(err)}`));
  }

  async close(): Promise<void> {
    await this.producer?.close();
  }
}
