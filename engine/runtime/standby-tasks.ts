/**
 * The standby tasks of one app instance (num.standby.replicas): opened for the tasks the
 * standby placement (standby-placement.ts) puts here, kept current from their changelogs by a
 * consumer of their own in assign() mode (read_committed under exactly-once, so only committed
 * changes reach a standby), checkpointed at the commit interval and on close.
 *
 * Opening follows the active task's restore rule (checkpoint-file.ts, usableCheckpoint): a
 * usable checkpoint resumes persistent stores where it says, anything else wipes the task
 * directory and starts from the changelog's beginning; in-memory stores always start there.
 * Unlike an active task under exactly-once, a standby keeps its checkpoint while open: it only
 * ever holds committed changes, so a crash at worst replays some of them, which restore allows.
 *
 * A standby never holds the app in REBALANCING and never fails it: a standby that cannot open
 * is logged and tried again at the next placement; the active task will rebuild from the
 * changelog if it comes here.
 */
import type { Consumer, ConsumerRecord, StorageClient, TopicPartition } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import type { ChangelogRecord, RestoreCallback, StateStore } from '../../storage/state/state-store.js';
import { tpKey } from '../../storage/types.js';
import { TopologyError, type SubTopology, type Topology } from '../topology/topology.js';
import { TaskCheckpoint, usableCheckpoint, type CheckpointEntry } from './checkpoint-file.js';
import { describeError } from './errors.js';
import type { TopicNamer, TopicPlan } from './internal-topics.js';
import { StandbyTask } from './standby-task.js';
import type { StateDirectory } from './state-directory.js';
import type { ResolvedStreamsConfig } from './streams-config.js';

/** One changelog partition a standby follows. */
export interface StandbyProgress {
  taskId: string;
  store: string;
  topic: string;
  partition: number;
  /** The next changelog offset to apply. */
  position: number;
  /** Records the changelog has beyond the position, as of the last fetch; null before one. */
  lag: number | null;
  /** Records applied to the store since the standby opened. */
  appliedRecords: number;
}

interface Changelog {
  taskId: string;
  tp: TopicPartition;
  key: string;
  store: string;
  persistent: boolean;
  restore: RestoreCallback;
  position: number;
  applied: number;
}

interface Standby {
  task: StandbyTask;
  changelogs: Changelog[];
  checkpoint: TaskCheckpoint;
  /** Whether records were applied since the last checkpoint. */
  dirty: boolean;
}

export interface StandbyDeps {
  config: ResolvedStreamsConfig;
  topology: Topology;
  subs: readonly SubTopology[];
  plan: TopicPlan;
  namer: TopicNamer;
  client: StorageClient;
  stateDirectory: StateDirectory;
  processId: string;
  logger: Logger;
}

export class StandbyTaskManager {
  readonly tasks = new Map<string, Standby>();
  private readonly byPartition = new Map<string, Changelog>();
  private consumer: Consumer | null = null;
  private lastCheckpointAt = Date.now();
  /** Changelog records applied by standbys since start, closed ones included. */
  appliedRecords = 0;
  /** Whether the last step applied records: more are probably waiting, so the loop should not idle. */
  busy = false;

  constructor(private readonly d: StandbyDeps) {}

  get active(): boolean {
    return this.byPartition.size > 0;
  }

  private get eos(): boolean {
    return this.d.config.processingGuarantee === 'exactly_once_v2';
  }

  private standbyConsumer(): Consumer {
    const { config, processId } = this.d;
    this.consumer ??= this.d.client.consumer({
      clientId: `${config.applicationId}-${processId}-standby-consumer`,
      enableAutoCommit: false,
      isolationLevel: this.eos ? 'read_committed' : 'read_uncommitted',
      maxPollRecords: config.maxPollRecords,
      autoOffsetReset: 'earliest',
    });
    return this.consumer;
  }

  // ------------------------------------------------------------ placement

