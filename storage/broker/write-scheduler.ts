/**
 * Group commit for appends, and wake-ups for waiting fetches.
 *
 * Appends leave their bytes pending in the log; once per event-loop turn the scheduler writes
 * every dirty log (one `writev` each) and only then resolves the acknowledgements of that turn.
 * Many producers appending in the same turn share one system call per partition, and no
 * acknowledged record exists only in process memory. Fetches waiting for data (long polls) wake
 * after the write, so they never miss it.
 */
import type { Log } from '../log/log.js';

export class WriteScheduler {
  private readonly dirty = new Set<Log>();
  private scheduled = false;
  private acks: (() => void)[] = [];
  private readonly waiters = new Map<Log, Set<() => void>>();

  constructor(private readonly onError: (log: Log, err: unknown) => void) {}

  /** Notes that `log` was appended to; it is written (and its waiters woken) this turn. */
  markDirty(log: Log): void {
    this.dirty.add(log);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Resolves once everything appended before the call is written to the page cache. */
  whenWritten(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.acks.push(resolve));
  }

  /** Writes all dirty logs now (also called at shutdown). */
  flush(): void {
    this.scheduled = false;
    const logs = [...this.dirty];
    this.dirty.clear();
    const acks = this.acks;
    this.acks = [];
    for (const log of logs) {
      try {
        log.flushPending();
      } catch (err) {
        this.onError(log, err);
      }
    }
    for (const ack of acks) ack();
    for (const log of logs) {
      const set = this.waiters.get(log);
      if (!set) continue;
      this.waiters.delete(log);
      for (const wake of set) wake();
    }
  }

  /** Resolves when any of `logs` gets new data (or a transaction marker), or after `timeoutMs`. */
  waitForData(logs: readonly Log[], timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const wake = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const log of logs) this.waiters.get(log)?.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, timeoutMs));
      for (const log of logs) {
        let set = this.waiters.get(log);
        if (!set) this.waiters.set(log, (set = new Set()));
        set.add(wake);
      }
    });
  }

  /** Wakes every waiting fetch (shutdown, topic deletion). */
  wakeAll(): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of all) for (const wake of set) wake();
  }
}
