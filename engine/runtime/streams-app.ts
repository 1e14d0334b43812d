/**
 * StreamsApp: runs a topology against real topics (Kafka Streams' KafkaStreams). It works on any
 * StorageClient, the embedded broker's or a RemoteClient on a Kafka cluster:
 *
 *   const app = new StreamsApp(builder.build(), { applicationId: 'orders' }, broker.client());
 *   app.onStateChange((s) => console.log(s));
 *   await app.start();             // internal topics created, group joined in the background
 *   await app.waitForState('RUNNING');
 *   app.store('counts').get('k');  // interactive query over this instance's tasks
 *   await app.close();             // commit, checkpoints, leave the group
 *
 * Instances with the same applicationId form one consumer group and share the partitions; each
 * task's state moves with it through its changelog topics. With `applicationServer` set, each
 * also learns the others' endpoints and tasks, so `queryMetadataForKey(...).activeHost` says
 * which instance to ask for a key. With `numStandbyReplicas`, other instances keep standby
 * copies of each task's logged stores, so the one taking a task over restores only a tail.
 */
import { partitionForKey } from '../../storage/broker/partitioner.js';
import type { Admin, StorageClient } from '../../storage/client/types.js';
import type { Serde } from '../serde/serde.js';
import { TopologyError, type SubTopology, type Topology } from '../topology/topology.js';
import { collectMetrics, type StreamsMetrics } from './app-metrics.js';
import { AppStateMachine, type AppState, type StateListener } from './app-state.js';
import { describeError, StreamsError } from './errors.js';
import type { HostInfo } from './host-info.js';
import { compositeView, type KeyQueryMetadata } from './interactive-queries.js';
import { prepareTopics, SourceRouter, TopicNamer, type TopicPlan } from './internal-topics.js';
import { StateDirectory } from './state-directory.js';
import { StreamThread } from './stream-thread.js';
import { resolveStreamsConfig, type ResolvedStreamsConfig, type StreamsConfig } from './streams-config.js';
import { StreamsMetadataState, type StreamsMetadata } from './streams-metadata.js';

export type { AppState, StateListener } from './app-state.js';
export type { StreamsMetrics } from './app-metrics.js';
export type { KeyQueryMetadata } from './interactive-queries.js';
export type { HostInfo } from './host-info.js';
export type { StreamsMetadata } from './streams-metadata.js';

export class StreamsApp {
  readonly config: ResolvedStreamsConfig;
  private readonly states: AppStateMachine;
  private readonly subs: SubTopology[];
  private readonly namer: TopicNamer;
  private readonly router: SourceRouter;
  private readonly metadata: StreamsMetadataState;
  private readonly stateDirectory: StateDirectory;
  private thread: StreamThread | null = null;
  private admin: Admin | null = null;
  private plan: TopicPlan | null = null;
  private stopped: Promise<void> | null = null;
  private starting: Promise<void> | null = null;
  private fatal: unknown = undefined;

  constructor(
    readonly topology: Topology,
    config: StreamsConfig,
    private readonly client: StorageClient,
  ) {
    this.config = resolveStreamsConfig(config);
    this.states = new AppStateMachine(this.config.logger);
    this.subs = topology.subTopologies();
    this.namer = new TopicNamer(this.config.applicationId, topology);
    this.router = new SourceRouter(this.subs, this.namer);
    this.metadata = new StreamsMetadataState({ topology, subs: this.subs, router: this.router, namer: this.namer, numStandbyReplicas: this.config.numStandbyReplicas, logger: this.config.logger });
    this.stateDirectory = new StateDirectory(this.config.stateDir, this.config.applicationId);
  }

  get state(): AppState {
    return this.states.state;
  }

  /** The error that put the app into ERROR, if any. */
  get error(): unknown {
    return this.fatal;
  }

  /** Calls `listener(newState, oldState)` on every transition; returns a function that removes it. */
  onStateChange(listener: StateListener): () => void {
    return this.states.onChange(listener);
  }

  /** Resolves once the app is in `state` (or one of them). */
  waitForState(state: AppState | readonly AppState[], timeoutMs = 30_000): Promise<AppState> {
    return this.states.waitFor(typeof state === 'string' ? [state] : state, timeoutMs);
  }

