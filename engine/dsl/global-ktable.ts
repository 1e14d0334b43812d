/**
 * GlobalKTable: a table every instance holds in full (all partitions of its topic), so streams
 * join it by any key they compute, without co-partitioning.
 */
export class GlobalKTable<K, V> {
  constructor(
    /** The global store holding the table. */
    readonly storeName: string,
  ) {}

  /** @internal type carrier */
  declare readonly _types?: [K, V];
}
