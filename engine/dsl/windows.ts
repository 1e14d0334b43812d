/**
 * Window specifications for KGroupedStream.windowedBy, under Kafka Streams' names:
 *
 *   TimeWindows     fixed-size windows [start, start + size), tumbling (advance = size) or
 *                   hopping (advanceBy < size: a record falls into size / advance windows)
 *   SlidingWindows  windows [start, start + timeDifference] (both ends inclusive) that exist
 *                   for every distinct set of records within timeDifference of each other
 *   SessionWindows  per key, records closer than the inactivity gap form one session [first, last]
 *
 * All times are milliseconds. Grace is how long after a window ends (in stream time) records
 * for it are still accepted; later ones are dropped and counted as late.
 */
import { FreshetError } from '../../storage/errors.js';
import type { Window } from '../../storage/state/stores.js';
import type { InternalStreamsBuilder } from './internal-builder.js';

export type WindowsErrorCode =
  /** A window size, time difference or inactivity gap that is not a positive integer. */
  | 'INVALID_WINDOW_SIZE'
  /** A hopping advance that is not in (0, size]. */
  | 'INVALID_WINDOW_ADVANCE'
  /** A negative or non-integer grace period. */
  | 'INVALID_GRACE_PERIOD'
  /** Materialized retention shorter than what the windows need (size + grace, and so on). */
  | 'INVALID_WINDOW_RETENTION';

export class WindowsError extends FreshetError {
  declare readonly code: WindowsErrorCode;

  constructor(code: WindowsErrorCode, message: string) {
    super(code, message);
  }
}

function checkMillis(code: WindowsErrorCode, what: string, ms: number, min: number): number {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < min) {
    throw new WindowsError(code, `${what} must be an integer number of milliseconds ≥ ${min}, got ${String(ms)}.`);
  }
  return ms;
}

/** Tumbling and hopping windows: fixed size, aligned to the epoch. */
export class TimeWindows {
  readonly kind = 'time' as const;

  private constructor(
    /** Window size in ms. */
    readonly sizeMs: number,
    /** How far each window starts after the previous one; equal to the size for tumbling windows. */
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {}

  /** Tumbling windows of `sizeMs`; records arriving after a window ends are dropped. */
  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return TimeWindows.ofSizeAndGrace(sizeMs, 0);
  }

  /** Tumbling windows of `sizeMs` accepting records up to `graceMs` after a window ends. */
  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    checkMillis('INVALID_WINDOW_SIZE', 'TimeWindows: the window size', sizeMs, 1);
    checkMillis('INVALID_GRACE_PERIOD', 'TimeWindows: the grace period', graceMs, 0);
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  /** Hopping windows: a new window every `advanceMs` (at most the size; equal makes them tumbling). */
  advanceBy(advanceMs: number): TimeWindows {
    if (typeof advanceMs !== 'number' || !Number.isSafeInteger(advanceMs) || advanceMs <= 0 || advanceMs > this.sizeMs) {
      throw new WindowsError('INVALID_WINDOW_ADVANCE', `TimeWindows: the advance must be an integer number of milliseconds in (0, ${this.sizeMs}] (the window size), got ${String(advanceMs)}.`);
    }
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** The windows a record with this timestamp belongs to, oldest first (starts are never negative). */
  windowsFor(timestamp: number): Window[] {
    if (this.advanceMs === this.sizeMs) {
      // Tumbling: exactly one window (an array literal of one, not a grown one).
      const start = timestamp - (timestamp % this.sizeMs);
      return [{ start, end: start + this.sizeMs }];
    }
    const first = Math.max(0, timestamp - this.sizeMs + this.advanceMs);
    const out: Window[] = [];
    for (let start = first - (first % this.advanceMs); start <= timestamp; start += this.advanceMs) out.push({ start, end: start + this.sizeMs });
    return out;
  }

  /** What the window store must keep at least: a window stays until it closes. */
  minRetentionMs(): number {
    return this.sizeMs + this.graceMs;
  }

  /** How long after a window's end its final result is known (suppression's wait). */
  closeAfterEndMs(): number {
    return this.graceMs;
  }
}

/**
 * Sliding windows (KIP-450): a window [t - timeDifference, t] ends at every record, and one
 * [t + 1, t + 1 + timeDifference] starts right after it while later records fall into it; so
 * each distinct set of records at most timeDifference apart is aggregated exactly once.
 */
export class SlidingWindows {
  readonly kind = 'sliding' as const;

