/**
 * A standby task (Kafka Streams' StandbyTask): a copy of another instance's task's logged
 * stores, kept current by applying the task's changelog records through the stores' restore
 * callbacks, the way a restoring task catches up, except that it never stops. It has no
 * processors, reads no input, forwards and writes nothing.
 *
 * The stores open in the task's own directory, `<stateDir>/<app>/<task>/`, as the active task
 * would open them, so when this instance later runs the task actively it finds them there with
 * a checkpoint, and restores only what the standby had not applied. Caching is off: restore
 * writes go below the cache, and a cached read would keep answering an old value.
 */
import type { RestoreCallback, StateStore, StateStoreContext } from '../../storage/state/state-store.js';
import type { SubTopology, Topology } from '../topology/topology.js';
import { StreamsError } from './errors.js';

export interface StandbyTaskConfig {
  applicationId: string;
  subTopology: SubTopology;
  topology: Topology;
  partition: number;
  /** `<stateDir>/<app>/<task>`: the same directory the active task uses. */
  taskDir: string;
  /** The full changelog topic of a store (null: logging off). */
  changelogTopic(storeName: string): string | null;
  defaultKeySerde: StateStoreContext['defaultKeySerde'];
  defaultValueSerde: StateStoreContext['defaultValueSerde'];
}

export interface StandbyChangelog {
  store: StateStore;
  topic: string;
  restore: RestoreCallback;
}

export class StandbyTask {
  readonly id: string;
  /** The task's logged stores, by name (stores without a changelog have nothing to follow). */
  readonly stores = new Map<string, StateStore>();
  private readonly restores = new Map<string, RestoreCallback>();

  constructor(readonly config: StandbyTaskConfig) {
    this.id = `${config.subTopology.id}_${config.partition}`;
  }

  get partition(): number {
    return this.config.partition;
  }

  /** Opens the logged stores; a store that fails to open closes the ones opened before it. */
  async initializeStores(): Promise<void> {
    const context = new StandbyStoreContext(this);
    try {
      for (const name of this.config.subTopology.stores) {
        if (this.config.changelogTopic(name) === null) continue;
        const store = this.config.topology.stores.get(name)!.builder.build();
        await store.init(context, store);
        this.stores.set(name, store);
      }
    } catch (err) {
      await this.close().catch(() => undefined);
      throw err;
    }
  }

  registerRestore(store: StateStore, restore: RestoreCallback): void {
    this.restores.set(store.name, restore);
  }

  /** Each logged store with its changelog topic and the callback that applies its records. */
  changelogs(): StandbyChangelog[] {
    const out: StandbyChangelog[] = [];
    for (const [name, restore] of this.restores) {
      const topic = this.config.changelogTopic(name);
      const store = this.stores.get(name);
      if (topic !== null && store !== undefined) out.push({ store, topic, restore });
    }
    return out;
  }

  /** Writes applied records down (persistent stores), before a checkpoint records them. */
  async flush(): Promise<void> {
    for (const store of this.stores.values()) await store.flush();
  }

  async close(): Promise<void> {
    const stores = [...this.stores.values()];
    this.stores.clear();
    let failure: unknown;
    for (const store of stores) {
      try {
        await store.close();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** What a standby's stores see of their task: its directory and changelogs, and no processing. */
class StandbyStoreContext implements StateStoreContext {
  constructor(private readonly task: StandbyTask) {}

  get applicationId(): string {
    return this.task.config.applicationId;
  }

  get taskId(): string {
    return this.task.id;
  }

  get stateDir(): string {
    return this.task.config.taskDir;
  }

  get partition(): number {
    return this.task.partition;
  }

  get cacheMaxBytes(): number {
    return 0;
  }

  changelogTopic(storeName: string): string | null {
    return this.task.config.changelogTopic(storeName);
  }

  register(store: StateStore, restore: RestoreCallback): void {
    this.task.registerRestore(store, restore);
  }

  logChange(storeName: string): void {
    throw new StreamsError('STREAMS_ILLEGAL_STATE', `Store '${storeName}' of standby task ${this.task.id} was written to; a standby only applies its changelog. Query standby stores read-only.`);
  }

  streamTime(): number {
    return -1;
  }

  recordTimestamp(): number {
    return -1;
  }

  get defaultKeySerde(): StateStoreContext['defaultKeySerde'] {
    return this.task.config.defaultKeySerde;
  }

  get defaultValueSerde(): StateStoreContext['defaultValueSerde'] {
    return this.task.config.defaultValueSerde;
  }
}
