/**
 * The broker's own metadata: cluster id, topics (partition count, configs, ids) and the next
 * producer-id block. One JSON file, `meta/metadata.json`, replaced atomically and fsync'd on
 * every change, so topics survive restarts and a crash never leaves half a file.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { KafkaError } from '../errors.js';
import { writeFileAtomic } from '../log/files.js';

export interface TopicMeta {
  name: string;
  /** Kafka-style topic id: a UUID in base64url. */
  topicId: string;
  partitions: number;
  configs: Record<string, string>;
  createdAt: number;
}

interface MetadataFile {
  version: 1;
  clusterId: string;
  nodeId: number;
  nextProducerIdBlock: number;
  topics: TopicMeta[];
}

export function newKafkaUuid(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

export class MetadataStore {
  private readonly path: string;
  private data: MetadataFile;

  constructor(dataDir: string, nodeId: number) {
    const dir = join(dataDir, 'meta');
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'metadata.json');
    if (existsSync(this.path)) {
      try {
        this.data = JSON.parse(readFileSync(this.path, 'utf8')) as MetadataFile;
      } catch (err) {
        throw new KafkaError('KAFKA_STORAGE_ERROR', `The broker metadata file ${this.path} is unreadable (${(err as Error).message}). Restore it from a backup or move the data directory away to start empty.`);
      }
    } else {
      this.data = { version: 1, clusterId: newKafkaUuid(), nodeId, nextProducerIdBlock: 0, topics: [] };
      this.save();
    }
  }

  get clusterId(): string {
    return this.data.clusterId;
  }

  get nodeId(): number {
    return this.data.nodeId;
  }

  topics(): TopicMeta[] {
    return this.data.topics;
  }

  putTopic(topic: TopicMeta): void {
    this.data.topics = [...this.data.topics.filter((t) => t.name !== topic.name), topic];
    this.save();
  }

  removeTopic(name: string): void {
    this.data.topics = this.data.topics.filter((t) => t.name !== name);
    this.save();
  }

  /** Reserves `size` producer ids and returns the first; reserved ids are never handed out again. */
  reserveProducerIds(size: number): number {
    const start = this.data.nextProducerIdBlock;
    this.data.nextProducerIdBlock = start + size;
    this.save();
    return start;
  }

  private save(): void {
    writeFileAtomic(this.path, JSON.stringify(this.data, null, 2) + '\n', true);
  }
}
