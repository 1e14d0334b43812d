/**
 * What `StreamsApp.metrics()` reports: counters summed over the app's life (closed tasks
 * included), the same per running task, input lag, restore progress and commit latency.
 */
import type { AppState } from './app-state.js';
import type { RestoreProgress } from './changelog-restorer.js';
import type { HandlerCounters } from './exception-handlers.js';
import type { StandbyProgress } from './standby-tasks.js';
import type { CommitStats, PartitionLag, StreamThread } from './stream-thread.js';

export interface TaskMetricsView {
  state: 'restoring' | 'running';
  /** Records waiting in the task's input queues. */
  buffered: number;
  processed: number;
  skippedDeserialization: number;
  skippedProcessing: number;
  skippedInvalidTimestamp: number;
  droppedLate: number;
  droppedNullKey: number;
  punctuations: number;
}

export interface StreamsMetrics {
  state: AppState;
  /** Records processed since start, all tasks. */
  processed: number;
  skipped: { deserialization: number; processing: number; invalidTimestamp: number; production: number };
  droppedLate: number;
  droppedNullKey: number;
  punctuations: number;
  /** Records written to dead-letter topics, by handler. */
  deadLettered: HandlerCounters['deadLettered'];
  /** Records handed to the producer (outputs, changelogs, repartitions, dead letters). */
  sent: number;
  tasks: Record<string, TaskMetricsView>;
  /** Per input partition: next offset to process, end offset (refreshed every second), lag. */
  lag: PartitionLag[];
  /** Changelog records restored into task stores, and global-topic records read while bootstrapping global stores. */
  restore: { restoredRecords: number; globalRecords: number; partitions: RestoreProgress[] };
  /**
   * Standby tasks (num.standby.replicas): how many this instance keeps now, the changelog
   * records they applied since start, and per changelog partition where each stands.
   */
  standby: { tasks: number; appliedRecords: number; partitions: StandbyProgress[] };
  commits: CommitStats & { avgLatencyMs: number };
}

export function collectMetrics(state: AppState, thread: StreamThread | null): StreamsMetrics {
  const totals: Record<string, number> = { ...(thread?.tasks?.retired ?? {}) };
  const tasks: Record<string, TaskMetricsView> = {};
  for (const t of thread?.tasks?.all() ?? []) {
    const snap = t.task.metrics.snapshot();
    for (const [k, v] of Object.entries(snap)) totals[k] = (totals[k] ?? 0) + v;
    tasks[t.task.id] = { state: t.state, buffered: t.task.buffered, ...(snap as Omit<TaskMetricsView, 'state' | 'buffered'>) };
  }
  const n = (k: string): number => totals[k] ?? 0;
  const commits = thread?.commits ?? { count: 0, totalLatencyMs: 0, maxLatencyMs: 0, lastLatencyMs: 0, failed: 0 };
  return {
    state,
    processed: n('processed'),
    skipped: {
      deserialization: n('skippedDeserialization'),
      processing: n('skippedProcessing'),
      invalidTimestamp: n('skippedInvalidTimestamp'),
      production: thread?.handlers?.counters.skippedProduction ?? 0,
    },
    droppedLate: n('droppedLate'),
    droppedNullKey: n('droppedNullKey'),
    punctuations: n('punctuations'),
    deadLettered: { ...(thread?.handlers?.counters.deadLettered ?? { deserialization: 0, processing: 0, production: 0 }) },
    sent: thread?.collector?.sent ?? 0,
    tasks,
    lag: thread?.lag() ?? [],
    restore: { restoredRecords: thread?.restorer?.totalRestored ?? 0, globalRecords: thread?.globals?.restoredRecords ?? 0, partitions: thread?.restoreProgress() ?? [] },
    standby: { tasks: thread?.standbys?.tasks.size ?? 0, appliedRecords: thread?.standbys?.appliedRecords ?? 0, partitions: thread?.standbys?.progress() ?? [] },
    commits: { ...commits, avgLatencyMs: commits.count > 0 ? commits.totalLatencyMs / commits.count : 0 },
  };
}
