/** The Kafka wire-protocol listener of the integrated broker. */
export { KafkaListener } from './listener.js';
export type { KafkaListenerOptions } from './listener.js';
export { KafkaListenerError } from './errors.js';
export type { KafkaListenerErrorCode } from './errors.js';
export type { SaslOptions } from './handlers/handler.js';
export { advertisedApiVersions } from './handlers/index.js';