  /**
   * Prepares topics and starts processing in the background. Throws (and the app goes to ERROR)
   * when the topology cannot run: missing source topics, topics that are not co-partitioned,
   * internal topics of the wrong size, a state directory in use.
   */
  start(): Promise<void> {
    if (this.states.state !== 'CREATED') throw new StreamsError('STREAMS_ILLEGAL_STATE', `start() may be called once, on a new app; this app is ${this.states.state}.`);
    if (this.subs.length === 0) throw new TopologyError('The topology has no source nodes: add a source (builder.stream(...) or addSource) before starting it.');
    this.states.transition('REBALANCING');
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    try {
      this.stateDirectory.lock();
      const processId = this.stateDirectory.processId();
      this.admin = this.client.admin();
      this.plan = await prepareTopics(this.topology, this.subs, this.namer, this.router, this.admin, this.config.replicationFactor, this.config.logger);
      await this.learnSinkPartitions(this.plan);
      // close() was called meanwhile: it waits for this, then finds no thread to stop.
      if (this.states.isShuttingDown()) return;
      this.thread = new StreamThread({
        config: this.config,
        topology: this.topology,
        subs: this.subs,
        plan: this.plan,
        namer: this.namer,
        router: this.router,
        client: this.client,
        admin: this.admin,
        stateDirectory: this.stateDirectory,
        processId,
        states: this.states,
        metadata: this.metadata,
        onFatal: (err) => void this.stopWithError(err),
      });
      await this.thread.start();
    } catch (err) {
      if (this.states.isShuttingDown()) throw err;
      this.fatal = err;
      this.states.transition('PENDING_ERROR');
      await this.thread?.shutdown(err).catch(() => undefined);
      await this.release();
      this.states.transition('ERROR');
      throw err;
    }
  }

  /** Sinks with a partitioner need their topics' partition counts synchronously. */
  private async learnSinkPartitions(plan: TopicPlan): Promise<void> {
    const sinks = new Set(this.subs.flatMap((s) => s.sinkTopics.map((t) => this.namer.topicName(t))).filter((t) => !plan.partitionCounts.has(t)));
    if (sinks.size === 0) return;
    const existing = new Set(await this.admin!.listTopics());
    const known = [...sinks].filter((t) => existing.has(t));
    if (known.length === 0) return;
    for (const t of await this.admin!.describeTopics(known)) plan.partitionCounts.set(t.name, t.partitions.length);
  }

  private stopWithError(err: unknown): Promise<void> {
    if (this.stopped) return this.stopped;
    this.fatal = err;
    this.config.logger.error(`Processing failed; the app stops: ${describeError(err)}`);
    this.states.transition('PENDING_ERROR');
    this.stopped = (async () => {
      await this.thread?.shutdown(err);
      await this.release();
      this.states.transition('ERROR');
    })();
    return this.stopped;
  }

  private async release(): Promise<void> {
    try {
      await this.admin?.close();
    } catch (err) {
      this.config.logger.warn(`Closing the admin client failed: ${describeError(err)}`);
    }
    this.stateDirectory.unlock();
  }

