/**
 * JoinWindows: how far apart in time two records of the same key may be for a KStream-KStream
 * join to pair them (Kafka's JoinWindows, KIP-633 grace). A left record at `t` joins right
 * records with timestamps in [t - before, t + after]; symmetric windows use one time difference
 * for both, `before()` / `after()` make them asymmetric (one of them may be negative, as long as
 * the window does not invert). The grace period is how long out-of-order records are waited
 * for: each side's store keeps records for size + grace after its newest one, and a left/outer
 * join emits a record without partner only once its window plus grace has closed.
 *
 * Durations are milliseconds. Every factory and modifier returns a new, validated instance.
 */
import { FreshetError } from '../../storage/errors.js';

export type JoinErrorCode =
  /** A join window or grace period that cannot work (negative, inverted, not an integer). */
  | 'JOIN_WINDOWS_INVALID'
  /** A join keeps values in an internal format (a store or topic) and no serde is known for them. */
  | 'JOIN_SERDE_REQUIRED';

/** Errors of stream-stream and foreign-key joins, raised while the topology is built. */
export class JoinError extends FreshetError {
  declare readonly code: JoinErrorCode;

  constructor(code: JoinErrorCode, message: string) {
    super(code, message);
  }
}

function checkMs(what: string, ms: number, allowNegative: boolean): void {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || (!allowNegative && ms < 0)) {
    throw new JoinError('JOIN_WINDOWS_INVALID', `JoinWindows: ${what} must be ${allowNegative ? 'an' : 'a non-negative'} integer number of milliseconds, got ${String(ms)}.`);
  }
}

export class JoinWindows {
  private constructor(
    /** How much earlier than a left record a right record may be. */
    readonly beforeMs: number,
    /** How much later than a left record a right record may be. */
    readonly afterMs: number,
    /** How long after a window closes (in stream time) records for it are still accepted. */
    readonly graceMs: number,
    /**
     * Left/outer joins: a record without partner comes out with null only once its window has
     * closed (true, Kafka's behaviour since KIP-633), or at once, and again joined if a partner
     * comes later (false: the legacy `JoinWindows.of`, which ksqlDB keeps for WITHIN without GRACE PERIOD).
     */
    readonly spuriousResultFix = true,
  ) {
    if (beforeMs + afterMs < 0) {
      throw new JoinError(
        'JOIN_WINDOWS_INVALID',
        `JoinWindows: before (${beforeMs} ms) + after (${afterMs} ms) is negative, so no pair of records could ever join; make the window at least 0 ms wide.`,
      );
    }
  }

  /**
   * The legacy window (Kafka's deprecated `JoinWindows.of`): a grace of 24 hours, and left/outer
   * results with null emitted as soon as a record finds no partner (possibly followed by the joined
   * result when one arrives).
   */
  static of(timeDifferenceMs: number): JoinWindows {
    checkMs('the time difference', timeDifferenceMs, false);
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, 24 * 60 * 60 * 1000, false);
  }

  /** Records join when their timestamps differ by at most `timeDifferenceMs`; out-of-order records are not waited for. */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  /** As ofTimeDifferenceWithNoGrace, accepting out-of-order records up to `graceMs` after the window closed. */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    checkMs('the time difference', timeDifferenceMs, false);
    checkMs('the grace period', graceMs, false);
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs);
  }

  /** The same window with its start moved: right records at most `ms` earlier than the left one join. */
  before(ms: number): JoinWindows {
    checkMs('before', ms, true);
    return new JoinWindows(ms, this.afterMs, this.graceMs, this.spuriousResultFix);
  }

  /** The same window with its end moved: right records at most `ms` later than the left one join. */
  after(ms: number): JoinWindows {
    checkMs('after', ms, true);
    return new JoinWindows(this.beforeMs, ms, this.graceMs, this.spuriousResultFix);
  }

  /** The window's width: before + after. */
  get sizeMs(): number {
    return this.beforeMs + this.afterMs;
  }

  /**
   * How long each side's join store keeps records: a record must stay until no record of the
   * other side that is not late can still reach it, i.e. size + grace in stream time. One more
   * millisecond because stores expire a record once it is exactly `retention` old, while a join
   * at exactly the window bound and the grace bound must still happen.
   */
  get retentionMs(): number {
    return this.sizeMs + this.graceMs + 1;
  }

  toString(): string {
    return `JoinWindows{before=${this.beforeMs}ms, after=${this.afterMs}ms, grace=${this.graceMs}ms}`;
  }
}
