/**
 * The tasks of one app instance: created for the partitions the group assigns (task id
 * `<sub-topology>_<partition>`), restored, fed with polled records, processed in bounded slices,
 * and closed clean (after a commit: checkpoint written) or dirty (state may be ahead of the
 * changelog's committed part: no checkpoint, so exactly-once rebuilds it).
 *
 * Restore rule: a task with logged stores reads `<stateDir>/<app>/<task>/.checkpoint`. No
 * checkpoint (first run, or under exactly-once anything but a clean close) wipes the task
 * directory and restores every store from the changelog's start; with one, persistent stores
 * resume at the checkpointed offsets, in-memory stores (which start empty) from the start. Under
 * exactly-once the checkpoint is deleted as soon as it is read, so a crash from here on forces a
 * full restore; at-least-once rewrites it after every commit.
 */
import type { Consumer, ConsumerRecord, OffsetAndMetadata, TopicPartition } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import type { StateStore } from '../../storage/state/state-store.js';
import { tpKey } from '../../storage/types.js';
import { TopologyError, type SubTopology, type Topology } from '../topology/topology.js';
import type { ChangelogRestorer, RestoreTarget } from './changelog-restorer.js';
import { TaskCheckpoint, usableCheckpoint, type CheckpointEntry } from './checkpoint-file.js';
import type { ExceptionHandlers } from './exception-handlers.js';
import type { SourceRouter, TopicNamer, TopicPlan } from './internal-topics.js';
import type { ProducerCollector } from './producer-collector.js';
import type { RawRecord } from './record-queue.js';
import type { StateDirectory } from './state-directory.js';
import { StreamTask } from './stream-task.js';
import type { ResolvedStreamsConfig } from './streams-config.js';

export interface ManagedTask {
  readonly task: StreamTask;
  state: 'restoring' | 'running';
  readonly inputs: TopicPartition[];
  /** Offsets last committed per input partition (tpKey). */
  readonly committed: Map<string, number>;
  /** Input partition -> offset of a record the deserialization handler failed on: never commit past it. */
  readonly failedAt: Map<string, number>;
  /** Changelog partitions of persistent stores (their offsets go into the checkpoint). */
  readonly checkpointed: Set<string>;
  readonly checkpoint: TaskCheckpoint | null;
  paused: boolean;
}

export interface TaskManagerDeps {
  config: ResolvedStreamsConfig;
  topology: Topology;
  subs: readonly SubTopology[];
  plan: TopicPlan;
  namer: TopicNamer;
  router: SourceRouter;
  stateDirectory: StateDirectory;
  consumer: Consumer;
  restorer: ChangelogRestorer;
  collector: ProducerCollector;
  handlers: ExceptionHandlers;
  /** Global stores, read-only for every task. */
  globalStores: ReadonlyMap<string, StateStore>;
  logger: Logger;
}