  /**
   * Stops gracefully: commits, closes the tasks (writing checkpoints), leaves the group.
   * Resolves true when that finished within `timeoutMs` (the shutdown continues otherwise).
   */
  async close(options: { timeoutMs?: number } = {}): Promise<boolean> {
    if (!this.stopped) {
      if (this.states.state === 'CREATED') {
        this.states.transition('PENDING_SHUTDOWN');
        this.states.transition('NOT_RUNNING');
        return true;
      }
      if (this.states.state === 'ERROR') return true;
      this.states.transition('PENDING_SHUTDOWN');
      this.stopped = (async () => {
        await this.starting?.catch(() => undefined);
        await this.thread?.shutdown();
        await this.release();
        this.states.transition('NOT_RUNNING');
      })();
    }
    const timeoutMs = options.timeoutMs ?? Number.MAX_SAFE_INTEGER;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.min(timeoutMs, 2 ** 31 - 1));
    });
    try {
      return await Promise.race([this.stopped.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  metrics(): StreamsMetrics {
    return collectMetrics(this.states.state, this.thread);
  }

  // ------------------------------------------------------------ interactive queries

  /**
   * A read-only view of a store over the tasks this instance runs (ReadOnlyKeyValueStore,
   * ReadOnlyWindowStore or ReadOnlySessionStore, by the store's kind), or of a global store.
   * Restoring tasks are not included; calls throw STORE_NOT_QUERYABLE while the app is not
   * running or rebalancing. With `enableStaleStores` (Kafka's StoreQueryParameters option of
   * that name) the view also reads this instance's standby tasks, whose data may lag the active
   * task's. Restoring tasks stay out even then: a read would fill their cache with values the
   * restore is about to replace underneath it.
   */
  store<S = unknown>(name: string, options: { enableStaleStores?: boolean } = {}): S {
    const entry = this.topology.stores.get(name);
    if (!entry) throw new StreamsError('STORE_NOT_QUERYABLE', `The topology has no state store named '${name}'. Stores: ${[...this.topology.stores.keys()].join(', ') || 'none'}.`);
    const stale = options.enableStaleStores === true;
    const instances = () => {
      const s = this.states.state;
      if (s !== 'RUNNING' && s !== 'REBALANCING') throw new StreamsError('STORE_NOT_QUERYABLE', `State store '${name}' cannot be queried while the app is ${s}; wait for RUNNING.`);
      if (entry.global) return this.thread?.globals.stores.has(name) ? [this.thread.globals.stores.get(name)!] : [];
      // The thread fills in its task managers while it starts (global stores first).
      const active = (this.thread?.tasks?.runningTasks() ?? []).map((t) => t.task.stores.get(name)).filter((x) => x !== undefined);
      return stale ? [...active, ...(this.thread?.standbys?.storesNamed(name) ?? [])] : active;
    };
    return compositeView(entry.builder.kind, instances) as S;
  }

  /**
   * Where `key` of a store lives: its partition and task, whether this instance holds it, and
   * the `applicationServer` of the instance that does (`activeHost`; null until the first
   * rebalance has been described, while the app is not running, or when that instance set no
   * applicationServer), and of the instances keeping standbys of its task (`standbyHosts`,
   * those with an applicationServer). A global store's keys are on every instance: this one answers.
   */
  queryMetadataForKey<K>(storeName: string, key: K, keySerde: Serde<K>): KeyQueryMetadata {
    if (this.plan === null) throw new StreamsError('STREAMS_ILLEGAL_STATE', 'Key metadata is known once the app has started.');
    const self = this.config.applicationServer;
    if (this.topology.stores.get(storeName)?.global) return { activeHost: copyHost(self), standbyHosts: [], partition: -1, taskId: null, isLocal: true };
    const sub = this.subs.find((s) => s.stores.includes(storeName));
    if (!sub) throw this.unknownStore(storeName);
    const partitions = this.plan.taskCounts.get(sub.id)!;
    const bytes = keySerde.serialize(this.namer.changelogTopic(storeName) ?? storeName, key);
    if (bytes === null) throw new StreamsError('STORE_NOT_QUERYABLE', 'A null key has no partition.');
    const partition = partitionForKey(bytes, partitions);
    const taskId = `${sub.id}_${partition}`;
    const isLocal = this.thread?.runningTask(taskId) !== undefined;
    // A task running here is the freshest fact there is; the group view may predate it.
    const activeHost = isLocal && self !== null ? self : this.metadata.hostOfTask(taskId);
    const standbyHosts = this.metadata.standbyHostsOfTask(taskId).filter((h) => !(isLocal && self !== null && h.host === self.host && h.port === self.port));
    return { activeHost: copyHost(activeHost), standbyHosts, partition, taskId, isLocal };
  }

  /**
   * Every instance of this application that set an `applicationServer`, with the stores and
   * input partitions of the tasks it runs and of those it keeps standbys of, as of the last
   * rebalance (Kafka Streams' metadataForAllStreamsClients). Empty until the first rebalance
   * has been described.
   */
  metadataForAllStreamsClients(): StreamsMetadata[] {
    this.requireRunningOrRebalancing('metadataForAllStreamsClients()');
    return this.metadata.all();
  }

  /** The instances (with an `applicationServer`) holding store `storeName`, actively or as a standby: all of them for a global store. */
  streamsMetadataForStore(storeName: string): StreamsMetadata[] {
    this.requireRunningOrRebalancing('streamsMetadataForStore()');
    if (!this.topology.stores.has(storeName)) throw this.unknownStore(storeName);
    return this.metadata.forStore(storeName);
  }

  private unknownStore(name: string): StreamsError {
    return new StreamsError('STORE_NOT_QUERYABLE', `No sub-topology of this app has a state store named '${name}'. Stores: ${[...this.topology.stores.keys()].join(', ') || 'none'}.`);
  }

  private requireRunningOrRebalancing(what: string): void {
    const s = this.states.state;
    if (s !== 'RUNNING' && s !== 'REBALANCING') throw new StreamsError('STREAMS_ILLEGAL_STATE', `${what} needs a running app; this app is ${s}.`);
  }
}

function copyHost(h: HostInfo | null): HostInfo | null {
  return h === null ? null : { ...h };
}
