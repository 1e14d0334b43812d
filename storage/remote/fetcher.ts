/**
 * One fetch round of the remote consumer: the partitions grouped by leader, one Fetch per
 * leader (sessionless: epoch -1, every partition named, so no state can go stale across
 * seeks and rebalances), the stored batches decoded by the embedded consumer's decoder.
 */
import type { IsolationLevel } from '../types.js';
import type { ConsumerRecord } from '../client/types.js';
import { decodeFetchedRecords } from '../client/fetch-decoder.js';
import { KafkaError } from '../errors.js';
import { errorFromCode, toKafkaError } from './errors.js';
import type { API } from '@platformatic/kafka';
import { rawFetchApi, type FetchRequestPartition, type RawFetchResponse } from './fetch-api.js';
import type { PartitionFetch, PartitionFetchResult } from './poll-bridge.js';
import type { Wire } from './wire.js';

export interface FetchOptions {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxPartitionBytes: number;
  isolationLevel: IsolationLevel;
  checkCrcs: boolean;
}

const EMPTY = Buffer.alloc(0);
const NO_SESSION_ID = 0;
const FINAL_EPOCH = -1;

export async function fetchPartitions(wire: Wire, targets: PartitionFetch[], options: FetchOptions): Promise<PartitionFetchResult[]> {
  const topics = [...new Set(targets.map((t) => t.topic))];
  let metadata;
  try {
    metadata = await wire.metadata(topics);
  } catch (err) {
    // A topic deleted or not yet visible: report it per partition, as the broker would.
    const error = err instanceof KafkaError ? err : toKafkaError(err, 'Reading metadata');
    return targets.map((t) => ({ ...t, records: [], nextOffset: t.offset, error: retriable(error) }));
  }
  const version = (await wire.api('Fetch')).version;
  const api = rawFetchApi(version);
  const byId = version >= 13;
  const byLeader = new Map<number, PartitionFetch[]>();
  const failed: PartitionFetchResult[] = [];
  for (const t of targets) {
    const leader = metadata.topics.get(t.topic)?.partitions[t.partition]?.leader;
    if (leader === undefined || leader < 0) {
      failed.push({ ...t, records: [], nextOffset: t.offset, error: new KafkaError('LEADER_NOT_AVAILABLE', `Partition ${t.topic}-${t.partition} has no leader right now.`) });
      continue;
    }
    let list = byLeader.get(leader);
    if (!list) byLeader.set(leader, (list = []));
    list.push(t);
  }
  const rounds = [...byLeader].map(async ([leader, list]) => {
    const names = new Map<string, string>();
    const request = new Map<string, FetchRequestPartition[]>();
    for (const t of list) {
      const ref = byId ? metadata.topics.get(t.topic)!.id : t.topic;
      names.set(ref, t.topic);
      let parts = request.get(ref);
      if (!parts) request.set(ref, (parts = []));
      parts.push({ partition: t.partition, fetchOffset: BigInt(t.offset), partitionMaxBytes: options.maxPartitionBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 });
    }
    const args = [
      options.maxWaitMs,
      options.minBytes,
      options.maxBytes,
      options.isolationLevel === 'read_committed' ? 1 : 0,
      NO_SESSION_ID,
      FINAL_EPOCH,
      [...request].map(([topicId, partitions]) => ({ topicId, partitions })),
      [],
      '',
    ];
    let response;
    try {
      response = await wire.request(api as unknown as API<unknown[], RawFetchResponse>, await wire.connection(leader), args, `Fetching from broker ${leader}`);
    } catch (err) {
      const error = toKafkaError(err, `Fetching from broker ${leader}`);
      return list.map((t) => ({ ...t, records: [], nextOffset: t.offset, error: retriable(error) }));
    }
    if (response.errorCode !== 0) {
      const error = errorFromCode(response.errorCode, `Fetching from broker ${leader}`);
      return list.map((t) => ({ ...t, records: [], nextOffset: t.offset, error }));
    }
    const asked = new Map(list.map((t) => [`${t.topic}\u0000${t.partition}`, t]));
    const out: PartitionFetchResult[] = [];
    for (const tr of response.responses) {
      const topic = names.get(tr.topic);
      if (topic === undefined) continue;
      for (const p of tr.partitions) {
        const t = asked.get(`${topic}\u0000${p.partitionIndex}`);
        if (!t) continue;
        if (p.errorCode !== 0) {
          out.push({ ...t, records: [], nextOffset: t.offset, error: errorFromCode(p.errorCode, `Fetching ${topic}-${p.partitionIndex}`) });
          continue;
        }
        const records: ConsumerRecord[] = [];
        try {
          const next = decodeFetchedRecords(topic, p.partitionIndex, p.records ?? EMPTY, t.offset, p.abortedTransactions, options.checkCrcs, records);
          out.push({ ...t, records, nextOffset: next, endOffset: options.isolationLevel === 'read_committed' ? p.lastStableOffset : p.highWatermark, error: null });
        } catch (err) {
          out.push({ ...t, records: [], nextOffset: t.offset, error: toKafkaError(err, `Decoding records of ${topic}-${p.partitionIndex}`) });
        }
      }
    }
    return out;
  });
  const results = failed.concat(...(await Promise.all(rounds)));
  // Stale leadership or a vanished topic: the next round should look again.
  if (results.some((r) => r.error !== null && r.error.retriable)) wire.lib.clearMetadata();
  return results;
}

/** Errors of reaching the cluster are worth retrying even when their code is not (a restart, a refused connection). */
function retriable(error: KafkaError): KafkaError {
  if (error.retriable) return error;
  if (error.code === 'UNKNOWN_TOPIC_OR_PARTITION' || error.code === 'UNKNOWN_SERVER_ERROR') return new KafkaError('LEADER_NOT_AVAILABLE', error.message, { cause: error });
  return error;
}
