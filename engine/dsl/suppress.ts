/**
 * KTable.suppress: Kafka's Suppressed and BufferConfig, as immutable values.
 *
 *   table.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
 *   table.suppress(Suppressed.untilTimeLimit(60_000, BufferConfig.maxRecords(1000).emitEarlyWhenFull()))
 *
 * untilWindowCloses emits one final result per window once stream time passes its end plus
 * the grace of the windowed aggregation upstream (plus the inactivity gap for sessions, which a
 * later record may still extend); untilTimeLimit emits each key's latest value
 * once the limit has passed since its first held-back update. Nodes are named as in Kafka:
 * `KTABLE-SUPPRESS-0000000004` with store `KTABLE-SUPPRESS-STATE-STORE-0000000005`, or, with
 * withName(n), `n` and `n-store`.
 */
import { FreshetError } from '../../storage/errors.js';
import type { Windowed } from '../../storage/state/stores.js';
import { SuppressBufferBuilder } from '../operators/suppress-buffer.js';
import { suppressedValueGetter, suppressProcessor, type SuppressionSpec } from '../operators/suppress-processor.js';
import type { Serde } from '../serde/serde.js';
import { sessionWindowedSerde, timeWindowedSerde } from '../serde/windowed.js';
import { KTable } from './ktable.js';
import { windowsUpstreamOf } from './windows.js';

export type SuppressErrorCode =
  /** A bound that is not a non-negative integer, a negative time limit, an empty name, final results with an eager buffer. */
  | 'INVALID_SUPPRESSION'
  /** untilWindowCloses on a table that is not the result of a windowed aggregation. */
  | 'SUPPRESSION_NOT_WINDOWED';

export class SuppressError extends FreshetError {
  declare readonly code: SuppressErrorCode;

  constructor(code: SuppressErrorCode, message: string) {
    super(code, message);
  }
}

/** Strict buffers never emit early (they may stop the task); eager ones emit their oldest when full. */
export type BufferStrictness = 'strict' | 'eager';

function checkBound(what: string, n: number): number {
  if (typeof n !== 'number' || !(Number.isSafeInteger(n) && n >= 0)) throw new SuppressError('INVALID_SUPPRESSION', `BufferConfig: ${what} must be an integer ≥ 0, got ${String(n)}.`);
  return n;
}

export class BufferConfig<S extends BufferStrictness = BufferStrictness> {
  /** Type-level only: which of Kafka's StrictBufferConfig / EagerBufferConfig this is. */
  declare readonly strictness?: S;

  private constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
    readonly whenFull: 'emitEarly' | 'shutDown',
    readonly loggingEnabled: boolean,
    readonly logConfig: Readonly<Record<string, string>>,
  ) {}

  /** At most `n` records; emits the oldest early when full (unless shutDownWhenFull()). */
  static maxRecords(n: number): BufferConfig<'eager'> {
    return new BufferConfig<'eager'>(checkBound('maxRecords', n), Infinity, 'emitEarly', true, {});
  }

  /** At most `n` bytes (keys, values and a per-entry overhead); emits the oldest early when full. */
  static maxBytes(n: number): BufferConfig<'eager'> {
    return new BufferConfig<'eager'>(Infinity, checkBound('maxBytes', n), 'emitEarly', true, {});
  }

  /** No bound: the buffer spills to disk (a persistent store) instead of growing in memory. */
  static unbounded(): BufferConfig<'strict'> {
    return new BufferConfig<'strict'>(Infinity, Infinity, 'shutDown', true, {});
  }

  withMaxRecords(n: number): BufferConfig<S> {
    return new BufferConfig<S>(checkBound('maxRecords', n), this.maxBytes, this.whenFull, this.loggingEnabled, this.logConfig);
  }

  withMaxBytes(n: number): BufferConfig<S> {
    return new BufferConfig<S>(this.maxRecords, checkBound('maxBytes', n), this.whenFull, this.loggingEnabled, this.logConfig);
  }

  withNoBound(): BufferConfig<'strict'> {
    return new BufferConfig<'strict'>(Infinity, Infinity, 'shutDown', this.loggingEnabled, this.logConfig);
  }

  /** When full, emit the oldest records early (results may then not be final). */
  emitEarlyWhenFull(): BufferConfig<'eager'> {
    return new BufferConfig<'eager'>(this.maxRecords, this.maxBytes, 'emitEarly', this.loggingEnabled, this.logConfig);
  }

  /** When full, stop the task with SUPPRESSION_BUFFER_FULL rather than emit anything early. */
  shutDownWhenFull(): BufferConfig<'strict'> {
    return new BufferConfig<'strict'>(this.maxRecords, this.maxBytes, 'shutDown', this.loggingEnabled, this.logConfig);
  }

  /** The buffer is not change-logged: a restart loses (and never emits) what it held. */
  withLoggingDisabled(): BufferConfig<S> {
    return new BufferConfig<S>(this.maxRecords, this.maxBytes, this.whenFull, false, {});
  }

  withLoggingEnabled(config: Record<string, string> = {}): BufferConfig<S> {
    return new BufferConfig<S>(this.maxRecords, this.maxBytes, this.whenFull, true, { ...config });
  }

  get bounded(): boolean {
    return this.maxRecords !== Infinity || this.maxBytes !== Infinity;
  }
}

