/**
 * Which app instance runs which tasks (Kafka Streams' StreamsMetadataState), for interactive
 * queries across instances. Each instance puts its `applicationServer` endpoint into its group
 * subscription (subscription-info.ts); after every rebalance the stream thread describes the
 * group and hands the result here, so every instance knows every member's endpoint and
 * partitions. Java's Streams sends that map inside the assignment instead; describing the group
 * gets the same from the assignment the 'range' assignor already made, with no assignor of our
 * own. Between rebalances the last settled view stays (as in Kafka), and a describe that catches
 * the group mid-rebalance is ignored: the thread tries again.
 *
 * Instances without an endpoint run tasks like any other but are left out of the metadata, as
 * in Kafka. Each settled view also places the standby tasks (standby-placement.ts): every
 * instance derives the same placement from the same view, keeps the standbys placed on itself,
 * and reports everyone's in the metadata.
 */
import type { GroupInfo, TopicPartition } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import { tpKey } from '../../storage/types.js';
import type { SubTopology, Topology } from '../topology/topology.js';
import { describeError } from './errors.js';
import { formatHostInfo, type HostInfo } from './host-info.js';
import type { SourceRouter, TopicNamer } from './internal-topics.js';
import { placeStandbys } from './standby-placement.js';
import { decodeSubscriptionInfo, type SubscriptionInfo } from './subscription-info.js';

export type { HostInfo } from './host-info.js';

/** One instance of the application, as every instance sees it. */
export interface StreamsMetadata {
  /** Its `applicationServer`. */
  hostInfo: HostInfo;
  /** Stores of the tasks it runs, and every global store. Sorted. */
  stateStoreNames: string[];
  /** The input partitions (source and repartition topics) assigned to it. Sorted. */
  topicPartitions: TopicPartition[];
  /** Logged stores of the standby tasks it keeps (num.standby.replicas). Sorted. */
  standbyStateStoreNames: string[];
  /** The input partitions of the tasks it keeps standbys of. Sorted. */
  standbyTopicPartitions: TopicPartition[];
}

interface MemberView {
  memberId: string;
  processId: string | null;
  endpoint: HostInfo | null;
  partitions: TopicPartition[];
  /** Task ids (`<sub-topology>_<partition>`) its partitions make. */
  tasks: Set<string>;
  /** Task ids it keeps standbys of. */
  standbys: Set<string>;
}

export interface MetadataDeps {
  topology: Topology;
  subs: readonly SubTopology[];
  router: SourceRouter;
  namer: TopicNamer;
  numStandbyReplicas: number;
  logger: Logger;
}

export class StreamsMetadataState {
  private members: MemberView[] | null = null;
  private stale = true;
  /** Input partitions per task id, as the settled view assigns them. */
  private inputsByTask = new Map<string, TopicPartition[]>();
  /** Logged stores per sub-topology id: what a standby of its tasks keeps. */
  private readonly loggedStores: Map<number, string[]>;
  /** Counts the settled views kept, so a reader can tell the placement may have changed. */
  version = 0;

  constructor(private readonly d: MetadataDeps) {
    this.loggedStores = new Map(d.subs.map((s) => [s.id, s.stores.filter((name) => d.namer.changelogTopic(name) !== null)]));
  }

  /** Whether the view may be behind the group: nothing settled yet, or a describe came too early. */
  get needsRefresh(): boolean {
    return this.stale;
  }

  /**
   * Takes a described group. Kept only when it is settled: Stable, with this member holding
   * exactly what its consumer holds (otherwise a newer rebalance has begun, or the describe
   * predates this one). Returns whether it was kept.
   */
  update(group: GroupInfo | undefined, own: { memberId: string; assignment: readonly TopicPartition[] }): boolean {
    if (group === undefined || group.state !== 'Stable') return this.keepStale();
    const me = group.members.find((m) => m.memberId === own.memberId);
    if (me === undefined || keySet(me.assignment) !== keySet(own.assignment)) return this.keepStale();
    const members: MemberView[] = group.members.map((m) => {
      const info = this.infoOf(m.memberId, m.subscriptionUserData);
      return { memberId: m.memberId, processId: info.processId, endpoint: info.endpoint, partitions: [...m.assignment].sort(byTopicPartition), tasks: this.tasksOf(m.assignment), standbys: new Set() };
    });
    this.inputsByTask = new Map();
    for (const m of members) {
      for (const tp of m.partitions) {
        const task = this.taskOf(tp);
        if (task === null) continue;
        let list = this.inputsByTask.get(task);
        if (!list) this.inputsByTask.set(task, (list = []));
        list.push(tp);
      }
    }
    const stateful = [...this.inputsByTask.keys()].filter((task) => (this.loggedStores.get(subOf(task))?.length ?? 0) > 0).sort();
    const placement = placeStandbys(
      members.map((m) => ({ memberId: m.memberId, processId: m.processId, active: m.tasks })),
      stateful,
      this.d.numStandbyReplicas,
    );
    for (const m of members) m.standbys = placement.get(m.memberId) ?? new Set();
    this.members = members;
    this.stale = false;
    this.version++;
    return true;
  }

