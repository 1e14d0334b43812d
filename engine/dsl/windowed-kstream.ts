/**
 * Windowed aggregations (KGroupedStream.windowedBy). Written by the windows work: this file
 * declares the entry point the DSL calls.
 */
import { FreshetError } from '../../storage/errors.js';
import type { KGroupedStream } from './kgrouped-stream.js';

export function windowedBy<K, V>(grouped: KGroupedStream<K, V>, windows: unknown): never {
  void grouped;
  void windows;
  throw new FreshetError('NOT_IMPLEMENTED', 'Windowed aggregations are not available yet.');
}
