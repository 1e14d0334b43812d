/**
 * What start() settles about topics before any task runs: how many tasks each sub-topology has,
 * which internal topics exist with how many partitions (repartition topics take the partition
 * count of the sub-topology writing them, changelogs one partition per task), whether the
 * topics a sub-topology reads together are co-partitioned, and what the group subscribes to.
 */
import type { Admin } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import { internalTopicPartitions } from '../topology/internal-partitions.js';
import { TopologyError, type OffsetReset, type SubTopology, type Topology } from '../topology/topology.js';

/** Kafka's changelog default: compacted, so a restore reads each key's last value. */
const CHANGELOG_DEFAULTS: Record<string, string> = { 'cleanup.policy': 'compact' };

export interface ChangelogTopic {
  store: string;
  topic: string;
  partitions: number;
}

export interface TopicPlan {
  /** Tasks (partitions) per sub-topology id. */
  taskCounts: Map<number, number>;
  /** Partition counts of every topic the plan looked at, by actual name. */
  partitionCounts: Map<string, number>;
  /** Changelog topics by store name. */
  changelogs: Map<string, ChangelogTopic>;
  /** Actual names of the repartition topics (their consumed records get purged). */
  repartitionTopics: Set<string>;
}

/** Names an application gives its topology's topics. */
export class TopicNamer {
  constructor(
    readonly applicationId: string,
    private readonly topology: Topology,
  ) {}

  /** The actual name of a topology topic: internal topics get the application id prefix. */
  topicName(name: string): string {
    return this.topology.internalTopics.has(name) ? `${this.applicationId}-${name}` : name;
  }

