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
 * in Kafka. There are no standby tasks in Freshet, so standby lists are always empty.
 */
import type { GroupInfo, TopicPartition } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import { tpKey } from '../../storage/types.js';
import type { SubTopology, Topology } from '../topology/topology.js';
import { describeError } from './errors.js';
import { formatHostInfo, type HostInfo } from './host-info.js';
import type { SourceRouter } from './internal-topics.js';
import { decodeSubscriptionInfo } from './subscription-info.js';

export type { HostInfo } from './host-info.js';

/** One instance of the application, as every instance sees it. */
export interface StreamsMetadata {
  /** Its `applicationServer`. */
  hostInfo: HostInfo;
  /** Stores of the tasks it runs, and every global store. Sorted. */
  stateStoreNames: string[];
  /** The input partitions (source and repartition topics) assigned to it. Sorted. */
  topicPartitions: TopicPartition[];
  /** Always empty: Freshet has no standby tasks. */
  standbyStateStoreNames: string[];
  /** Always empty: Freshet has no standby tasks. */
  standbyTopicPartitions: TopicPartition[];
}

interface MemberView {
  memberId: string;
  endpoint: HostInfo | null;
  partitions: TopicPartition[];
  /** Task ids (`<sub-topology>_<partition>`) its partitions make. */
  tasks: Set<string>;
}

export interface MetadataDeps {
  topology: Topology;
  subs: readonly SubTopology[];
  router: SourceRouter;
  logger: Logger;
}

export class StreamsMetadataState {
  private members: MemberView[] | null = null;
  private stale = true;

  constructor(private readonly d: MetadataDeps) {}

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
    this.members = group.members.map((m) => ({
      memberId: m.memberId,
      endpoint: this.endpointOf(m.memberId, m.subscriptionUserData),
      partitions: [...m.assignment].sort(byTopicPartition),
      tasks: this.tasksOf(m.assignment),
    }));
    this.stale = false;
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
    this.stale = true;
  }

  private endpointOf(memberId: string, userData: Buffer | null): HostInfo | null {
    if (userData === null) return null;
    try {
      return decodeSubscriptionInfo(userData).endpoint;
    } catch (err) {
      this.d.logger.warn(`Ignoring the endpoint of group member ${memberId}: ${describeError(err)}`);
      return null;
    }
  }

  private tasksOf(partitions: readonly TopicPartition[]): Set<string> {
    const out = new Set<string>();
    for (const tp of partitions) {
      const route = this.d.router.route(tp.topic);
      if (route) out.add(`${route.subId}_${tp.partition}`);
    }
    return out;
  }

  private globalStoreNames(): string[] {
    return this.d.topology.globalStores().map((s) => s.builder.name);
  }

  private metadataOf(m: MemberView & { endpoint: HostInfo }): StreamsMetadata {
    const stores = new Set(this.globalStoreNames());
    for (const task of m.tasks) {
      const subId = Number(task.slice(0, task.indexOf('_')));
      for (const s of this.d.subs.find((x) => x.id === subId)?.stores ?? []) stores.add(s);
    }
    return { hostInfo: { ...m.endpoint }, stateStoreNames: [...stores].sort(), topicPartitions: m.partitions.map((tp) => ({ ...tp })), standbyStateStoreNames: [], standbyTopicPartitions: [] };
  }

  /** Every instance with an endpoint, sorted by host and port. */
  all(): StreamsMetadata[] {
    const withEndpoint = (this.members ?? []).filter((m): m is MemberView & { endpoint: HostInfo } => m.endpoint !== null);
    return withEndpoint.map((m) => this.metadataOf(m)).sort((a, b) => formatHostInfo(a.hostInfo).localeCompare(formatHostInfo(b.hostInfo)));
  }

  /** The instances holding store `name` (all of them for a global store). */
  forStore(name: string): StreamsMetadata[] {
    return this.all().filter((m) => m.stateStoreNames.includes(name));
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

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

function keySet(partitions: readonly TopicPartition[]): string {
  return partitions
    .map((tp) => tpKey(tp.topic, tp.partition))
    .sort()
    .join('\u0000');
}
