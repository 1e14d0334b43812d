/** KStream-KStream windowed joins. Written by the joins work: this file declares the entry point the DSL calls. */
import { FreshetError } from '../../storage/errors.js';
import type { KStream } from './kstream.js';

export type StreamJoinMode = 'inner' | 'left' | 'outer';

export function streamStreamJoin<K, V, VO, VR>(left: KStream<K, V>, right: KStream<K, VO>, joiner: unknown, windows: unknown, streamJoined: unknown, mode: StreamJoinMode): KStream<K, VR> {
  void [left, right, joiner, windows, streamJoined, mode];
  throw new FreshetError('NOT_IMPLEMENTED', 'Stream-stream joins are not available yet.');
}