export class Suppressed<K> {
  /**
   * Type-level only: the keys this suppression accepts (a parameter position, so
   * Suppressed<Windowed<unknown>> fits windowed tables and nothing else).
   */
  declare readonly acceptsKey?: (key: K) => void;

  private constructor(
    readonly kind: 'untilWindowCloses' | 'untilTimeLimit',
    readonly timeLimitMs: number,
    readonly bufferConfig: BufferConfig,
    readonly name: string | undefined,
  ) {}

  /** Only the final result of each window, once stream time passes its end plus grace. */
  static untilWindowCloses(bufferConfig: BufferConfig<'strict'>): Suppressed<Windowed<unknown>> {
    if (bufferConfig.bounded && bufferConfig.whenFull !== 'shutDown') {
      throw new SuppressError('INVALID_SUPPRESSION', 'Suppressed.untilWindowCloses needs a strict buffer (unbounded(), or bounded with shutDownWhenFull()): emitting early would break the promise of final results.');
    }
    return new Suppressed<Windowed<unknown>>('untilWindowCloses', 0, bufferConfig, undefined);
  }

  /** Each key's latest update, `timeToWaitForMoreEventsMs` (stream time) after its first held-back one. */
  static untilTimeLimit(timeToWaitForMoreEventsMs: number, bufferConfig: BufferConfig): Suppressed<unknown> {
    if (typeof timeToWaitForMoreEventsMs !== 'number' || !Number.isSafeInteger(timeToWaitForMoreEventsMs) || timeToWaitForMoreEventsMs < 0) {
      throw new SuppressError('INVALID_SUPPRESSION', `Suppressed.untilTimeLimit: the time limit must be an integer number of milliseconds ≥ 0, got ${String(timeToWaitForMoreEventsMs)}.`);
    }
    return new Suppressed<unknown>('untilTimeLimit', timeToWaitForMoreEventsMs, bufferConfig, undefined);
  }

  /** Names the processor `name` and its buffer store `name-store`. */
  withName(name: string): Suppressed<K> {
    if (typeof name !== 'string' || name.length === 0) throw new SuppressError('INVALID_SUPPRESSION', 'Suppressed.withName needs a non-empty name.');
    return new Suppressed<K>(this.kind, this.timeLimitMs, this.bufferConfig, name);
  }
}

export function suppressTable<K, V>(table: KTable<K, V>, suppressed: Suppressed<K>): KTable<K, V> {
  if (!(suppressed instanceof Suppressed)) throw new SuppressError('INVALID_SUPPRESSION', 'KTable.suppress takes Suppressed.untilWindowCloses(...) or Suppressed.untilTimeLimit(...).');
  const b = table.builder;
  const name = b.name(suppressed.name, 'KTABLE-SUPPRESS-');
  const windows = windowsUpstreamOf(b, table.nodeName);
  let durationMs = suppressed.timeLimitMs;
  if (suppressed.kind === 'untilWindowCloses') {
    if (windows === null) {
      throw new SuppressError('SUPPRESSION_NOT_WINDOWED', `Suppressed.untilWindowCloses on '${table.nodeName}': window close time is only defined for the result of a windowed aggregation (windowedBy(...).count/reduce/aggregate), with nothing but filters and maps in between.`);
    }
    durationMs = windows.closeAfterEndMs();
  }
  const storeName = suppressed.name !== undefined ? `${suppressed.name}-store` : b.newName('KTABLE-SUPPRESS-STATE-STORE-');
  const config = suppressed.bufferConfig;
  const known = table.keySerde;
  const keySerde = (fallback: Serde<unknown>): Serde<K> => {
    if (known !== undefined) return known;
    // A windowed table whose key serde is the application default: wrap the default.
    if (windows === null) return fallback as Serde<K>;
    return (windows.kind === 'session' ? sessionWindowedSerde(fallback) : timeWindowedSerde(fallback, windows.sizeMs)) as unknown as Serde<K>;
  };
  const spec: SuppressionSpec<K> = {
    storeName,
    untilWindowCloses: suppressed.kind === 'untilWindowCloses',
    durationMs,
    maxRecords: config.maxRecords,
    maxBytes: config.maxBytes,
    whenFull: config.whenFull,
    keySerde,
    valueSerde: table.valueSerde as Serde<unknown> | undefined,
  };
  const store = new SuppressBufferBuilder(storeName, config.bounded, !spec.untilWindowCloses);
  if (config.loggingEnabled) store.withLoggingEnabled({ ...config.logConfig });
  else store.withLoggingDisabled();
  b.addProcessor(name, suppressProcessor<K, V>(spec), [table.nodeName]);
  b.addStore(store, name);
  return new KTable<K, V>(b, name, table.keySerde, table.valueSerde, suppressedValueGetter(table.valueGetter, spec), null);
}
