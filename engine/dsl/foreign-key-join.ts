/** KTable-KTable foreign-key joins. Written by the joins work: this file declares the entry point the DSL calls. */
import { FreshetError } from '../../storage/errors.js';
import type { KTable } from './ktable.js';

export function foreignKeyJoin<K, V, KO, VO, VR>(left: KTable<K, V>, right: KTable<KO, VO>, foreignKeyExtractor: (value: V) => KO, joiner: unknown, options: unknown, leftJoin: boolean): KTable<K, VR> {
  void [left, right, foreignKeyExtractor, joiner, options, leftJoin];
  throw new FreshetError('NOT_IMPLEMENTED', 'Foreign-key joins are not available yet.');
}
