/** KTable.suppress. Written by the windows work: this file declares the entry point the DSL calls. */
import { FreshetError } from '../../storage/errors.js';
import type { KTable } from './ktable.js';

export function suppressTable<K, V>(table: KTable<K, V>, suppressed: unknown): KTable<K, V> {
  void suppressed;
  void table;
  throw new FreshetError('NOT_IMPLEMENTED', 'suppress() is not available yet.');
}