  changelogTopic(store: string): string | null {
    const entry = this.topology.stores.get(store);
    if (!entry || entry.global || !entry.builder.loggingEnabled) return null;
    return `${this.applicationId}-${store}-changelog`;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Kafka matches source patterns against the whole topic name. */
function fullMatch(pattern: RegExp, topic: string): boolean {
  const re = new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
  return re.test(topic);
}

/**
 * Routes consumed topic-partitions to sub-topologies and builds the group subscription: a list
 * of names, or, when a source has a pattern, one RegExp matching the named topics exactly or a
 * pattern fully, never this application's own changelogs (a `.*` source must not read them).
 */
export class SourceRouter {
  private readonly byTopic = new Map<string, { subId: number; sourceName: string; offsetReset: OffsetReset | undefined }>();
  private readonly patterns: { subId: number; sourceName: string; offsetReset: OffsetReset | undefined; pattern: RegExp }[] = [];

  constructor(
    subs: readonly SubTopology[],
    private readonly namer: TopicNamer,
  ) {
    for (const sub of subs) {
      for (const node of sub.nodes) {
        if (node.kind !== 'source') continue;
        const offsetReset = node.options.offsetReset;
        for (const t of node.topics) this.byTopic.set(namer.topicName(t), { subId: sub.id, sourceName: node.name, offsetReset });
        if (node.pattern) this.patterns.push({ subId: sub.id, sourceName: node.name, offsetReset, pattern: node.pattern });
      }
    }
  }

  get hasPatterns(): boolean {
    return this.patterns.length > 0;
  }

  /** The sub-topology and source node reading `topic`, or null. */
  route(topic: string): { subId: number; sourceName: string; byPattern: boolean; offsetReset: OffsetReset | undefined } | null {
    const named = this.byTopic.get(topic);
    if (named) return { ...named, byPattern: false };
    if (this.isOwnChangelog(topic)) return null;
    for (const p of this.patterns) if (fullMatch(p.pattern, topic)) return { subId: p.subId, sourceName: p.sourceName, offsetReset: p.offsetReset, byPattern: true };
    return null;
  }

  private isOwnChangelog(topic: string): boolean {
    return topic.startsWith(`${this.namer.applicationId}-`) && topic.endsWith('-changelog');
  }

  namedTopics(): string[] {
    return [...this.byTopic.keys()].sort();
  }

  subscription(): string[] | RegExp {
    if (this.patterns.length === 0) return this.namedTopics();
    const flags = new Set(this.patterns.map((p) => p.pattern.flags.replace(/[gy]/g, '')));
    if (flags.size > 1) throw new TopologyError(`Source patterns ${this.patterns.map((p) => String(p.pattern)).join(', ')} use different flags; one subscription cannot combine them. Use the same flags on all.`);
    const named = this.namedTopics().map(escapeRegExp);
    const notChangelog = `(?!${escapeRegExp(this.namer.applicationId)}-.*-changelog$)`;
    const alternatives = [...(named.length > 0 ? [`^(?:${named.join('|')})$`] : []), ...this.patterns.map((p) => `^${notChangelog}(?:${p.pattern.source})$`)];
    return new RegExp(alternatives.join('|'), [...flags][0]);
  }
}

interface TopicInfo {
  partitions: number;
}

async function describeExisting(admin: Admin, names: string[]): Promise<Map<string, TopicInfo>> {
  const out = new Map<string, TopicInfo>();
  if (names.length === 0) return out;
  for (const t of await admin.describeTopics(names)) out.set(t.name, { partitions: t.partitions.length });
  return out;
}

/**
 * Works out partition counts, creates the internal topics that are missing (and checks those
 * that exist), and checks co-partitioning. Throws a TopologyError naming topics and counts.
 */
export async function prepareTopics(topology: Topology, subs: readonly SubTopology[], namer: TopicNamer, router: SourceRouter, admin: Admin, replicationFactor: number, logger: Logger): Promise<TopicPlan> {
  const existing = new Set(await admin.listTopics());
  const internalNames = new Set([...topology.internalTopics.keys()]);
  const globalTopics = topology.globalStores().map((g) => g.global!.topic);
  const external = [...new Set([...subs.flatMap((s) => s.sourceTopics.filter((t) => !internalNames.has(t))), ...globalTopics])];
  const missing = external.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new TopologyError(`Source topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of application '${namer.applicationId}' do${missing.length > 1 ? '' : 'es'} not exist: create ${missing.length > 1 ? 'them' : 'it'} before starting the app.`);
  }
  const patternMatched = [...existing].filter((t) => !external.includes(t) && router.route(t)?.byPattern === true);
  const counts = new Map<string, number>();
  for (const [name, info] of await describeExisting(admin, [...external, ...patternMatched])) counts.set(name, info.partitions);

  // Internal topics: co-partitioned with the external topics read beside them, else sized like
  // the sub-topologies writing them (Kafka's rules; see internalTopicPartitions).
  const patternInputs = (sub: SubTopology): number => {
    let n = 0;
    for (const t of patternMatched) if (router.route(t)?.subId === sub.id) n = Math.max(n, counts.get(t) ?? 0);
    return n;
  };
  const internalCount = internalTopicPartitions(topology, (t) => counts.get(t) ?? 0, patternInputs);
  const subInputs = (sub: SubTopology): number => {
    let n = patternInputs(sub);
    for (const t of sub.sourceTopics) n = Math.max(n, internalNames.has(t) ? (internalCount.get(t) ?? 0) : (counts.get(t) ?? 0));
    return n;
  };

  const taskCounts = new Map<number, number>();
  for (const sub of subs) {
    const named = sub.sourceTopics.map((t) => ({ topic: namer.topicName(t), partitions: internalNames.has(t) ? (internalCount.get(t) ?? 1) : counts.get(t)! }));
    const n = Math.max(1, ...named.map((x) => x.partitions));
    const odd = named.filter((x) => x.partitions !== n);
    if (odd.length > 0) {
      throw new TopologyError(`Topics ${named.map((x) => `${x.topic} (${x.partitions} partitions)`).join(', ')} are read together by sub-topology ${sub.id} (joined or merged) but are not co-partitioned: give them the same number of partitions, or repartition one of them.`);
    }
    taskCounts.set(sub.id, Math.max(n, subInputs(sub), 1));
  }

  // The topics to have: repartition/internal ones and the changelogs.
  const wanted: { name: string; partitions: number; configs: Record<string, string>; kind: string }[] = [];
  const repartitionTopics = new Set<string>();
  for (const [name, t] of topology.internalTopics) {
    const actual = namer.topicName(name);
    if (t.kind === 'repartition') repartitionTopics.add(actual);
    wanted.push({ name: actual, partitions: internalCount.get(name) ?? 1, configs: { ...t.configs }, kind: t.kind });
  }
  const changelogs = new Map<string, ChangelogTopic>();
  for (const sub of subs) {
    for (const store of sub.stores) {
      const topic = namer.changelogTopic(store);
      if (topic === null) continue;
      const partitions = taskCounts.get(sub.id)!;
      changelogs.set(store, { store, topic, partitions });
      wanted.push({ name: topic, partitions, configs: { ...CHANGELOG_DEFAULTS, ...topology.stores.get(store)!.builder.logConfig }, kind: 'changelog' });
    }
  }

  const toCreate = wanted.filter((w) => !existing.has(w.name));
  for (const w of toCreate) {
    try {
      await admin.createTopics([{ name: w.name, partitions: w.partitions, ...(replicationFactor > 0 ? { replicationFactor } : {}), configs: w.configs }]);
      logger.info(`Created ${w.kind} topic ${w.name} with ${w.partitions} partition${w.partitions === 1 ? '' : 's'}`);
    } catch (err) {
      // Another instance of the app may have created it meanwhile; the check below decides.
      if ((err as { code?: string }).code !== 'TOPIC_ALREADY_EXISTS') throw err;
    }
  }
  const actual = await describeExisting(admin, wanted.map((w) => w.name));
  for (const w of wanted) {
    const have = actual.get(w.name)?.partitions;
    if (have !== w.partitions) {
      throw new TopologyError(`Internal topic ${w.name} has ${have ?? 'no'} partitions but the topology needs ${w.partitions}: the input topics changed size since it was created. Reset the application (delete its internal topics) or restore the input partition counts.`);
    }
    counts.set(w.name, w.partitions);
  }
  return { taskCounts, partitionCounts: counts, changelogs, repartitionTopics };
}
