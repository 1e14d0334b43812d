/**
 * The processing loop of an app instance (Kafka Streams' StreamThread, one per app: Node has one
 * thread, and the loop yields so the event loop, and an in-process broker, keep running):
 *
 *   poll (rebalances run inside, through the listener) -> records to task queues
 *   -> one restore batch for restoring tasks -> process running tasks in bounded slices
 *   -> wall-clock punctuation -> commit when commit.interval.ms passed or a task asked
 *
 * Commit, at-least-once: flush the tasks (caches forward, changelog records go out), wait for
 * every send, commit the input offsets, write checkpoints. Exactly-once v2: one transactional
 * producer for the instance (transactional.id `<applicationId>-<process id>`); the first send
 * opens a transaction, and the commit flushes the tasks, adds the input offsets with the
 * consumer's group metadata (so a zombie of an older generation is fenced) and commits. Any
 * failure aborts the transaction and the tasks are closed dirty and re-created from the last
 * commit (Kafka's task-migrated handling): no output or changelog record is ever half-committed.
 *
 * After every assignment the thread describes the group for the instance metadata of
 * interactive queries (streams-metadata.ts), before the app can go RUNNING; a describe that
 * fails or finds the group mid-rebalance is retried from the loop. Each settled view places
 * standby tasks (num.standby.replicas): the loop then opens and closes this instance's
 * standbys to match, applies a batch of their changelogs per iteration and checkpoints them at
 * the commit interval. A task assigned here actively takes over its standby's stores: the
 * standby closes (checkpointed) before the task opens them.
 */
import type { Admin, Consumer, Producer, RebalanceListener, StorageClient, TopicPartition } from '../../storage/client/types.js';
import { KafkaError } from '../../storage/errors.js';
import type { Logger } from '../../storage/logger.js';
import { tpKey } from '../../storage/types.js';
import type { SubTopology, Topology } from '../topology/topology.js';
import type { AppStateMachine } from './app-state.js';
import { ChangelogRestorer, type RestoreProgress } from './changelog-restorer.js';
import { describeError, StreamsError } from './errors.js';
import { ExceptionHandlers } from './exception-handlers.js';
import { GlobalStateManager } from './global-state.js';
import type { SourceRouter, TopicNamer, TopicPlan } from './internal-topics.js';
import { isFencing, ProducerCollector } from './producer-collector.js';
import { StandbyTaskManager } from './standby-tasks.js';
import type { StateDirectory } from './state-directory.js';
import type { ResolvedStreamsConfig } from './streams-config.js';
import type { StreamsMetadataState } from './streams-metadata.js';
import { encodeSubscriptionInfo } from './subscription-info.js';
import { TaskManager, type ManagedTask } from './task-manager.js';

/** The longest the loop runs without letting other work on the event loop in. */
const YIELD_MS = 10;

/** How often a group describe for the instance metadata is retried while the view is behind. */
const METADATA_RETRY_MS = 500;

/** Commit errors that mean the group moved the partitions on: the tasks migrate, the app goes on. */
const MIGRATED = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

export interface ThreadDeps {
  config: ResolvedStreamsConfig;
  topology: Topology;
  subs: readonly SubTopology[];
  plan: TopicPlan;
  namer: TopicNamer;
  router: SourceRouter;
  client: StorageClient;
  admin: Admin;
  stateDirectory: StateDirectory;
  processId: string;
  states: AppStateMachine;
  /** Which instance runs which tasks: refreshed after every rebalance. */
  metadata: StreamsMetadataState;
  /** Called once when processing hits an error it cannot go on from. */
  onFatal(error: unknown): void;
}

export interface CommitStats {
  count: number;
  totalLatencyMs: number;
  maxLatencyMs: number;
  lastLatencyMs: number;
  failed: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Next offset to process. */
  position: number;
  endOffset: number;
  lag: number;
}

export class StreamThread {
  private consumer!: Consumer;
  private restoreConsumer!: Consumer;
  private producer!: Producer;
  collector!: ProducerCollector;
  handlers!: ExceptionHandlers;
  restorer!: ChangelogRestorer;
  tasks!: TaskManager;
  standbys!: StandbyTaskManager;
  globals!: GlobalStateManager;
  private readonly logger: Logger;
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** Set once shutting down: rebalance callbacks (from consumer.close) do nothing then. */
  private closing = false;
  private awaitingAssignment = true;
  private reviveNeeded = false;
  private lastCommit = Date.now();
  private lastPurge = Date.now();
  private purging = false;
  private lastLagAt = 0;
  private lastMetadataAt = 0;
  private metadataFailures = 0;
  /** The metadata view the standbys were last matched to (its version). */
  private standbysAt = 0;
  private lastYield = performance.now();
  private readonly endOffsets = new Map<string, number>();
  readonly commits: CommitStats = { count: 0, totalLatencyMs: 0, maxLatencyMs: 0, lastLatencyMs: 0, failed: 0 };

