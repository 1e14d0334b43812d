/** The in-process admin client: topics, configs, offsets, records and groups of the embedded broker. */
import { KafkaError } from '../../errors.js';
import type { Broker } from '../../broker/broker.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type IsolationLevel } from '../../types.js';
import type { Admin, ConfigResource, GroupInfo, GroupOffsetInfo, NewTopic, OffsetSpec, TopicInfo } from '../types.js';
import type { ConfigEntry } from '../../log/log-config.js';
import { groupMemberInfo } from '../group-member.js';

function specTimestamp(spec: OffsetSpec): number {
  if (spec === 'earliest') return EARLIEST_TIMESTAMP;
  if (spec === 'latest') return LATEST_TIMESTAMP;
  if (spec === 'max-timestamp') return -3;
  return spec.timestamp;
}

export class EmbeddedAdmin implements Admin {
  constructor(private readonly broker: Broker) {}

  async createTopics(topics: NewTopic[], options: { validateOnly?: boolean } = {}): Promise<void> {
    for (const t of topics) {
      this.broker.createTopic(t.name, { partitions: t.partitions, replicationFactor: t.replicationFactor, configs: t.configs, validateOnly: options.validateOnly });
    }
  }

  async deleteTopics(names: string[]): Promise<void> {
    for (const name of names) this.broker.deleteTopic(name);
  }

  async listTopics(options: { listInternal?: boolean } = {}): Promise<string[]> {
    return this.broker.listTopics(options.listInternal ?? false);
  }

  async describeTopics(names: string[]): Promise<TopicInfo[]> {
    return names.map((n) => {
      const d = this.broker.describeTopic(n);
      return { name: d.name, topicId: d.topicId, internal: d.internal, partitions: d.partitions };
    });
  }

  async createPartitions(requests: { topic: string; count: number }[]): Promise<void> {
    for (const r of requests) this.broker.createPartitions(r.topic, r.count);
  }

  async describeConfigs(resources: ConfigResource[]): Promise<{ resource: ConfigResource; entries: ConfigEntry[] }[]> {
    return resources.map((resource) => ({
      resource,
      entries: resource.type === 'topic' ? this.broker.describeConfigs(resource.name) : this.broker.describeBrokerConfigs(),
    }));
  }

  async incrementalAlterConfigs(topic: string, set: Record<string, string>, remove: string[] = []): Promise<void> {
    this.broker.alterConfigs(topic, set, remove, true);
  }

  async listOffsets(requests: { topic: string; partition: number; spec: OffsetSpec }[], options: { isolationLevel?: IsolationLevel } = {}) {
    return requests.map((r) => ({ topic: r.topic, partition: r.partition, ...this.broker.listOffset(r.topic, r.partition, specTimestamp(r.spec), options.isolationLevel) }));
  }

  async deleteRecords(requests: { topic: string; partition: number; offset: number }[]) {
    return requests.map((r) => ({ topic: r.topic, partition: r.partition, lowWatermark: this.broker.deleteRecords(r.topic, r.partition, r.offset) }));
  }

  async listGroups() {
    return this.broker.groups.listGroups();
  }

  async describeGroups(groupIds: string[]): Promise<GroupInfo[]> {
    return groupIds.map((id) => {
      const d = this.broker.groups.describeGroup(id);
      return {
        groupId: d.groupId,
        state: d.state,
        protocolType: d.protocolType,
        protocol: d.protocol,
        members: d.members.map((m) => groupMemberInfo(d.protocolType, d.state, m)),
      };
    });
  }

  async listGroupOffsets(groupId: string): Promise<GroupOffsetInfo[]> {
    return this.broker.groups.offsets
      .fetch(groupId, null)
      .filter((o) => this.broker.topics.maybeLog(o.topic, o.partition) !== undefined)
      .map((o) => {
        const end = this.broker.listOffset(o.topic, o.partition, LATEST_TIMESTAMP).offset;
        return { topic: o.topic, partition: o.partition, offset: o.offset, logEndOffset: end, lag: Math.max(0, end - o.offset), metadata: o.metadata };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    const errors = await this.broker.groups.deleteGroups(groupIds);
    const i = errors.findIndex((e) => e !== null);
    if (i >= 0) throw new KafkaError(errors[i]!, `Cannot delete group '${groupIds[i]}': ${errors[i] === 'NON_EMPTY_GROUP' ? 'it still has members; stop its consumers first' : 'it does not exist'}.`);
  }

  async describeCluster() {
    return { clusterId: this.broker.clusterId, controllerId: this.broker.nodeId, nodes: [{ nodeId: this.broker.nodeId, host: '127.0.0.1', port: 0 }] };
  }

  async close(): Promise<void> {}
}
