/**
 * A SchemaStore on a compacted topic (`_schemas` by default), as Confluent Schema Registry keeps
 * its state in Kafka: one partition, records as store.ts lays them out, compaction keeping the
 * latest record per key. Works through the storage client interface, so the same store runs on
 * the embedded broker and on a remote Kafka cluster.
 *
 * The store reads the topic from the beginning to its end when the registry opens, and appends
 * with acks=all, waiting for each write, so a registry that answered has persisted the change.
 * Only one registry should write to a topic at a time (Confluent elects a primary for this).
 */
import { KafkaError } from '../../storage/errors.js';
import type { Consumer, Producer, StorageClient } from '../../storage/client/types.js';
import { decodeRecord, encodeKey, encodeValue, type SchemaStore, type StoreRecord } from './store.js';

export interface TopicSchemaStoreOptions {
  /** Default `_schemas`, as Confluent's kafkastore.topic. */
  readonly topic?: string;
  /** Replication factor when the topic is created. Default 1 (the embedded broker has one node). */
  readonly replicationFactor?: number;
  /** How long `load` waits for the topic's end before failing. Default 30 s. */
  readonly loadTimeoutMs?: number;
}

export class TopicSchemaStore implements SchemaStore {
  readonly topic: string;
  private producer: Producer | undefined;

  constructor(
    private readonly client: StorageClient,
    private readonly options: TopicSchemaStoreOptions = {},
  ) {
    this.topic = options.topic ?? '_schemas';
  }

  async load(): Promise<StoreRecord[]> {
    await this.ensureTopic();
    const consumer: Consumer = this.client.consumer({ enableAutoCommit: false, autoOffsetReset: 'earliest', isolationLevel: 'read_committed' });
    try {
      const tp = { topic: this.topic, partition: 0 };
      consumer.assign([tp]);
      consumer.seekToBeginning([tp]);
      const [end] = await consumer.endOffsets([tp]);
      const records: StoreRecord[] = [];
      const deadline = Date.now() + (this.options.loadTimeoutMs ?? 30_000);
      while ((await consumer.position(tp)) < end!) {
        if (Date.now() > deadline) throw new Error(`Timed out reading topic '${this.topic}' to offset ${end}.`);
        for (const r of await consumer.poll(200)) {
          if (r.key === null) continue;
          const record = decodeRecord(r.key, r.value);
          if (record) records.push(record);
        }
      }
      return records;
    } finally {
      await consumer.close();
    }
  }

  async append(record: StoreRecord): Promise<void> {
    this.producer ??= this.client.producer({ acks: 'all', lingerMs: 0 });
    await this.producer.send({ topic: this.topic, partition: 0, key: encodeKey(record.key), value: encodeValue(record) });
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.close();
  }

  private async ensureTopic(): Promise<void> {
    const admin = this.client.admin();
    try {
      await admin.createTopics([
        { name: this.topic, partitions: 1, replicationFactor: this.options.replicationFactor ?? 1, configs: { 'cleanup.policy': 'compact' } },
      ]);
    } catch (err) {
      if (!(err instanceof KafkaError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err;
    } finally {
      await admin.close();
    }
  }
}
