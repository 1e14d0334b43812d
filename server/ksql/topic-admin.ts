/**
 * The SQL engine's TopicAdmin over a storage client (the embedded broker's or a Kafka cluster's):
 * partition counts come from a cache that `refresh()` fills before each statement, since the
 * engine asks for them synchronously while planning.
 */
import type { Admin, Producer, StorageClient } from '../../storage/client/types.js';
import type { RecordHeader } from '../../storage/types.js';
import type { TopicAdmin } from '../../sql/engine/sql-engine.js';

export class ClientTopicAdmin implements TopicAdmin {
  private readonly admin: Admin;
  private producer: Producer | null = null;
  private partitionCounts = new Map<string, number>();

  constructor(private readonly client: StorageClient) {
    this.admin = client.admin();
  }

  /** Reads the partition counts of all topics. */
  async refresh(): Promise<void> {
    const names = await this.admin.listTopics({ listInternal: true });
    const infos = names.length === 0 ? [] : await this.admin.describeTopics(names);
    this.partitionCounts = new Map(infos.map((t) => [t.name, t.partitions.length]));
  }

  partitions(topic: string): number | undefined {
    return this.partitionCounts.get(topic);
  }

  async listTopics(): Promise<{ name: string; partitions: number }[]> {
    await this.refresh();
    return [...this.partitionCounts].map(([name, partitions]) => ({ name, partitions }));
  }

  async createTopic(topic: string, partitions: number, config?: Record<string, string>): Promise<void> {
    await this.admin.createTopics([{ name: topic, partitions, ...(config ? { configs: config } : {}) }]);
    this.partitionCounts.set(topic, partitions);
  }

  async deleteTopic(topic: string): Promise<void> {
    if (this.partitionCounts.has(topic) || (await this.admin.listTopics({ listInternal: true })).includes(topic)) {
      await this.admin.deleteTopics([topic]);
    }
    this.partitionCounts.delete(topic);
  }

  async produce(topic: string, record: { key: Buffer | null; value: Buffer | null; timestamp: number; headers?: RecordHeader[] }): Promise<void> {
    this.producer ??= this.client.producer({ clientId: 'freshet-ksql-inserts', lingerMs: 0 });
    await this.producer.send({ topic, key: record.key, value: record.value, timestamp: record.timestamp, ...(record.headers ? { headers: record.headers } : {}) });
  }

  async close(): Promise<void> {
    await this.producer?.close();
    await this.admin.close();
  }
}
