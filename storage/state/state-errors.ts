/**
 * Errors of the state stores. Codes are stable strings (tests and the REST API match on them);
 * messages name the store and say what to do about it.
 */
import { FreshetError } from '../errors.js';

export type StateStoreErrorCode =
  /** A store was read or written before init() finished. */
  | 'STATE_STORE_NOT_INITIALIZED'
  /** A store (or one of its iterators) was used after close(). */
  | 'STATE_STORE_CLOSED'
  /** An iterator was used after its own close(). */
  | 'STATE_STORE_ITERATOR_CLOSED'
  /** A serde threw, or returned something that is not a Buffer (or null for a non-null input). */
  | 'STATE_STORE_SERDE_ERROR'
  /** RocksDB or LevelDB failed (open, read, write, flush). */
  | 'STATE_STORE_IO_ERROR'
  /** The requested persistent backend cannot load on this machine. */
  | 'STATE_STORE_BACKEND_UNAVAILABLE'
  /** Bad options (window size larger than retention, negative retention, empty name…). */
  | 'STATE_STORE_INVALID_CONFIG'
  /** An argument the store cannot take (a negative window start, a store opened twice…). */
  | 'STATE_STORE_INVALID_OPERATION';

export class StateStoreError extends FreshetError {
  declare readonly code: StateStoreErrorCode;

  constructor(code: StateStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wraps a backend failure so the caller sees which store failed and what to try. */
export function ioError(store: string, action: string, err: unknown): StateStoreError {
  if (err instanceof StateStoreError) return err;
  return new StateStoreError(
    'STATE_STORE_IO_ERROR',
    `State store '${store}' failed to ${action}: ${describeError(err)}. Check free disk space and permissions of the state directory; ` +
      'if the files are damaged, stop the application and delete the store directory so it is restored from its changelog.',
    { cause: err },
  );
}
