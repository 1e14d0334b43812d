/**
 * Freshet's public API. The storage layer: the integrated broker and its clients.
 */
export { Broker } from './storage/broker/broker.js';
export type { BrokerOptions, ProduceOptions, FetchOptions, FetchPartitionRequest, FetchPartitionResult, ListOffsetsResult } from './storage/broker/broker.js';
export type { TopicDescription, PartitionInfo, CreateTopicOptions } from './storage/broker/topic-registry.js';
export { EmbeddedClient } from './storage/client/embedded/client.js';
export type * from './storage/client/types.js';
export { FreshetError, KafkaError } from './storage/errors.js';
export type { KafkaErrorCode } from './storage/errors.js';
export { murmur2, partitionForKey } from './storage/broker/partitioner.js';
export { consoleLogger, silentLogger } from './storage/logger.js';
export type { Logger, LogLevel } from './storage/logger.js';
export { TOPIC_CONFIGS } from './storage/log/log-config.js';
export { RemoteClient } from './storage/remote/client.js';
export type { RemoteClientConfig } from './storage/remote/config.js';
