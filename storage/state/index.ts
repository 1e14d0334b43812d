/**
 * The state stores' public surface: the contracts, the `Stores` factory, the store classes the
 * builders make, composite views and errors. Internals (cursors, key layouts) stay importable
 * from their own files for tests.
 */
export type { StateStore, StateStoreContext, RestoreCallback, ChangelogRecord } from './state-store.js';
export type * from './stores.js';
export type { StoreBuilder, StoreKind } from './store-builder.js';
export type { StoreSerde } from './store-serde.js';
export { valueAndTimestampSerde } from './store-serde.js';
export { Stores } from './stores-factory.js';
export type { KeyValueBytesStoreSupplier, WindowBytesStoreSupplier, SessionBytesStoreSupplier, WindowStoreOptions, SessionStoreOptions, StoreBackend } from './store-suppliers.js';
export type { RetentionClock } from './segmented-bytes-store.js';
export type { PersistentStoreOptions, BackendChoice, BackendKind } from './persistent-backend.js';
export { AbstractStoreBuilder, KeyValueStoreBuilder, TimestampedKeyValueStoreBuilder, WindowStoreBuilder, TimestampedWindowStoreBuilder, SessionStoreBuilder, WINDOW_CHANGELOG_ADDITIONAL_RETENTION_MS } from './store-builders.js';
export { MeteredKeyValueStore } from './metered-key-value-store.js';
export { MeteredWindowStore } from './metered-window-store.js';
export { MeteredSessionStore } from './metered-session-store.js';
export { StoreMetrics } from './store-metrics.js';
export type { StoreOperation, OperationStats } from './store-metrics.js';
export { CachingBytesStore } from './caching-bytes-store.js';
export { ChangeLoggingBytesStore } from './change-logging-bytes-store.js';
export { InMemoryKeyValueBytesStore } from './in-memory-key-value-store.js';
export { PersistentKeyValueBytesStore } from './persistent-key-value-store.js';
export { SegmentedBytesStore } from './segmented-bytes-store.js';
export type { KeyValueBytesStore } from './bytes-store.js';
export { compositeKeyValueStore, compositeWindowStore, compositeSessionStore } from './composite-stores.js';
export type { StoreInstances } from './composite-stores.js';
export { StateStoreError } from './state-errors.js';
export type { StateStoreErrorCode } from './state-errors.js';
