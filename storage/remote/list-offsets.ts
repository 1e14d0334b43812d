/** ListOffsets through the library's admin client, in the request's order (shared by consumer and admin). */
import type { Admin as LibraryAdmin } from '@platformatic/kafka';
import { FetchIsolationLevels } from '@platformatic/kafka';
import type { IsolationLevel } from '../types.js';
import { toKafkaError } from './errors.js';

export interface OffsetQuery {
  topic: string;
  partition: number;
  /** A timestamp, or Kafka's special values: -1 latest, -2 earliest, -3 max-timestamp. */
  timestamp: number;
}

/** Offset and timestamp per query; offset -1 when no record qualifies (a timestamp past the end). */
export async function listOffsets(admin: LibraryAdmin, queries: readonly OffsetQuery[], isolationLevel: IsolationLevel = 'read_uncommitted'): Promise<{ offset: number; timestamp: number }[]> {
  if (queries.length === 0) return [];
  // One request can name a partition once, so each distinct timestamp gets its own round.
  const out: { offset: number; timestamp: number }[] = new Array(queries.length);
  const pending = queries.map((q, i) => ({ q, i }));
  while (pending.length > 0) {
    const round: typeof pending = [];
    const seen = new Set<string>();
    for (let k = 0; k < pending.length; ) {
      const key = `${pending[k]!.q.topic}\u0000${pending[k]!.q.partition}`;
      if (seen.has(key)) {
        k++;
        continue;
      }
      seen.add(key);
      round.push(pending.splice(k, 1)[0]!);
    }
    const topics = new Map<string, { partitionIndex: number; timestamp: bigint }[]>();
    for (const { q } of round) {
      let list = topics.get(q.topic);
      if (!list) topics.set(q.topic, (list = []));
      list.push({ partitionIndex: q.partition, timestamp: BigInt(q.timestamp) });
    }
    let listed;
    try {
      listed = await admin.listOffsets({
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        isolationLevel: isolationLevel === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
      });
    } catch (err) {
      throw toKafkaError(err, `Listing offsets of ${[...topics.keys()].join(', ')}`);
    }
    const found = new Map<string, { offset: number; timestamp: number }>();
    for (const t of listed) for (const p of t.partitions) found.set(`${t.name}\u0000${p.partitionIndex}`, { offset: Number(p.offset), timestamp: Number(p.timestamp) });
    for (const { q, i } of round) out[i] = found.get(`${q.topic}\u0000${q.partition}`) ?? { offset: -1, timestamp: -1 };
  }
  return out;
}