  /**
   * Keeps standbys of exactly the `wanted` tasks, except those running here actively: closes
   * the others (their directories stay, for a later standby or active task here) and opens the
   * missing ones.
   */
  async sync(wanted: ReadonlySet<string>, activeHere: (taskId: string) => boolean): Promise<void> {
    const gone = [...this.tasks.keys()].filter((id) => !wanted.has(id) || activeHere(id));
    if (gone.length > 0) await this.close(gone, 'no longer placed on this instance');
    for (const id of [...wanted].sort()) {
      if (this.tasks.has(id) || activeHere(id)) continue;
      try {
        await this.open(id);
      } catch (err) {
        this.d.logger.warn(`Opening standby task ${id} failed; trying again at the next rebalance: ${describeError(err)}`);
      }
    }
  }

  private async open(id: string): Promise<void> {
    const { config, topology, namer, stateDirectory, logger } = this.d;
    const sep = id.indexOf('_');
    const subId = Number(id.slice(0, sep));
    const partition = Number(id.slice(sep + 1));
    const sub = this.d.subs.find((s) => s.id === subId);
    if (!sub) throw new TopologyError(`Standby task ${id} names sub-topology ${subId}, which this topology does not have.`);
    const logged = sub.stores.map((store) => ({ store, topic: namer.changelogTopic(store) })).filter((x): x is { store: string; topic: string } => x.topic !== null);
    if (logged.length === 0) return;
    for (const l of logged) {
      const partitions = this.d.plan.changelogs.get(l.store)?.partitions ?? 0;
      if (partition >= partitions) throw new TopologyError(`Standby task ${id} needs partition ${partition} of changelog ${l.topic}, which has ${partitions}.`);
    }
    const consumer = this.standbyConsumer();
    const tps = logged.map((l) => ({ topic: l.topic, partition }));
    const [begin, end] = await Promise.all([consumer.beginningOffsets(tps), consumer.endOffsets(tps)]);

    const checkpoint = new TaskCheckpoint(stateDirectory.taskDir(id));
    const offsets = usableCheckpoint(checkpoint, tps, end, (problem) => logger.warn(`Standby task ${id}: ${problem}; rebuilding it from the changelog`));
    if (offsets === null) stateDirectory.wipeTask(id);

    const task = new StandbyTask({
      applicationId: config.applicationId,
      subTopology: sub,
      topology,
      partition,
      taskDir: stateDirectory.taskDir(id),
      changelogTopic: (store) => namer.changelogTopic(store),
      defaultKeySerde: config.defaultKeySerde,
      defaultValueSerde: config.defaultValueSerde,
    });
    await task.initializeStores();
    const changelogs: Changelog[] = [];
    for (const c of task.changelogs()) {
      const i = tps.findIndex((tp) => tp.topic === c.topic);
      if (i < 0) continue;
      const key = tpKey(c.topic, partition);
      // In-memory stores start empty, whatever the checkpoint says.
      const fromCheckpoint = c.store.persistent ? offsets?.get(key) : undefined;
      changelogs.push({ taskId: id, tp: tps[i]!, key, store: c.store.name, persistent: c.store.persistent, restore: c.restore, position: Math.max(fromCheckpoint ?? 0, begin[i]!), applied: 0 });
    }
    this.tasks.set(id, { task, changelogs, checkpoint, dirty: false });
    for (const c of changelogs) this.byPartition.set(c.key, c);
    this.reassign();
    for (const c of changelogs) consumer.seek(c.tp, c.position);
    logger.info(`Opened standby task ${id}`, { changelogs: changelogs.map((c) => `${c.tp.topic}-${c.tp.partition} from ${c.position} (end ${end[tps.indexOf(c.tp)]})`) });
  }

  private reassign(): void {
    this.consumer?.assign([...this.byPartition.values()].map((c) => c.tp));
  }

  // ------------------------------------------------------------ following the changelogs

  /** Applies one polled batch of changelog records; returns how many were applied. */
  async step(timeoutMs: number): Promise<number> {
    if (this.byPartition.size === 0 || this.consumer === null) {
      this.busy = false;
      return 0;
    }
    const records = await this.consumer.poll(timeoutMs);
    let applied = 0;
    let i = 0;
    while (i < records.length) {
      const first = records[i]!;
      let j = i + 1;
      while (j < records.length && records[j]!.partition === first.partition && records[j]!.topic === first.topic) j++;
      const changelog = this.byPartition.get(tpKey(first.topic, first.partition));
      // A standby closed between the fetch and now: its records are dropped with it.
      if (changelog !== undefined) {
        applied += await this.apply(changelog, records, i, j);
        this.tasks.get(changelog.taskId)!.dirty = true;
      }
      i = j;
    }
    this.appliedRecords += applied;
    this.busy = records.length > 0;
    return applied;
  }

