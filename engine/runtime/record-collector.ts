/**
 * Where sinks and change-logging stores send records. The runtime's collector hands them to the
 * producer (inside the task's transaction under exactly-once); the test driver's keeps them in
 * memory topics.
 */
import type { RecordHeader } from '../../storage/types.js';

export interface RecordCollector {
  /**
   * Sends a serialized record. `partition` undefined: the producer's default (murmur2 of the key,
   * sticky for null keys). Errors surface at the next flush, through the production exception handler.
   */
  send(topic: string, key: Buffer | null, value: Buffer | null, headers: RecordHeader[], timestamp: number, partition: number | undefined): void;
  /** The partition count of an output topic (sink partitioners need it). */
  partitionsFor(topic: string): number;
}
