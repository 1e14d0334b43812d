/**
 * What the windowed aggregations share: forwarding their Windowed<K> updates (directly, or
 * from the store cache's flush listener, as TableForwarder does for plain tables), and
 * dropping records that arrive after their window closed.
 */
import { silentLogger, type Logger } from '../../storage/logger.js';
import { DISCARD_FLUSHES, type CacheFlushListener, type CachedStateStore, type Window, type Windowed } from '../../storage/state/stores.js';
import { change, type Change } from '../dsl/change.js';
import type { ProcessorContext } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { TaskContext } from '../runtime/stream-task.js';

/**
 * Forwards a windowed table's changes. `valueOf` unwraps what the store holds (ValueAndTimestamp
 * for window stores, the aggregate itself for session stores); `timestampOf` gives a flushed
 * update's timestamp (session results carry their window end, as in Kafka).
 */
export class WindowedForwarder<K, S, A> {
  private readonly cached: boolean;
  private readonly nodeName: string;

  constructor(
    private readonly ctx: ProcessorContext<Windowed<K>, Change<A>>,
    store: unknown,
    valueOf: (stored: S) => A,
    timestampOf: (key: Windowed<K>, flushTimestamp: number) => number = (_key, ts) => ts,
  ) {
    const task = ctx as unknown as TaskContext;
    this.nodeName = task.currentNodeName() ?? '';
    const unwrap = (v: S | null): A | null => (v === null || v === undefined ? null : valueOf(v));
    const cachedStore = store as Partial<CachedStateStore<Windowed<K>, S>> | null;
    // With nothing downstream a flush forwards to nobody: the cache need not decode anything for it.
    const listener: CacheFlushListener<Windowed<K>, S> = task.currentNodeHasChildren()
      ? (key, newValue, oldValue, timestamp) => {
          task.forwardFrom(this.nodeName, new Record(key, change(unwrap(newValue), unwrap(oldValue)), timestampOf(key, timestamp)) as Record<unknown, unknown>);
        }
      : DISCARD_FLUSHES;
    this.cached = cachedStore?.setFlushListener?.(listener, true) ?? false;
  }

  /** Whether changes go downstream at once (no cache): callers build the record only then. */
  get direct(): boolean {
    return !this.cached;
  }

  /** Forwards at once unless the store caches (then its flush forwards, once per window per commit). */
  maybeForward(record: Record<Windowed<K>, Change<A>>): void {
    if (!this.cached) this.ctx.forward(record);
  }
}

/** Late-record bookkeeping of one windowed aggregation processor. */
export class LateRecords {
  private readonly task: TaskContext;
  private readonly logger: Logger;

  constructor(ctx: ProcessorContext<unknown, unknown>) {
    this.task = ctx as unknown as TaskContext;
    this.logger = taskLogger(ctx);
  }

  /** Counts a record dropped for an expired window (Kafka counts once per expired window). */
  drop(key: unknown, timestamp: number, window: Window, closeTime: number, streamTime: number): void {
    this.task.metrics.droppedLate++;
    const where = this.task.recordMetadata?.();
    this.logger.debug('Skipping record for expired window', {
      task: this.task.taskId,
      key: describeKey(key),
      topic: where?.topic,
      partition: where?.partition,
      offset: where?.offset,
      timestamp,
      window: [window.start, window.end],
      expiration: closeTime,
      streamTime,
    });
  }

  /** Counts a record without key (or value) the aggregation cannot use. */
  dropNullKey(): void {
    this.task.metrics.droppedNullKey++;
  }
}

/**
 * The task's logger. TaskContext does not expose it (yet), so this reads the task's config
 * behind it; any other context logs nothing.
 */
export function taskLogger(ctx: ProcessorContext<unknown, unknown>): Logger {
  return (ctx as unknown as Partial<TaskContext>).logger ?? silentLogger;
}

function describeKey(key: unknown): string {
  if (Buffer.isBuffer(key)) return key.toString('hex');
  if (typeof key === 'object' && key !== null) {
    try {
      return JSON.stringify(key);
    } catch {
      return String(key);
    }
  }
  return String(key);
}
