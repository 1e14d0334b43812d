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

// The streams engine.
export { StreamsBuilder } from './engine/dsl/streams-builder.js';
export { KStream, BranchedKStream } from './engine/dsl/kstream.js';
export { KTable } from './engine/dsl/ktable.js';
export { KGroupedStream } from './engine/dsl/kgrouped-stream.js';
export { KGroupedTable } from './engine/dsl/kgrouped-table.js';
export { GlobalKTable } from './engine/dsl/global-ktable.js';
export type { Consumed, Produced, Grouped, Materialized, Named, Repartitioned, Joined, StreamJoined, Branched, StoreType } from './engine/dsl/options.js';
export type { Change } from './engine/dsl/change.js';
export { Topology, TopologyError, recordTimestamp, wallclockTimestamp } from './engine/topology/topology.js';
export type { TimestampExtractor, TopicNameExtractor, StreamPartitioner, SourceOptions, SinkOptions } from './engine/topology/topology.js';
export type { Processor, ProcessorContext, ProcessorSupplier, PunctuationType, Cancellable, Punctuator } from './engine/processor/processor.js';
export { Record } from './engine/processor/record.js';
export { Headers } from './engine/processor/headers.js';
export type { Serde } from './engine/serde/serde.js';
export { serdeFrom } from './engine/serde/serde.js';
export { Serdes, SerializationError } from './engine/serde/serdes.js';
export { StreamsApp } from './engine/runtime/streams-app.js';
export type { KeyQueryMetadata, HostInfo, StreamsMetadata } from './engine/runtime/streams-app.js';
export type { StreamsConfig, ProcessingGuarantee, ExceptionHandlerSetting } from './engine/runtime/streams-config.js';
export { TopologyTestDriver, TestInputTopic, TestOutputTopic } from './engine/test-driver/topology-test-driver.js';
export type { TestDriverConfig, TestRecord } from './engine/test-driver/topology-test-driver.js';
export { Stores } from './storage/state/index.js';
export type { KeyValueStore, TimestampedKeyValueStore, WindowStore, SessionStore, ValueAndTimestamp, Windowed, Window, KeyValue, KeyValueIterator } from './storage/state/index.js';
export { TimeWindows, SlidingWindows, SessionWindows, WindowsError } from './engine/dsl/windows.js';
export type { Windows } from './engine/dsl/windows.js';
export { TimeWindowedKStream } from './engine/dsl/time-windowed-kstream.js';
export { SessionWindowedKStream } from './engine/dsl/session-windowed-kstream.js';
export { Suppressed, BufferConfig, SuppressError } from './engine/dsl/suppress.js';
export { WindowedSerdes } from './engine/serde/windowed.js';
export { SuppressionBufferFullError } from './engine/operators/suppress-processor.js';
export { JoinWindows, JoinError } from './engine/dsl/join-windows.js';

// SQL: ksqlDB's dialect on the streams engine.
export { SqlEngine } from './sql/engine/sql-engine.js';
export type { SqlEngineOptions, TopicAdmin, PersistentQuery, ExecuteResult } from './sql/engine/sql-engine.js';
export { SqlStatementError } from './sql/catalog/errors.js';
export { parseStatements } from './sql/parser/parse.js';
