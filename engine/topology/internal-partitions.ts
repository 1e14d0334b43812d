/**
 * How many partitions each internal topic gets (Kafka's rules): an internal topic read together
 * with external topics is co-partitioned with them and takes their count (the subscription topic
 * of a foreign-key join takes the right table's, its response topic the left table's); an
 * internal topic read only with other internal topics takes the largest count of the
 * sub-topologies writing it; a fixed count (Repartitioned.partitions) wins over both.
 */
import type { SubTopology, Topology } from './topology.js';

/**
 * `extraInputs` gives partitions a sub-topology reads beyond its named topics (topics matched by
 * a source pattern), so the topics it writes are sized for them too.
 */
export function internalTopicPartitions(topology: Topology, externalPartitions: (topic: string) => number, extraInputs: (sub: SubTopology) => number = () => 0): Map<string, number> {
  const subs = topology.subTopologies();
  const counts = new Map<string, number>();
  const fixed = (t: string): number | undefined => topology.internalTopics.get(t)?.partitions;
  const isInternal = (t: string): boolean => topology.internalTopics.has(t);
  for (const [name, topic] of topology.internalTopics) if (topic.partitions !== undefined) counts.set(name, topic.partitions);
  // Co-partitioned with external topics read beside them.
  const byReader = new Set<string>();
  for (const sub of subs) {
    const external = sub.sourceTopics.filter((t) => !isInternal(t));
    if (external.length === 0) continue;
    const n = Math.max(...external.map(externalPartitions));
    for (const t of sub.sourceTopics) {
      if (!isInternal(t) || fixed(t) !== undefined) continue;
      counts.set(t, Math.max(counts.get(t) ?? 0, n));
      byReader.add(t);
    }
  }
  // Otherwise as many as the writers have; repeat until nothing changes (chains of repartitions).
  for (let round = 0; round <= subs.length; round++) {
    let changed = false;
    for (const sub of subs) {
      const inputs = sub.sourceTopics.map((t) => (isInternal(t) ? (counts.get(t) ?? 0) : externalPartitions(t)));
      const n = Math.max(1, extraInputs(sub), ...inputs);
      for (const t of sub.sinkTopics) {
        if (!isInternal(t) || fixed(t) !== undefined || byReader.has(t)) continue;
        if ((counts.get(t) ?? 0) < n) {
          counts.set(t, n);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return counts;
}
