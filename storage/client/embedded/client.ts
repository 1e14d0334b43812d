/** The embedded implementation of the storage client: producers, consumers and admin on an in-process broker. */
import type { Broker } from '../../broker/broker.js';
import type { Admin, Consumer, ConsumerConfig, Producer, ProducerConfig, StorageClient } from '../types.js';
import { EmbeddedAdmin } from './admin.js';
import { EmbeddedConsumer } from './consumer.js';
import { EmbeddedProducer } from './producer.js';

export class EmbeddedClient implements StorageClient {
  constructor(readonly broker: Broker) {}

  producer(config?: ProducerConfig): Producer {
    return new EmbeddedProducer(this.broker, config);
  }

  consumer(config?: ConsumerConfig): Consumer {
    return new EmbeddedConsumer(this.broker, config);
  }

  admin(): Admin {
    return new EmbeddedAdmin(this.broker);
  }
}
