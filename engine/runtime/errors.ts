/**
 * Errors of the application runtime, each with a stable code. Topology problems found at start
 * (co-partitioning, missing source topics, internal topics of the wrong size) are TopologyErrors
 * (`TOPOLOGY_ERROR`) like the ones the topology itself raises.
 */
import { FreshetError } from '../../storage/errors.js';

export type StreamsErrorCode =
  /** A config value is missing or out of range. */
  | 'STREAMS_CONFIG'
  /** A call that the app's current state does not allow (start twice, query before start...). */
  | 'STREAMS_ILLEGAL_STATE'
  /** Another process (or app instance) holds the application's state directory. */
  | 'STATE_DIR_LOCKED'
  /** A store is not queryable here now: unknown, or its tasks are restoring or migrating. */
  | 'STORE_NOT_QUERYABLE'
  /** A record could not be written and the production exception handler said fail. */
  | 'PRODUCTION_FAILED'
  /** Commit or transaction failed because the tasks moved to another instance or the producer was fenced. */
  | 'TASK_MIGRATED';

export class StreamsError extends FreshetError {
  declare readonly code: StreamsErrorCode;

  constructor(code: StreamsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A short description of any thrown value, for logs and DLQ headers. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
