/**
 * Scheduled punctuations of a task, by time type. A stream-time punctuator fires when the task's
 * stream time reaches its next due time (first due at the first stream time seen, then every
 * interval); a wall-clock one fires as system time passes. A punctuator that falls behind fires
 * once and catches up its schedule, as Kafka's do.
 */
import type { Cancellable, PunctuationType, Punctuator } from '../processor/processor.js';

export interface Schedule {
  nodeName: string;
  intervalMs: number;
  punctuator: Punctuator;
  /** Next due time; -1 for a stream-time schedule before any stream time. */
  next: number;
  cancelled: boolean;
}

export class PunctuationQueue {
  private readonly schedules: { STREAM_TIME: Schedule[]; WALL_CLOCK_TIME: Schedule[] } = { STREAM_TIME: [], WALL_CLOCK_TIME: [] };

  schedule(type: PunctuationType, nodeName: string, intervalMs: number, punctuator: Punctuator, now: number): Cancellable {
    if (!(intervalMs >= 1)) throw new RangeError(`A punctuation interval must be at least 1 ms, got ${intervalMs}.`);
    const s: Schedule = { nodeName, intervalMs, punctuator, next: type === 'STREAM_TIME' ? (now < 0 ? -1 : now) : now + intervalMs, cancelled: false };
    this.schedules[type].push(s);
    return {
      cancel: () => {
        s.cancelled = true;
        this.schedules[type] = this.schedules[type].filter((x) => x !== s);
      },
    };
  }

  /** Calls `run(schedule, time)` for each due schedule; returns how many fired. */
  fire(type: PunctuationType, time: number, run: (s: Schedule, time: number) => void): number {
    if (time < 0) return 0;
    let fired = 0;
    for (const s of [...this.schedules[type]]) {
      if (s.cancelled) continue;
      if (s.next < 0) s.next = time;
      if (time < s.next) continue;
      run(s, time);
      fired++;
      // Skip the intervals missed meanwhile: fire once, then keep the cadence.
      const behind = Math.floor((time - s.next) / s.intervalMs);
      s.next += (behind + 1) * s.intervalMs;
    }
    return fired;
  }

  get size(): number {
    return this.schedules.STREAM_TIME.length + this.schedules.WALL_CLOCK_TIME.length;
  }
}
