/**
 * The remote implementation of the storage client: producers, consumers and admin of any Kafka
 * cluster (or Freshet's own broker through its Kafka listener), over the wire.
 *
 *   const client = new RemoteClient({ brokers: ['127.0.0.1:9092'] });
 *   const producer = client.producer({ transactionalId: 'app-1' });
 *
 * Each producer, consumer and admin opens its own connections and closes them in close().
 */
import type { Admin, Consumer, ConsumerConfig, Producer, ProducerConfig, StorageClient } from '../client/types.js';
import { RemoteAdmin } from './admin.js';
import { resolveRemoteConfig, type RemoteClientConfig, type ResolvedRemoteConfig } from './config.js';
import { RemoteConsumer } from './consumer.js';
import { RemoteProducer } from './producer.js';

export type { RemoteClientConfig } from './config.js';

export class RemoteClient implements StorageClient {
  private readonly config: ResolvedRemoteConfig;

  constructor(config: RemoteClientConfig) {
    this.config = resolveRemoteConfig(config);
  }

  producer(config?: ProducerConfig): Producer {
    return new RemoteProducer(this.config, config);
  }

  consumer(config?: ConsumerConfig): Consumer {
    return new RemoteConsumer(this.config, config);
  }

  admin(): Admin {
    return new RemoteAdmin(this.config);
  }
}
