/**
 * Runs the SQL engine's persistent queries (CSAS, CTAS, INSERT INTO) as streams apps on the
 * server's storage client: one app per query, application id `_confluent-ksql-default_query_<ID>`
 * as ksqlDB names them, state under the server's data directory, so a restart resumes each query
 * from its committed offsets with its state restored. Bad records are skipped and counted (the
 * processing log), never fatal.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StreamsApp } from '../../engine/runtime/streams-app.js';
import type { AppState, StreamsMetrics } from '../../engine/runtime/streams-app.js';
import type { FailedRecord } from '../../engine/runtime/exception-handlers.js';
import type { ProcessingGuarantee } from '../../engine/runtime/streams-config.js';
import type { PersistentQuery } from '../../sql/engine/sql-engine.js';
import type { StorageClient } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import type { ProcessingLog } from './processing-log.js';

export const QUERY_APPLICATION_PREFIX = '_confluent-ksql-default_query_';

export interface RunningQuery {
  readonly query: PersistentQuery;
  readonly app: StreamsApp;
  readonly applicationId: string;
  readonly startedAt: number;
}

export interface QueryRunnerOptions {
  readonly client: StorageClient;
  readonly stateDir: string;
  readonly logger: Logger;
  /** Commit interval of query apps (ksqlDB's default: 2000 ms). */
  readonly commitIntervalMs?: number;
  /** Where skipped records are reported (they are also logged). */
  readonly processingLog?: ProcessingLog;
}

export class PersistentQueryRunner {
  private readonly running = new Map<string, RunningQuery>();

  constructor(private readonly options: QueryRunnerOptions) {}

  /** Builds the query's topology and starts it; resolves once its topics are prepared. */
  async start(query: PersistentQuery, properties: Readonly<Record<string, string | number | boolean>>): Promise<RunningQuery> {
    await this.stop(query.id);
    const built = await query.build();
    const applicationId = `${QUERY_APPLICATION_PREFIX}${query.id}`;
    const guarantee = String(properties['processing.guarantee'] ?? 'at_least_once');
    const app = new StreamsApp(
      built.topology,
      {
        applicationId,
        stateDir: this.options.stateDir,
        processingGuarantee: (guarantee === 'exactly_once' || guarantee === 'exactly_once_v2' ? 'exactly_once_v2' : 'at_least_once') as ProcessingGuarantee,
        commitIntervalMs: Number(properties['commit.interval.ms'] ?? properties['ksql.streams.commit.interval.ms'] ?? this.options.commitIntervalMs ?? 2000),
        ...cacheSize(properties),
        ...standbys(properties),
        autoOffsetReset: properties['auto.offset.reset'] === 'latest' ? 'latest' : 'earliest',
        ...this.exceptionHandlers(query.id),
        logger: this.options.logger,
      },
      this.options.client,
    );
    const running: RunningQuery = { query, app, applicationId, startedAt: Date.now() };
    this.running.set(query.id, running);
    app.onStateChange((state) => {
      if (state === 'ERROR') this.options.logger.error(`Query ${query.id} failed: ${String(app.error)}`);
    });
    await app.start();
    return running;
  }

  /** Skipped records go to the processing log (ksqlDB's logger names), and the query goes on. */
  private exceptionHandlers(queryId: string) {
    const log = this.options.processingLog;
    if (!log) return { deserializationExceptionHandler: 'log-and-continue', processingExceptionHandler: 'log-and-continue' } as const;
    const name = `${QUERY_APPLICATION_PREFIX}${queryId}`;
    return {
      deserializationExceptionHandler: (error: unknown, record: FailedRecord | null) => {
        log.deserializationError(`${name}.deserializer`, error, record);
        return 'continue' as const;
      },
      processingExceptionHandler: (error: unknown, record: FailedRecord | null, where: string) => {
        log.processingError(`${name}.${where}`, error, record ? `${record.topic}-${record.partition}@${record.offset}` : null);
        return 'continue' as const;
      },
    };
  }

  get(id: string): RunningQuery | undefined {
    return this.running.get(id);
  }

  all(): RunningQuery[] {
    return [...this.running.values()];
  }

  state(id: string): AppState | 'UNKNOWN' {
    return this.running.get(id)?.app.state ?? 'UNKNOWN';
  }

  metrics(id: string): StreamsMetrics | undefined {
    return this.running.get(id)?.app.metrics();
  }

  /** Stops a query's app (its state and offsets stay, for a restart). */
  async stop(id: string): Promise<void> {
    const running = this.running.get(id);
    if (!running) return;
    this.running.delete(id);
    await running.app.close({ timeoutMs: 30_000 });
  }

  /** TERMINATE: stops the query and removes its internal topics, consumer group and local state. */
  async terminate(id: string): Promise<void> {
    const running = this.running.get(id);
    await this.stop(id);
    await removeApp(this.options.client, running?.applicationId ?? `${QUERY_APPLICATION_PREFIX}${id}`, this.options.stateDir);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }
}

/** num.standby.replicas (or ksql.streams.num.standby.replicas), when set: warm copies of each query's state on other servers of the cluster. */
function standbys(properties: Readonly<Record<string, string | number | boolean>>): { numStandbyReplicas?: number } {
  const value = properties['num.standby.replicas'] ?? properties['ksql.streams.num.standby.replicas'];
  return value === undefined ? {} : { numStandbyReplicas: Number(value) };
}

/** cache.max.bytes.buffering (or ksql.streams.cache.max.bytes.buffering), when set. */
function cacheSize(properties: Readonly<Record<string, string | number | boolean>>): { cacheMaxBytes?: number } {
  const value = properties['cache.max.bytes.buffering'] ?? properties['ksql.streams.cache.max.bytes.buffering'];
  return value === undefined ? {} : { cacheMaxBytes: Number(value) };
}

/** What a stopped streams app leaves behind, removed: its internal topics, consumer group and local state. */
export async function removeApp(client: StorageClient, applicationId: string, stateDir: string): Promise<void> {
  const admin = client.admin();
  try {
    const internal = (await admin.listTopics({ listInternal: true })).filter((t) => t.startsWith(`${applicationId}-`));
    if (internal.length > 0) await admin.deleteTopics(internal);
    await admin.deleteGroups([applicationId]).catch(() => undefined);
  } finally {
    await admin.close();
  }
  await rm(join(stateDir, applicationId), { recursive: true, force: true });
}
