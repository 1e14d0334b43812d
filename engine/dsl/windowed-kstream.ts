/**
 * KGroupedStream.windowedBy: TimeWindows and SlidingWindows give a TimeWindowedKStream,
 * SessionWindows a SessionWindowedKStream (the type follows the argument).
 */
import { TopologyError } from '../topology/topology.js';
import type { KGroupedStream } from './kgrouped-stream.js';
import { SessionWindowedKStream } from './session-windowed-kstream.js';
import { TimeWindowedKStream } from './time-windowed-kstream.js';
import { SessionWindows, SlidingWindows, TimeWindows, type Windows } from './windows.js';

export type WindowedKStream<K, V, W extends Windows> = W extends SessionWindows ? SessionWindowedKStream<K, V> : TimeWindowedKStream<K, V>;

export function windowedBy<K, V, W extends Windows>(grouped: KGroupedStream<K, V>, windows: W): WindowedKStream<K, V, W> {
  if (windows instanceof SessionWindows) return new SessionWindowedKStream<K, V>(grouped, windows) as WindowedKStream<K, V, W>;
  if (windows instanceof TimeWindows || windows instanceof SlidingWindows) return new TimeWindowedKStream<K, V>(grouped, windows) as WindowedKStream<K, V, W>;
  throw new TopologyError('windowedBy takes TimeWindows, SlidingWindows or SessionWindows (from engine/dsl/windows.ts).');
}

export { TimeWindowedKStream, SessionWindowedKStream };