  private constructor(
    readonly timeDifferenceMs: number,
    readonly graceMs: number,
  ) {}

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return SlidingWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    // As Kafka: a difference of 0 is allowed (windows of records with equal timestamps).
    checkMillis('INVALID_WINDOW_SIZE', 'SlidingWindows: the time difference', timeDifferenceMs, 0);
    checkMillis('INVALID_GRACE_PERIOD', 'SlidingWindows: the grace period', graceMs, 0);
    return new SlidingWindows(timeDifferenceMs, graceMs);
  }

  /** The store's window size: Windowed keys of sliding windows end at start + timeDifference. */
  get sizeMs(): number {
    return this.timeDifferenceMs;
  }

  /**
   * A new record reads windows starting up to 2 × timeDifference before it (to find the
   * aggregate its own left window starts from), so they must still be there.
   */
  minRetentionMs(): number {
    return 2 * this.timeDifferenceMs + this.graceMs;
  }

  closeAfterEndMs(): number {
    return this.graceMs;
  }
}

/** Session windows: per key, activity separated by less than the inactivity gap. */
export class SessionWindows {
  readonly kind = 'session' as const;

  private constructor(
    readonly inactivityGapMs: number,
    readonly graceMs: number,
  ) {}

  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return SessionWindows.ofInactivityGapAndGrace(inactivityGapMs, 0);
  }

  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    checkMillis('INVALID_WINDOW_SIZE', 'SessionWindows: the inactivity gap', inactivityGapMs, 1);
    checkMillis('INVALID_GRACE_PERIOD', 'SessionWindows: the grace period', graceMs, 0);
    return new SessionWindows(inactivityGapMs, graceMs);
  }

  /** A session is kept until stream time passes its end by the gap plus grace (it can no longer grow). */
  minRetentionMs(): number {
    return this.inactivityGapMs + this.graceMs;
  }

  /** A session's end is its last record, and a record up to a gap later still extends it (as Kafka). */
  closeAfterEndMs(): number {
    return this.inactivityGapMs + this.graceMs;
  }
}

export type Windows = TimeWindows | SlidingWindows | SessionWindows;

/**
 * The retention of a windowed aggregation's store: Materialized's, checked against what the
 * windows need, or that minimum (as Kafka since 3.0; the one-day floor of old versions is gone).
 */
export function windowStoreRetention(windows: Windows, storeName: string, retentionMs: number | undefined): number {
  const min = windows.minRetentionMs();
  if (retentionMs !== undefined && (typeof retentionMs !== 'number' || !Number.isSafeInteger(retentionMs) || retentionMs < min)) {
    const need = windows.kind === 'time' ? 'window size plus grace' : windows.kind === 'sliding' ? '2 × time difference plus grace' : 'inactivity gap plus grace';
    throw new WindowsError('INVALID_WINDOW_RETENTION', `The retention of window store '${storeName}' must be at least its ${need} (${min} ms), got ${String(retentionMs)}: raise Materialized.retentionMs or leave it out.`);
  }
  const retention = retentionMs ?? min;
  // The stores keep windows starting after streamTime - retention (exclusive), while a sliding
  // aggregation at the close time still reads the window starting exactly 2 × difference + grace
  // earlier (Kafka's segments keep it by accident of granularity): one more millisecond.
  return windows.kind === 'sliding' ? Math.max(retention, min + 1) : retention;
}

/** The windows behind each windowed aggregation node, per topology being built. */
const windowedNodes = new WeakMap<InternalStreamsBuilder, Map<string, Windows>>();

/** Notes that `nodeName` emits the results of a windowed aggregation over `windows`. */
export function recordWindowedNode(builder: InternalStreamsBuilder, nodeName: string, windows: Windows): void {
  let nodes = windowedNodes.get(builder);
  if (nodes === undefined) windowedNodes.set(builder, (nodes = new Map()));
  nodes.set(nodeName, windows);
}

/**
 * The windows of the windowed aggregation `nodeName` derives from, following single parents
 * (filters, maps) up as Kafka does to find the grace period; null when there is none.
 */
export function windowsUpstreamOf(builder: InternalStreamsBuilder, nodeName: string): Windows | null {
  const nodes = windowedNodes.get(builder);
  if (nodes === undefined) return null;
  for (let name: string | undefined = nodeName; name !== undefined; ) {
    const windows = nodes.get(name);
    if (windows !== undefined) return windows;
    const node = builder.topology.nodes.get(name);
    name = node?.kind === 'processor' && node.parents.length === 1 ? node.parents[0] : undefined;
  }
  return null;
}
