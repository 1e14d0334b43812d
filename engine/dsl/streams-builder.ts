/**
 * StreamsBuilder: the entry point of the DSL. Streams and tables are declared from topics,
 * operators chain on them, and build() returns the Topology the runtime (or the test driver) runs.
 */
import type { Topology } from '../topology/topology.js';
import { InternalStreamsBuilder } from './internal-builder.js';
import { KStream } from './kstream.js';
import type { Consumed } from './options.js';

export class StreamsBuilder {
  /** @internal */ readonly internal = new InternalStreamsBuilder();
  private built = false;

  /** A stream of one or more topics, or of every topic matching a pattern. */
  stream<K, V>(topics: string | string[] | RegExp, consumed: Consumed<K, V> = {}): KStream<K, V> {
    const name = this.internal.name(consumed.name, 'KSTREAM-SOURCE-');
    const list = typeof topics === 'string' ? [topics] : topics;
    this.internal.topology.addSource(name, list, {
      keySerde: consumed.keySerde,
      valueSerde: consumed.valueSerde,
      timestampExtractor: consumed.timestampExtractor,
      offsetReset: consumed.offsetReset,
    });
    return new KStream(this.internal, name, consumed.keySerde, consumed.valueSerde, false);
  }

  /** The topology built so far. */
  build(): Topology {
    this.built = true;
    return this.internal.topology;
  }

  get isBuilt(): boolean {
    return this.built;
  }
}
