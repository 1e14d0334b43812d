/**
 * The remote admin client, on the library's Admin. Most calls map one to one; three are sent
 * as single requests instead: CreateTopics (the library's call has one partition count for all
 * topics and no validateOnly), DescribeGroups (the library re-decodes member assignments with
 * only the v0 layout; Freshet's codec reads every version, and the subscription's user data too)
 * and the group offsets with lag.
 */
import { Admin as LibraryAdmin, ConfigResourceTypes, ConfigSources, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import type { createTopicsV7, describeGroupsV5, metadataV12 } from '@platformatic/kafka';
import { KafkaError } from '../errors.js';
import type { ConfigEntry, ConfigSource } from '../log/log-config.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type IsolationLevel } from '../types.js';
import type { Admin, ConfigResource, GroupInfo, GroupOffsetInfo, NewTopic, OffsetSpec, TopicInfo } from '../client/types.js';
import { groupMemberInfo } from '../client/group-member.js';
import type { ResolvedRemoteConfig } from './config.js';
import { libraryOptions } from './config.js';
import { errorFromCode, toKafkaError } from './errors.js';
import { listOffsets } from './list-offsets.js';
import { Wire } from './wire.js';

type CreateTopicsResponse = createTopicsV7.CreateTopicsResponse;
type DescribeGroupsResponse = describeGroupsV5.DescribeGroupsResponse;
type MetadataResponse = metadataV12.MetadataResponse;

function specTimestamp(spec: OffsetSpec): number {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP;
  if (spec === 'latest') return LATEST_TIMESTAMP;
  if (spec === 'max-timestamp') return -3;
  return spec.timestamp;
}

function configSource(source: number): ConfigSource {
  if (source === ConfigSources.TOPIC_CONFIG) return 'TOPIC_CONFIG';
  if (source === ConfigSources.DEFAULT_CONFIG || source === ConfigSources.UNKNOWN) return 'DEFAULT_CONFIG';
  return 'STATIC_BROKER_CONFIG';
}

/** Kafka's group state names (the library upper-cases them). */
const GROUP_STATES = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Assigning', 'Reconciling'];

function groupState(state: string): string {
  return GROUP_STATES.find((s) => s.toUpperCase() === state.toUpperCase()) ?? state;
}

export class RemoteAdmin implements Admin {
  private readonly lib: LibraryAdmin;
  private readonly wire: Wire;

  constructor(remote: ResolvedRemoteConfig) {
    this.lib = new LibraryAdmin(libraryOptions(remote, remote.clientId));
    this.wire = new Wire(this.lib);
  }

  private async run<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toKafkaError(err, action);
    }
  }

  // ------------------------------------------------------------ topics

  async createTopics(topics: NewTopic[], options: { validateOnly?: boolean } = {}): Promise<void> {
    if (topics.length === 0) return;
    const api = await this.wire.api<CreateTopicsResponse>('CreateTopics');
    const request = topics.map((t) => ({
      name: t.name,
      numPartitions: t.partitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    }));
    const md = await this.wire.metadata([]);
    const res = await this.wire.request(api, await this.wire.connection(md.controllerId), [request, 30_000, options.validateOnly ?? false], 'Creating topics');
    this.lib.clearMetadata();
    const failed = res.topics.find((t) => t.errorCode !== 0);
    if (failed) throw errorFromCode(failed.errorCode, `Creating topic '${failed.name}'`, failed.errorMessage);
  }

  async deleteTopics(names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.run(`Deleting topics ${names.join(', ')}`, () => this.lib.deleteTopics({ topics: names }));
    this.lib.clearMetadata();
  }

  async listTopics(options: { listInternal?: boolean } = {}): Promise<string[]> {
    return this.run('Listing topics', () => this.lib.listTopics({ includeInternals: options.listInternal ?? false }));
  }

  async describeTopics(names: string[]): Promise<TopicInfo[]> {
    if (names.length === 0) return [];
    // A Metadata request of its own: the library's metadata cache leaves internal topics out.
    const api = await this.wire.api<MetadataResponse>('Metadata');
    const md = await this.wire.metadata([]);
    const nodes = [...md.brokers.keys()];
    const res = await this.wire.request(api, await this.wire.connection(nodes[0]!), [names, false, false], 'Describing topics');
    return names.map((name) => {
      const t = res.topics.find((x) => x.name === name);
      if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `The broker did not describe topic '${name}'.`);
      if (t.errorCode !== 0) throw errorFromCode(t.errorCode, `Describing topic '${name}'`);
      return {
        name,
        topicId: t.topicId,
        internal: t.isInternal,
        partitions: [...t.partitions]
          .sort((a, b) => a.partitionIndex - b.partitionIndex)
          .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes })),
      };
    });
  }

  async createPartitions(requests: { topic: string; count: number }[]): Promise<void> {
    if (requests.length === 0) return;
    await this.run('Creating partitions', () => this.lib.createPartitions({ topics: requests.map((r) => ({ name: r.topic, count: r.count, assignments: null })) }));
    this.lib.clearMetadata();
  }

  // ------------------------------------------------------------ configs

  async describeConfigs(resources: ConfigResource[]): Promise<{ resource: ConfigResource; entries: ConfigEntry[] }[]> {
    if (resources.length === 0) return [];
    const md = resources.some((r) => r.type === 'broker') ? await this.wire.metadata([]) : null;
    const request = resources.map((r) => {
      if (r.type === 'topic') return { resourceType: ConfigResourceTypes.TOPIC, resourceName: r.name };
      // A broker named by anything but its id means "the broker I talk to", as in the embedded admin.
      if (!/^\d+$/.test(r.name)) return { resourceType: ConfigResourceTypes.BROKER, resourceName: String([...md!.brokers.keys()][0] ?? 0) };
      if (!md!.brokers.has(Number(r.name))) throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${r.name} is not in the cluster (its brokers are ${[...md!.brokers.keys()].join(', ')}).`);
      return { resourceType: ConfigResourceTypes.BROKER, resourceName: r.name };
    });
    const described = await this.run('Describing configs', () => this.lib.describeConfigs({ resources: request, includeDocumentation: true }));
    return resources.map((resource, i) => {
      const found = described.find((d) => d.resourceName === request[i]!.resourceName && d.resourceType === request[i]!.resourceType);
      if (!found) throw new KafkaError('UNKNOWN_SERVER_ERROR', `The broker did not describe ${resource.type} '${resource.name}'.`);
      return {
        resource,
        entries: found.configs.map((c) => ({
          name: c.name,
          value: c.value ?? '',
          source: configSource(c.configSource),
          isDefault: configSource(c.configSource) === 'DEFAULT_CONFIG',
          readOnly: c.readOnly,
          sensitive: c.isSensitive,
          documentation: c.documentation ?? '',
        })),
      };
    });
  }

  async incrementalAlterConfigs(topic: string, set: Record<string, string>, remove: string[] = []): Promise<void> {
    const configs = [
      ...Object.entries(set).map(([name, value]) => ({ name, value, configOperation: IncrementalAlterConfigOperationTypes.SET })),
      ...remove.map((name) => ({ name, configOperation: IncrementalAlterConfigOperationTypes.DELETE })),
    ];
    await this.run(`Altering configs of topic '${topic}'`, () => this.lib.incrementalAlterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs }] }));
  }

  // ------------------------------------------------------------ offsets and records

  async listOffsets(requests: { topic: string; partition: number; spec: OffsetSpec }[], options: { isolationLevel?: IsolationLevel } = {}) {
    const found = await listOffsets(this.lib, requests.map((r) => ({ topic: r.topic, partition: r.partition, timestamp: specTimestamp(r.spec) })), options.isolationLevel);
    return requests.map((r, i) => ({ topic: r.topic, partition: r.partition, offset: found[i]!.offset, timestamp: found[i]!.timestamp }));
  }

  async deleteRecords(requests: { topic: string; partition: number; offset: number }[]) {
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const r of requests) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ partition: r.partition, offset: BigInt(r.offset) });
    }
    const deleted = await this.run('Deleting records', () => this.lib.deleteRecords({ topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }));
    return requests.map((r) => {
      const p = deleted.find((t) => t.name === r.topic)?.partitions.find((x) => x.partition === r.partition);
      return { topic: r.topic, partition: r.partition, lowWatermark: p ? Number(p.lowWatermark) : -1 };
    });
  }

  // ------------------------------------------------------------ groups

  async listGroups() {
    const groups = await this.run('Listing groups', () => this.lib.listGroups({}));
    return [...groups.values()]
      .filter((g) => groupState(g.state) !== 'Dead')
      .map((g) => ({ groupId: g.id, protocolType: g.protocolType, state: groupState(g.state) }))
      .sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroups(groupIds: string[]): Promise<GroupInfo[]> {
    const api = await this.wire.api<DescribeGroupsResponse>('DescribeGroups');
    return Promise.all(
      groupIds.map(async (groupId) => {
        const res = await this.wire.withCoordinator(
          'group',
          groupId,
          `Describing group '${groupId}'`,
          (c) => this.wire.request(api, c, [[groupId], false], `Describing group '${groupId}'`),
          (r) => r.groups[0]?.errorCode ?? 0,
        );
        const g = res.groups.find((x) => x.groupId === groupId);
        if (!g) throw new KafkaError('GROUP_ID_NOT_FOUND', `The broker did not describe group '${groupId}'.`);
        if (g.errorCode !== 0) throw errorFromCode(g.errorCode, `Describing group '${groupId}'`);
        const state = groupState(g.groupState);
        return {
          groupId,
          state,
          protocolType: g.protocolType,
          protocol: g.protocolData,
          members: g.members.map((m) =>
            groupMemberInfo(g.protocolType, state, {
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId ?? null,
              clientId: m.clientId,
              clientHost: m.clientHost,
              metadata: m.memberMetadata,
              assignment: m.memberAssignment,
            }),
          ),
        };
      }),
    );
  }

  async listGroupOffsets(groupId: string): Promise<GroupOffsetInfo[]> {
    const [listed, topics] = await Promise.all([
      this.run(`Reading offsets of group '${groupId}'`, () => this.lib.listConsumerGroupOffsets({ groups: [groupId] })),
      this.listTopics(),
    ]);
    const existing = new Set(topics);
    const committed = (listed.find((g) => g.groupId === groupId)?.topics ?? [])
      // Offsets of deleted topics stay in the group until it expires them; they have no lag.
      .filter((t) => existing.has(t.name))
      .flatMap((t) => t.partitions.filter((p) => p.committedOffset >= 0n).map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: Number(p.committedOffset), metadata: p.metadata ?? '' })));
    const ends = await listOffsets(this.lib, committed.map((c) => ({ topic: c.topic, partition: c.partition, timestamp: LATEST_TIMESTAMP })));
    return committed
      .map((c, i) => {
        const end = ends[i]!.offset;
        return { ...c, logEndOffset: end, lag: Math.max(0, end - c.offset) };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    if (groupIds.length === 0) return;
    try {
      await this.lib.deleteGroups({ groups: groupIds });
    } catch (err) {
      const error = toKafkaError(err, `Deleting groups ${groupIds.join(', ')}`);
      if (error.code === 'NON_EMPTY_GROUP') throw new KafkaError('NON_EMPTY_GROUP', `Cannot delete a group that still has members: stop its consumers first (${groupIds.join(', ')}).`, { cause: error });
      throw error;
    }
  }

  async describeCluster() {
    const md = await this.wire.metadata([], true);
    return {
      clusterId: md.id,
      controllerId: md.controllerId,
      nodes: [...md.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
    };
  }

  async close(): Promise<void> {
    await this.wire.close();
  }
}
