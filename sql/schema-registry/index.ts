/** The embedded schema registry, its stores, and the client interface formats use. */
export type { ResolvedSchema, SchemaDefinition, SchemaInput, SchemaReference, SchemaRegistryClient, SchemaType, SubjectVersion } from './client.js';
export { COMPATIBILITY_LEVELS, DEFAULT_COMPATIBILITY, parseCompatibilityLevel, type CompatibilityLevel } from './compatibility.js';
export { SchemaRegistryError, type SchemaRegistryErrorCode } from './errors.js';
export { HttpSchemaRegistryClient, type HttpSchemaRegistryClientOptions } from './http-client.js';
export { SchemaRegistry, type SchemaRegistryOptions, type VersionSpec } from './schema-registry.js';
export { InMemorySchemaStore, type SchemaStore, type StoreRecord } from './store.js';
export { TopicSchemaStore, type TopicSchemaStoreOptions } from './topic-store.js';