  constructor(private readonly d: ThreadDeps) {
    this.logger = d.config.logger;
  }

  private get eos(): boolean {
    return this.d.config.processingGuarantee === 'exactly_once_v2';
  }

  private newProducer(): Producer {
    const { config, processId } = this.d;
    return this.d.client.producer({
      clientId: `${config.applicationId}-${processId}-producer`,
      ...(this.eos ? { transactionalId: `${config.applicationId}-${processId}`, transactionTimeoutMs: config.transactionTimeoutMs } : {}),
    });
  }

  async start(): Promise<void> {
    const { config, client, processId, router } = this.d;
    const isolationLevel = this.eos ? 'read_committed' : 'read_uncommitted';
    this.producer = this.newProducer();
    // Before anything is read: fences this instance's previous incarnation and aborts its open
    // transaction, so committed offsets and changelog ends are stable at once.
    if (this.eos) await this.producer.initTransactions();
    this.consumer = client.consumer({
      groupId: config.applicationId,
      clientId: `${config.applicationId}-${processId}-consumer`,
      autoOffsetReset: config.autoOffsetReset,
      enableAutoCommit: false,
      isolationLevel,
      maxPollRecords: config.maxPollRecords,
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      // Partition N of every co-partitioned topic lands on the same member.
      partitionAssignmentStrategy: ['range'],
      subscriptionUserData: encodeSubscriptionInfo({ endpoint: config.applicationServer, processId }),
    });
    this.restoreConsumer = client.consumer({ clientId: `${config.applicationId}-${processId}-restore-consumer`, enableAutoCommit: false, isolationLevel, maxPollRecords: config.maxPollRecords, autoOffsetReset: 'earliest' });
    this.handlers = new ExceptionHandlers(
      { deserialization: config.deserializationExceptionHandler, processing: config.processingExceptionHandler, production: config.productionExceptionHandler },
      this.logger,
      (record) => this.collector.sendDeadLetter(record),
    );
    const changelogTopics = new Set([...this.d.plan.changelogs.values()].map((c) => c.topic));
    this.collector = new ProducerCollector(this.producer, this.eos, this.d.plan.partitionCounts, (t) => changelogTopics.has(t), () => this.handlers, this.logger);
    this.restorer = new ChangelogRestorer(this.restoreConsumer, this.logger);
    // Global stores are complete before any task reads them (Kafka bootstraps them before its stream threads).
    this.globals = new GlobalStateManager(config, this.d.topology, client, this.d.stateDirectory, this.d.plan.partitionCounts, () => this.handlers, processId);
    await this.globals.start();
    this.tasks = new TaskManager({ ...this.d, consumer: this.consumer, restorer: this.restorer, collector: this.collector, handlers: this.handlers, globalStores: this.globals.stores, logger: this.logger });
    this.standbys = new StandbyTaskManager({ ...this.d, logger: this.logger });
    this.consumer.subscribe(router.subscription(), this.listener());
    this.loop = this.run();
  }