  private async apply(changelog: Changelog, records: readonly ConsumerRecord[], from: number, to: number): Promise<number> {
    const batch: ChangelogRecord[] = [];
    for (let k = from; k < to; k++) {
      const r = records[k]!;
      if (r.key !== null) batch.push({ key: r.key, value: r.value, timestamp: r.timestamp, offset: r.offset });
    }
    if (batch.length > 0) await changelog.restore(batch);
    changelog.applied += batch.length;
    changelog.position = Math.max(changelog.position, records[to - 1]!.offset + 1);
    return batch.length;
  }

  // ------------------------------------------------------------ checkpoints and closing

  /** Flushes and checkpoints the standbys that applied records, once `intervalMs` has passed since the last time. */
  async maybeCheckpoint(intervalMs: number): Promise<void> {
    if (this.tasks.size === 0 || Date.now() - this.lastCheckpointAt < intervalMs) return;
    this.lastCheckpointAt = Date.now();
    for (const standby of this.tasks.values()) if (standby.dirty) await this.checkpoint(standby);
  }

  /**
   * Flushes the stores, then records where their changelogs were applied up to. A failure only
   * costs a longer restore later: it is logged.
   */
  private async checkpoint(standby: Standby): Promise<boolean> {
    standby.dirty = false;
    try {
      await standby.task.flush();
      const entries: CheckpointEntry[] = [];
      for (const c of standby.changelogs) {
        // The consumer's position also steps over transaction markers after the last record.
        c.position = Math.max(c.position, await this.consumer!.position(c.tp));
        if (c.persistent) entries.push({ ...c.tp, offset: c.position });
      }
      if (entries.length > 0) standby.checkpoint.writeIfChanged(entries);
      return true;
    } catch (err) {
      standby.dirty = true;
      this.d.logger.warn(`Checkpointing standby task ${standby.task.id} failed`, { error: describeError(err) });
      return false;
    }
  }

  /** Closes standbys: flushed, checkpointed, stores closed; their directories stay. */
  async close(taskIds: Iterable<string>, reason: string): Promise<void> {
    const closed: string[] = [];
    for (const id of taskIds) {
      const standby = this.tasks.get(id);
      if (!standby) continue;
      this.tasks.delete(id);
      await this.checkpoint(standby);
      for (const c of standby.changelogs) this.byPartition.delete(c.key);
      try {
        await standby.task.close();
      } catch (err) {
        this.d.logger.warn(`Closing standby task ${id} failed`, { error: describeError(err) });
      }
      closed.push(id);
    }
    if (closed.length === 0) return;
    this.reassign();
    this.d.logger.info(`Closed ${closed.length} standby task(s): ${reason}`, { tasks: closed });
  }

  /** Closes every standby and the consumer. */
  async shutdown(): Promise<void> {
    await this.close([...this.tasks.keys()], 'the app is stopping');
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.close();
  }

  // ------------------------------------------------------------ views for metrics and queries

  progress(): StandbyProgress[] {
    const out: StandbyProgress[] = [];
    for (const standby of this.tasks.values()) {
      for (const c of standby.changelogs) {
        let lag: number | null = null;
        try {
          lag = this.consumer?.currentLag(c.tp) ?? null;
        } catch {
          // not assigned any more
        }
        out.push({ taskId: c.taskId, store: c.store, topic: c.tp.topic, partition: c.tp.partition, position: c.position, lag, appliedRecords: c.applied });
      }
    }
    return out.sort((a, b) => a.taskId.localeCompare(b.taskId) || a.store.localeCompare(b.store));
  }

  /** The standby instances of store `name`, for queries that accept stale data. */
  storesNamed(name: string): StateStore[] {
    const out: StateStore[] = [];
    for (const standby of this.tasks.values()) {
      const store = standby.task.stores.get(name);
      if (store !== undefined) out.push(store);
    }
    return out;
  }
}