  private keepStale(): false {
    this.stale = true;
    return false;
  }

  /** The view may be behind (a describe failed): keep it, but refresh. */
  invalidate(): void {
    this.stale = true;
  }

  /** Forgets everything: the app stopped and no longer follows the group. */
  clear(): void {
    this.members = null;
    this.inputsByTask = new Map();
    this.stale = true;
  }

  private infoOf(memberId: string, userData: Buffer | null): SubscriptionInfo {
    if (userData === null) return { endpoint: null, processId: null };
    try {
      return decodeSubscriptionInfo(userData);
    } catch (err) {
      this.d.logger.warn(`Ignoring the subscription info of group member ${memberId}: ${describeError(err)}`);
      return { endpoint: null, processId: null };
    }
  }

  private taskOf(tp: TopicPartition): string | null {
    const route = this.d.router.route(tp.topic);
    return route ? `${route.subId}_${tp.partition}` : null;
  }

  private tasksOf(partitions: readonly TopicPartition[]): Set<string> {
    const out = new Set<string>();
    for (const tp of partitions) {
      const task = this.taskOf(tp);
      if (task !== null) out.add(task);
    }
    return out;
  }

  private globalStoreNames(): string[] {
    return this.d.topology.globalStores().map((s) => s.builder.name);
  }

  private metadataOf(m: MemberView & { endpoint: HostInfo }): StreamsMetadata {
    const stores = new Set(this.globalStoreNames());
    for (const task of m.tasks) {
      for (const s of this.d.subs.find((x) => x.id === subOf(task))?.stores ?? []) stores.add(s);
    }
    const standbyStores = new Set<string>();
    const standbyPartitions: TopicPartition[] = [];
    for (const task of m.standbys) {
      for (const s of this.loggedStores.get(subOf(task)) ?? []) standbyStores.add(s);
      for (const tp of this.inputsByTask.get(task) ?? []) standbyPartitions.push({ ...tp });
    }
    return {
      hostInfo: { ...m.endpoint },
      stateStoreNames: [...stores].sort(),
      topicPartitions: m.partitions.map((tp) => ({ ...tp })),
      standbyStateStoreNames: [...standbyStores].sort(),
      standbyTopicPartitions: standbyPartitions.sort(byTopicPartition),
    };
  }

  private withEndpoint(): (MemberView & { endpoint: HostInfo })[] {
    return (this.members ?? []).filter((m): m is MemberView & { endpoint: HostInfo } => m.endpoint !== null);
  }

  /** Every instance with an endpoint, sorted by host and port. */
  all(): StreamsMetadata[] {
    return this.withEndpoint()
      .map((m) => this.metadataOf(m))
      .sort((a, b) => formatHostInfo(a.hostInfo).localeCompare(formatHostInfo(b.hostInfo)));
  }

  /** The instances holding store `name`, actively or as a standby (all of them for a global store). */
  forStore(name: string): StreamsMetadata[] {
    return this.all().filter((m) => m.stateStoreNames.includes(name) || m.standbyStateStoreNames.includes(name));
  }

  /** The tasks the settled view places as standbys on member `memberId`. */
  standbyTasksOf(memberId: string): ReadonlySet<string> {
    return this.members?.find((m) => m.memberId === memberId)?.standbys ?? new Set();
  }

  /** The endpoints of the instances keeping a standby of task `taskId`, sorted by host and port. */
  standbyHostsOfTask(taskId: string): HostInfo[] {
    return this.withEndpoint()
      .filter((m) => m.standbys.has(taskId))
      .map((m) => ({ ...m.endpoint }))
      .sort((a, b) => formatHostInfo(a).localeCompare(formatHostInfo(b)));
  }

  /**
   * The endpoint of the instance running task `taskId`; null when no settled view has it, or
   * its instance set no endpoint.
   */
  hostOfTask(taskId: string): HostInfo | null {
    const owner = this.members?.find((m) => m.tasks.has(taskId));
    return owner?.endpoint ?? null;
  }
}

function subOf(taskId: string): number {
  return Number(taskId.slice(0, taskId.indexOf('_')));
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

function keySet(partitions: readonly TopicPartition[]): string {
  return partitions
    .map((tp) => tpKey(tp.topic, tp.partition))
    .sort()
    .join('\u0000');
}