  // ------------------------------------------------------------ the loop

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        const busy = this.tasks.hasBuffered();
        const records = await this.consumer.poll(busy || this.restorer.active || this.standbys.busy ? 0 : this.d.config.pollMs);
        if (this.stopping) break;
        if (this.reviveNeeded) await this.revive('retrying after a failed commit');
        this.tasks.addRecords(records);
        if (this.globals.active) await this.globals.poll(0);
        if (this.restorer.active) {
          const { completed } = await this.restorer.step(busy || records.length > 0 ? 0 : 10);
          this.tasks.restored(completed);
        }
        await this.maybeSyncStandbys();
        if (this.standbys.active) await this.standbys.step(0);
        await this.tasks.process(1000, 5, YIELD_MS);
        this.tasks.punctuate();
        await this.maybeCommit();
        await this.standbys.maybeCheckpoint(this.d.config.commitIntervalMs);
        this.maybePurge();
        await this.maybeRefreshLag();
        await this.maybeRefreshMetadata();
        this.updateState();
        // A poll answered from buffers resolves without a macrotask: yield now and then, so timers
        // (heartbeats, producer lingers, an in-process broker's writes) run between iterations.
        if (performance.now() - this.lastYield >= YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          this.lastYield = performance.now();
        }
      }
    } catch (err) {
      if (this.stopping) this.logger.warn('The processing loop failed while stopping', { error: describeError(err) });
      else {
        this.stopping = true;
        this.d.onFatal(err);
      }
    }
  }

  private updateState(): void {
    const { states } = this.d;
    if (states.state === 'REBALANCING' && !this.awaitingAssignment && !this.tasks.restoring) states.transition('RUNNING');
  }

  private startRebalance(): void {
    this.awaitingAssignment = true;
    this.d.states.transition('REBALANCING');
  }

  private listener(): RebalanceListener {
    return {
      onPartitionsRevoked: async (partitions) => {
        if (this.closing) return;
        this.startRebalance();
        const affected = this.tasks.tasksOf(partitions);
        if (affected.length === 0) return;
        // Under exactly-once one transaction holds every task's output: all of it commits now.
        const committed = await this.commit(false);
        await this.tasks.close(affected, committed);
        // A failed exactly-once commit aborted the other tasks' output as well.
        if (!committed && this.eos && this.tasks.all().length > 0) await this.revive('the commit before revoking partitions failed');
        this.logger.info(`Closed ${affected.length} task(s) of revoked partitions`, { tasks: affected.map((t) => t.task.id) });
      },
      onPartitionsAssigned: async (partitions) => {
        if (this.closing) return;
        this.d.states.transition('REBALANCING');
        await this.applyOffsetResets(partitions);
        // A standby of a task now assigned here hands its stores over: closed and checkpointed, the task restores only the rest.
        await this.standbys.close(this.tasks.taskIds(partitions), 'their tasks are now active here');
        await this.tasks.createTasks(partitions, this.tasks.taskCount(this.consumer.assignment()));
        await this.refreshMetadata();
        this.awaitingAssignment = false;
        this.logger.info(`Assigned ${partitions.length} partition(s)`, { tasks: this.tasks.all().map((t) => t.task.id) });
      },
      onPartitionsLost: async (partitions) => {
        if (this.closing) return;
        this.startRebalance();
        const lost = this.tasks.tasksOf(partitions);
        this.logger.warn(`Lost ${partitions.length} partition(s) without a chance to commit; closing their tasks dirty`);
        if (this.eos) {
          // The open transaction holds the lost tasks' output too: abort it and redo the others.
          await this.abort();
          await this.tasks.close(lost, false);
          if (this.tasks.all().length > 0) await this.revive('partitions were lost');
        } else await this.tasks.close(lost, false);
      },
    };
  }

  /** Sources with their own auto.offset.reset: applied where the group has no committed offset. */
  private async applyOffsetResets(partitions: readonly TopicPartition[]): Promise<void> {
    const special = partitions.filter((tp) => {
      const reset = this.d.router.route(tp.topic)?.offsetReset;
      return reset !== undefined && reset !== this.d.config.autoOffsetReset;
    });
    if (special.length === 0) return;
    const committed = await this.consumer.committed(special);
    special.forEach((tp, i) => {
      if (committed[i] === null) this.resetPosition(tp);
    });
  }

  private resetPosition(tp: TopicPartition): void {
    const reset = this.d.router.route(tp.topic)?.offsetReset ?? this.d.config.autoOffsetReset;
    if (reset === 'latest') this.consumer.seekToEnd([tp]);
    else this.consumer.seekToBeginning([tp]);
  }

  // ------------------------------------------------------------ commit

  private async maybeCommit(): Promise<void> {
    const due = Date.now() - this.lastCommit >= this.d.config.commitIntervalMs;
    const requested = this.tasks.commitRequested();
    if (due || requested) await this.commit(true);
  }

  /**
   * Commits every running task. Returns whether it committed; on a migration-type failure the
   * tasks are re-created from the last commit when `revive` (the loop) or left to the caller.
   * Errors that must stop the app (a failed store flush, a production failure the handler
   * would not skip) are thrown.
   */
  private async commit(revive: boolean): Promise<boolean> {
    this.lastCommit = Date.now();
    const tasks = this.tasks.runningTasks();
    if (tasks.length === 0 && !this.collector.transactionOpen) return true;
    const t0 = performance.now();
    await this.tasks.flush(tasks);
    const offsets = this.tasks.offsetsToCommit(tasks);
    try {
      if (this.eos) {
        await this.collector.commitTransaction(offsets, this.consumer.groupMetadata());
      } else {
        await this.collector.flush();
        if (offsets.length > 0) await this.consumer.commitSync(offsets);
      }
    } catch (err) {
      this.commits.failed++;
      if (err instanceof StreamsError && err.code === 'PRODUCTION_FAILED') {
        if (this.eos) await this.abort();
        throw err;
      }
      const migrated = this.eos || isFencing(err) || (err instanceof StreamsError && err.code === 'TASK_MIGRATED') || (err instanceof KafkaError && MIGRATED.has(err.code));
      if (!migrated) {
        // At-least-once: nothing is lost by committing later; the next interval tries again.
        this.logger.warn(`Commit failed; retrying at the next commit: ${describeError(err)}`);
        return false;
      }
      this.logger.warn(`Commit failed, the tasks migrate: ${describeError(err)}`);
      if (this.eos) await this.abort();
      if (revive) await this.revive(describeError(err));
      return false;
    }
    this.tasks.markCommitted(offsets);
    if (!this.eos) this.tasks.writeCheckpoints(tasks);
    await this.globals.flushAndCheckpoint();
    const ms = performance.now() - t0;
    this.commits.count++;
    this.commits.totalLatencyMs += ms;
    this.commits.lastLatencyMs = ms;
    if (ms > this.commits.maxLatencyMs) this.commits.maxLatencyMs = ms;
    return true;
  }

  /** Aborts the open transaction; a producer that cannot abort (fenced) is replaced. */
  private async abort(): Promise<void> {
    if (await this.collector.abortTransaction()) return;
    try {
      await this.producer.close();
    } catch {
      // it is fenced or broken: nothing more to do with it
    }
    this.producer = this.newProducer();
    await this.producer.initTransactions();
    this.collector.replaceProducer(this.producer);
  }

  /**
   * Closes all tasks dirty and re-creates them for the current assignment, rewinding the
   * consumer to the committed offsets: everything since the last commit is processed again,
   * from state restored to that commit (exactly-once) or to the last checkpoint (at-least-once).
   */
  private async revive(reason: string): Promise<void> {
    this.reviveNeeded = false;
    this.logger.warn(`Closing all tasks dirty and re-creating them: ${reason}`);
    await this.tasks.close(this.tasks.all(), false);
    const assigned = this.consumer.assignment();
    if (assigned.length === 0) return;
    try {
      const committed = await this.consumer.committed(assigned);
      assigned.forEach((tp, i) => {
        const c = committed[i];
        if (c) this.consumer.seek(tp, c.offset);
        else this.resetPosition(tp);
      });
    } catch (err) {
      // Probably out of the group: try again after the next poll (which rejoins).
      this.logger.warn(`Rewinding to the committed offsets failed; retrying: ${describeError(err)}`);
      this.reviveNeeded = true;
      return;
    }
    await this.tasks.createTasks(assigned, this.tasks.taskCount(assigned));
  }

  /** Deletes repartition records the group has committed past (they are never read again). */
  private maybePurge(): void {
    const { plan, config, admin } = this.d;
    if (plan.repartitionTopics.size === 0 || this.purging || Date.now() - this.lastPurge < config.repartitionPurgeIntervalMs) return;
    this.lastPurge = Date.now();
    const requests: { topic: string; partition: number; offset: number }[] = [];
    for (const t of this.tasks.all()) {
      for (const tp of t.inputs) {
        const offset = t.committed.get(tpKey(tp.topic, tp.partition));
        if (offset !== undefined && plan.repartitionTopics.has(tp.topic)) requests.push({ topic: tp.topic, partition: tp.partition, offset });
      }
    }
    if (requests.length === 0) return;
    this.purging = true;
    admin
      .deleteRecords(requests)
      .catch((err: unknown) => this.logger.debug('Purging repartition topics failed', { error: describeError(err) }))
      .finally(() => (this.purging = false));
  }

  private async maybeRefreshLag(): Promise<void> {
    if (Date.now() - this.lastLagAt < 1000) return;
    this.lastLagAt = Date.now();
    const assigned = this.consumer.assignment();
    if (assigned.length === 0) return;
    try {
      const ends = await this.consumer.endOffsets(assigned);
      assigned.forEach((tp, i) => this.endOffsets.set(tpKey(tp.topic, tp.partition), ends[i]!));
    } catch (err) {
      this.logger.debug('Reading end offsets for lag failed', { error: describeError(err) });
    }
  }

  // ------------------------------------------------------------ instance metadata

  private async maybeRefreshMetadata(): Promise<void> {
    if (this.awaitingAssignment || !this.d.metadata.needsRefresh || Date.now() - this.lastMetadataAt < METADATA_RETRY_MS) return;
    await this.refreshMetadata();
  }

  /** Describes the group; the view keeps what it had when the group is mid-rebalance or unreachable. */
  private async refreshMetadata(): Promise<void> {
    this.lastMetadataAt = Date.now();
    try {
      const [group] = await this.d.admin.describeGroups([this.d.config.applicationId]);
      const own = { memberId: this.consumer.groupMetadata().memberId, assignment: this.consumer.assignment() };
      if (this.d.metadata.update(group, own)) this.metadataFailures = 0;
    } catch (err) {
      this.d.metadata.invalidate();
      // Once as a warning (a cluster may refuse DescribeGroups to this principal), then quietly.
      const log = this.metadataFailures++ === 0 ? this.logger.warn : this.logger.debug;
      log.call(this.logger, `Describing group '${this.d.config.applicationId}' for instance metadata failed; retrying: ${describeError(err)}`);
    }
  }

  /** Matches the standbys to the placement of a newer settled view (never mid-rebalance). */
  private async maybeSyncStandbys(): Promise<void> {
    const view = this.d.metadata.version;
    if (this.awaitingAssignment || view === this.standbysAt) return;
    this.standbysAt = view;
    const wanted = this.d.metadata.standbyTasksOf(this.consumer.groupMetadata().memberId);
    await this.standbys.sync(wanted, (id) => this.tasks.tasks.has(id));
  }

  // ------------------------------------------------------------ shutdown

  /**
   * Stops the loop and closes everything. Without `error` (or under at-least-once with one) the
   * tasks commit and close clean, writing checkpoints; under exactly-once an error aborts the
   * transaction and closes them dirty. Leaves the group.
   */
  async shutdown(error?: unknown): Promise<void> {
    this.stopping = true;
    if (this.loop) await this.loop;
    this.d.metadata.clear();
    try {
      if (this.tasks) {
        let clean = false;
        if (error === undefined || !this.eos) {
          try {
            clean = await this.commit(false);
          } catch (err) {
            this.logger.warn(`The final commit failed: ${describeError(err)}`);
          }
        }
        if (!clean && this.eos) await this.collector.abortTransaction();
        await this.tasks.close(this.tasks.all(), clean);
      }
      await this.globals?.close();
    } catch (err) {
      this.logger.warn(`Closing tasks failed: ${describeError(err)}`);
    } finally {
      this.closing = true;
      for (const [what, close] of [
        // Standbys hold only committed changes: they close clean (checkpointed) whatever the reason.
        ['standby tasks', () => this.standbys?.shutdown()],
        ['consumer', () => this.consumer?.close()],
        ['restore consumer', () => this.restoreConsumer?.close()],
        ['producer', () => this.producer?.close()],
      ] as const) {
        try {
          await close();
        } catch (err) {
          this.logger.warn(`Closing the ${what} failed: ${describeError(err)}`);
        }
      }
    }
  }

  // ------------------------------------------------------------ views for metrics and queries

  lag(): PartitionLag[] {
    const out: PartitionLag[] = [];
    if (!this.tasks) return out;
    for (const t of this.tasks.all()) {
      const consumed = t.task.committableOffsets();
      for (const tp of t.inputs) {
        const key = tpKey(tp.topic, tp.partition);
        const end = this.endOffsets.get(key);
        const position = consumed.get(key) ?? t.committed.get(key);
        if (end === undefined || position === undefined) continue;
        out.push({ topic: tp.topic, partition: tp.partition, position, endOffset: end, lag: Math.max(0, end - position) });
      }
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  restoreProgress(): RestoreProgress[] {
    return this.restorer ? this.restorer.progress() : [];
  }

  runningTask(taskId: string): ManagedTask | undefined {
    const t = this.tasks?.tasks.get(taskId);
    return t && t.state === 'running' ? t : undefined;
  }
}