function splitKey(key: string): TopicPartition {
  const i = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

export class TaskManager {
  readonly tasks = new Map<string, ManagedTask>();
  private readonly byInput = new Map<string, ManagedTask>();
  private readonly subsById: Map<number, SubTopology>;
  private rotation = 0;
  /** Counters of closed tasks, so app totals never go down. */
  readonly retired: Record<string, number> = {};

  constructor(private readonly d: TaskManagerDeps) {
    // Sources without their own extractor take the app's default: a copy of each sub-topology
    // with it filled in, so the task needs no extra setting.
    const extractor = d.config.defaultTimestampExtractor;
    this.subsById = new Map(
      d.subs.map((s) => [
        s.id,
        extractor === undefined
          ? s
          : { ...s, nodes: s.nodes.map((n) => (n.kind === 'source' && n.options.timestampExtractor === undefined ? { ...n, options: { ...n.options, timestampExtractor: extractor } } : n)) },
      ]),
    );
  }

  get eos(): boolean {
    return this.d.config.processingGuarantee === 'exactly_once_v2';
  }

  // ------------------------------------------------------------ creating tasks

  /** Groups assigned input partitions by task. */
  private groupByTask(partitions: readonly TopicPartition[]): Map<string, { subId: number; partition: number; inputs: { tp: TopicPartition; sourceName: string; byPattern: boolean }[] }> {
    const out = new Map<string, { subId: number; partition: number; inputs: { tp: TopicPartition; sourceName: string; byPattern: boolean }[] }>();
    for (const tp of partitions) {
      const route = this.d.router.route(tp.topic);
      if (!route) {
        this.d.logger.warn(`Assigned partition ${tp.topic}-${tp.partition} is not an input of the topology; ignoring it`);
        continue;
      }
      const id = `${route.subId}_${tp.partition}`;
      let entry = out.get(id);
      if (!entry) out.set(id, (entry = { subId: route.subId, partition: tp.partition, inputs: [] }));
      entry.inputs.push({ tp, sourceName: route.sourceName, byPattern: route.byPattern });
    }
    return out;
  }

  /** The ids of the tasks these partitions make. */
  taskIds(partitions: readonly TopicPartition[]): string[] {
    const out = new Set<string>();
    for (const tp of partitions) {
      const route = this.d.router.route(tp.topic);
      if (route) out.add(`${route.subId}_${tp.partition}`);
    }
    return [...out];
  }

  /** How many tasks these partitions make. */
  taskCount(partitions: readonly TopicPartition[]): number {
    return this.groupByTask(partitions).size;
  }

  /** Creates (and starts restoring) the tasks of newly assigned partitions. */
  async createTasks(partitions: readonly TopicPartition[], totalTasks: number): Promise<void> {
    const cacheShare = Math.floor(this.d.config.cacheMaxBytes / Math.max(1, totalTasks));
    for (const [id, spec] of this.groupByTask(partitions)) {
      const existing = this.tasks.get(id);
      if (existing) {
        // A pattern subscription found another topic of a running task.
        for (const input of spec.inputs) this.addInput(existing, input.tp, input.sourceName, input.byPattern);
        continue;
      }
      await this.createTask(id, spec.subId, spec.partition, spec.inputs, cacheShare);
    }
  }

  private addInput(managed: ManagedTask, tp: TopicPartition, sourceName: string, byPattern: boolean): void {
    const key = tpKey(tp.topic, tp.partition);
    if (this.byInput.get(key) === managed) return;
    if (byPattern) managed.task.addInputPartition(tp.topic, sourceName);
    managed.inputs.push(tp);
    this.byInput.set(key, managed);
    if (managed.paused) this.d.consumer.pause([tp]);
  }

  private async createTask(id: string, subId: number, partition: number, inputs: { tp: TopicPartition; sourceName: string; byPattern: boolean }[], cacheMaxBytes: number): Promise<void> {
    const { config, topology, namer, stateDirectory, restorer, logger } = this.d;
    const sub = this.subsById.get(subId)!;
    const logged = sub.stores.map((store) => ({ store, topic: namer.changelogTopic(store) })).filter((x): x is { store: string; topic: string } => x.topic !== null);
    for (const l of logged) {
      const partitions = this.d.plan.changelogs.get(l.store)?.partitions ?? 0;
      if (partition >= partitions) throw new TopologyError(`Task ${id} needs partition ${partition} of changelog ${l.topic}, which has ${partitions}: an input topic grew after the app created its changelogs.`);
    }
    const changelogTps = logged.map((l) => ({ topic: l.topic, partition }));
    const { begin, end } = await restorer.offsets(changelogTps);

    let checkpoint: TaskCheckpoint | null = null;
    let offsets: Map<string, number> | null = null;
    // Only tasks with logged stores can rebuild their state, so only they ever wipe it.
    if (logged.length > 0) {
      checkpoint = new TaskCheckpoint(stateDirectory.taskDir(id));
      offsets = usableCheckpoint(checkpoint, changelogTps, end, (problem) => logger.warn(`Task ${id}: ${problem}; restoring from scratch`));
      if (offsets === null) stateDirectory.wipeTask(id);
      // Exactly-once: from here on the local state may run ahead of committed data until a clean close.
      else if (this.eos) checkpoint.delete();
    }

    const task = new StreamTask({
      applicationId: config.applicationId,
      subTopology: sub,
      topology,
      partition,
      stateDir: stateDirectory.root,
      collector: this.d.collector,
      logger,
      defaultKeySerde: config.defaultKeySerde,
      defaultValueSerde: config.defaultValueSerde,
      cacheMaxBytes,
      appConfigs: { 'application.id': config.applicationId, 'processing.guarantee': config.processingGuarantee, ...config.appConfigs },
      now: () => Date.now(),
      changelogTopic: (store) => namer.changelogTopic(store),
      topicName: (t) => namer.topicName(t),
      onDeserializationError: (error, raw) => this.onDeserializationError(id, error, raw),
      onProcessingError: (error, raw, nodeName) => this.d.handlers.handle('processing', error, raw, `processor '${nodeName}' of task ${id}`),
      globalStores: this.d.globalStores,
    });
    const managed: ManagedTask = { task, state: 'restoring', inputs: [], committed: new Map(), failedAt: new Map(), checkpointed: new Set(), checkpoint, paused: false };
    this.tasks.set(id, managed);
    for (const input of inputs) this.addInput(managed, input.tp, input.sourceName, input.byPattern);
    this.pause(managed);
    await task.initializeStores();

    const targets: RestoreTarget[] = [];
    for (const t of task.restoreTargets()) {
      const i = changelogTps.findIndex((tp) => tp.topic === t.changelogTopic);
      if (i < 0) continue;
      const key = tpKey(t.changelogTopic, partition);
      if (t.store.persistent) managed.checkpointed.add(key);
      const fromCheckpoint = t.store.persistent ? offsets?.get(key) : undefined;
      targets.push({ store: t.store.name, topic: t.changelogTopic, partition, restore: t.restore, startOffset: Math.max(fromCheckpoint ?? 0, begin[i]!), endOffset: end[i]! });
    }
    if (!restorer.register(id, targets)) this.startProcessing(managed);
  }

  private onDeserializationError(taskId: string, error: unknown, raw: RawRecord): 'continue' | 'fail' {
    const response = this.d.handlers.handle('deserialization', error, raw, `task ${taskId}`);
    if (response === 'fail') this.tasks.get(taskId)?.failedAt.set(tpKey(raw.topic, raw.partition), raw.offset);
    return response;
  }

  private startProcessing(managed: ManagedTask): void {
    managed.task.initializeProcessors();
    managed.state = 'running';
    this.resume(managed);
  }

  /** Moves restored tasks to processing. */
  restored(taskIds: readonly string[]): void {
    for (const id of taskIds) {
      const managed = this.tasks.get(id);
      if (managed && managed.state === 'restoring') this.startProcessing(managed);
    }
  }

  private pause(managed: ManagedTask): void {
    if (managed.paused) return;
    managed.paused = true;
    this.d.consumer.pause(managed.inputs);
  }

  private resume(managed: ManagedTask): void {
    if (!managed.paused) return;
    managed.paused = false;
    this.d.consumer.resume(managed.inputs);
  }

  get restoring(): boolean {
    for (const t of this.tasks.values()) if (t.state === 'restoring') return true;
    return false;
  }

  // ------------------------------------------------------------ records

  addRecords(records: readonly ConsumerRecord[]): void {
    let i = 0;
    while (i < records.length) {
      const first = records[i]!;
      let j = i + 1;
      while (j < records.length && records[j]!.partition === first.partition && records[j]!.topic === first.topic) j++;
      const managed = this.byInput.get(tpKey(first.topic, first.partition));
      if (managed) {
        managed.task.addRecords(first.topic, first.partition, i === 0 && j === records.length ? records : records.slice(i, j));
        if (managed.task.buffered > this.d.config.bufferedRecordsPerPartition * Math.max(1, managed.inputs.length)) this.pause(managed);
      }
      i = j;
    }
  }

  private readonly lagOf = (topic: string, partition: number): number | null => {
    try {
      return this.d.consumer.currentLag({ topic, partition });
    } catch {
      return null;
    }
  };

  hasBuffered(): boolean {
    for (const t of this.tasks.values()) if (t.state === 'running' && t.task.buffered > 0) return true;
    return false;
  }

  /**
   * Processes buffered records, task by task: each task up to `perTask` records or `sliceMs`,
   * starting the round at a different task each time, yielding to the event loop between tasks
   * once `yieldMs` has passed. Returns how many records were processed.
   */
  async process(perTask = 1000, sliceMs = 5, yieldMs = 10): Promise<number> {
    const running = [...this.tasks.values()].filter((t) => t.state === 'running');
    if (running.length === 0) return 0;
    let total = 0;
    let sinceYield = performance.now();
    const start = this.rotation++ % running.length;
    for (let k = 0; k < running.length; k++) {
      const managed = running[(start + k) % running.length]!;
      if (this.tasks.get(managed.task.id) !== managed) continue; // closed meanwhile
      const task = managed.task;
      const t0 = performance.now();
      let n = 0;
      const now = Date.now();
      while (n < perTask && task.readyToProcess(now, this.d.config.maxTaskIdleMs, this.lagOf) && task.process()) {
        n++;
        if ((n & 31) === 0 && performance.now() - t0 >= sliceMs) break;
      }
      // A task waiting for one input must be able to fetch it, even with the others full.
      if (n === 0 && managed.paused && task.buffered > 0) this.resume(managed);
      total += n;
      if (managed.paused && task.buffered < this.d.config.bufferedRecordsPerPartition / 2) this.resume(managed);
      if (performance.now() - sinceYield >= yieldMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sinceYield = performance.now();
      }
    }
    return total;
  }

  punctuate(now = Date.now()): void {
    for (const t of this.tasks.values()) if (t.state === 'running') t.task.punctuateWallClock(now);
  }

  /** Whether a processor asked for a commit (clears the requests). */
  commitRequested(): boolean {
    let any = false;
    for (const t of this.tasks.values()) if (t.task.takeCommitRequest()) any = true;
    return any;
  }

  // ------------------------------------------------------------ commit

  runningTasks(): ManagedTask[] {
    return [...this.tasks.values()].filter((t) => t.state === 'running');
  }

  async flush(tasks: readonly ManagedTask[]): Promise<void> {
    for (const t of tasks) await t.task.flush();
  }

  /** Offsets that moved since the last commit, never past a record that failed deserialization. */
  offsetsToCommit(tasks: readonly ManagedTask[]): OffsetAndMetadata[] {
    const out: OffsetAndMetadata[] = [];
    for (const t of tasks) {
      for (const [key, consumed] of t.task.committableOffsets()) {
        const failed = t.failedAt.get(key);
        const offset = failed !== undefined ? Math.min(failed, consumed) : consumed;
        if (t.committed.get(key) === offset) continue;
        out.push({ ...splitKey(key), offset });
      }
    }
    return out;
  }

  markCommitted(offsets: readonly OffsetAndMetadata[]): void {
    for (const o of offsets) this.byInput.get(tpKey(o.topic, o.partition))?.committed.set(tpKey(o.topic, o.partition), o.offset);
  }

  /** The committed offset of every input partition (for purging repartition topics). */
  committedOffsets(): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of this.tasks.values()) for (const [k, v] of t.committed) out.set(k, v);
    return out;
  }

  /** Writes the checkpoints of running tasks (what their stores hold after a commit). */
  writeCheckpoints(tasks: readonly ManagedTask[]): void {
    for (const t of tasks) this.writeCheckpoint(t);
  }

  private writeCheckpoint(t: ManagedTask): void {
    if (t.checkpoint === null || t.state !== 'running') return;
    const restored = this.d.restorer.restoredOffsets(t.task.id);
    const entries: CheckpointEntry[] = [];
    for (const key of t.checkpointed) {
      const tp = splitKey(key);
      const offset = Math.max(restored.get(key) ?? 0, this.d.collector.changelogOffset(tp.topic, tp.partition) ?? 0);
      entries.push({ ...tp, offset });
    }
    // In-memory stores start empty whatever a checkpoint says: nothing to record for them.
    if (entries.length === 0) return;
    try {
      t.checkpoint.writeIfChanged(entries);
    } catch (err) {
      // A missing checkpoint only costs a longer restore.
      this.d.logger.warn(`Writing the checkpoint of task ${t.task.id} failed`, { error: String(err) });
    }
  }

  // ------------------------------------------------------------ closing

  /** Tasks reading any of `partitions`. */
  tasksOf(partitions: readonly TopicPartition[]): ManagedTask[] {
    const out = new Set<ManagedTask>();
    for (const tp of partitions) {
      const t = this.byInput.get(tpKey(tp.topic, tp.partition));
      if (t) out.add(t);
    }
    return [...out];
  }

  /**
   * Closes tasks. Clean: the caller committed them; the checkpoint records what their stores
   * hold. Dirty: no checkpoint is written (under exactly-once the one read at start is gone, so
   * the state is rebuilt), and whatever the stores flush while closing is dropped.
   */
  async close(tasks: readonly ManagedTask[], clean: boolean): Promise<void> {
    for (const t of tasks) {
      if (this.tasks.get(t.task.id) !== t) continue;
      this.tasks.delete(t.task.id);
      for (const tp of t.inputs) {
        const key = tpKey(tp.topic, tp.partition);
        if (this.byInput.get(key) === t) this.byInput.delete(key);
      }
      if (clean) this.writeCheckpoint(t);
      this.d.restorer.remove(t.task.id);
      for (const [k, v] of Object.entries(t.task.metrics.snapshot())) this.retired[k] = (this.retired[k] ?? 0) + v;
      this.d.collector.discarding = !clean;
      try {
        await t.task.close();
      } catch (err) {
        this.d.logger.warn(`Closing task ${t.task.id} failed`, { error: String(err) });
      } finally {
        this.d.collector.discarding = false;
      }
    }
  }

  all(): ManagedTask[] {
    return [...this.tasks.values()];
  }
}
