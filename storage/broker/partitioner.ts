/**
 * Kafka's default partitioning, so a key lands on the partition the Java client (and
 * librdkafka's murmur2_random) would choose: positive(murmur2(keyBytes)) % partitions.
 * Records without a key stick to one partition until its batch is sent (KIP-480/794).
 */

const M = 0x5bd1e995;

/** MurmurHash2, 32-bit, seed 0x9747b28c, as Kafka's Utils.murmur2 computes it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const blocks = length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const j = i << 2;
    let k = data[j]! | (data[j + 1]! << 8) | (data[j + 2]! << 16) | (data[j + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = blocks << 2;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * Null-key records: stay on one partition per topic until the producer finishes a batch there,
 * then move to another at random, so batches fill up instead of spraying single records.
 */
export class StickyPartitioner {
  private readonly current = new Map<string, number>();

  partition(topic: string, partitions: number): number {
    let p = this.current.get(topic);
    if (p === undefined || p >= partitions) {
      p = Math.floor(Math.random() * partitions);
      this.current.set(topic, p);
    }
    return p;
  }

  /** A batch of `topic` on `partition` was completed: move on (to a different partition if there is one). */
  onBatchComplete(topic: string, partition: number, partitions: number): void {
    if (this.current.get(topic) !== partition) return;
    let next = Math.floor(Math.random() * partitions);
    if (partitions > 1 && next === partition) next = (next + 1) % partitions;
    this.current.set(topic, next);
  }
}
