/**
 * Fetch with the record bytes left as bytes. The library's Fetch decodes every record into its
 * own objects and drops the CRC; the remote consumer instead hands the stored batches to the
 * same decoder the embedded consumer uses (storage/client/fetch-decoder.ts), which checks CRCs,
 * skips transaction markers and removes aborted transactions. The request side is the
 * library's; only the response is parsed here.
 *
 *   Fetch response v12+ (all flexible):
 *     throttle_time_ms INT32 | error_code INT16 | session_id INT32
 *     responses: [ topic (v12: COMPACT_STRING name, v13+: UUID id)
 *                  partitions: [ partition_index INT32 | error_code INT16 | high_watermark INT64
 *                                last_stable_offset INT64 | log_start_offset INT64
 *                                aborted_transactions: [producer_id INT64 | first_offset INT64]?
 *                                preferred_read_replica INT32 | records COMPACT_RECORDS ] ]
 */
import type { API, Reader, Writer } from '@platformatic/kafka';
import { createAPI, fetchV12, fetchV13, fetchV14, fetchV15, fetchV16, fetchV17 } from '@platformatic/kafka';
import { KafkaError } from '../errors.js';

export interface RawFetchPartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  /** The stored record batches as sent (the last one may be cut short), or null. */
  records: Buffer | null;
}

export interface RawFetchTopic {
  /** The topic id (v13+) or name (v12). */
  topic: string;
  partitions: RawFetchPartition[];
}

export interface RawFetchResponse {
  errorCode: number;
  responses: RawFetchTopic[];
}

export interface FetchRequestPartition {
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
}

/** The arguments of the library's Fetch request builders, v12 to v17. */
export type FetchRequestArgs = [
  maxWaitMs: number,
  minBytes: number,
  maxBytes: number,
  isolationLevel: number,
  sessionId: number,
  sessionEpoch: number,
  topics: { topicId: string; partitions: FetchRequestPartition[] }[],
  forgottenTopicsData: never[],
  rackId: string,
];

export function parseRawFetchResponse(_correlationId: number, _apiKey: number, apiVersion: number, reader: Reader): RawFetchResponse {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const responses = reader.readArray((r) => ({
    topic: apiVersion >= 13 ? r.readUUID() : r.readString(),
    partitions: r.readArray((p) => {
      const partitionIndex = p.readInt32();
      const partitionError = p.readInt16();
      const highWatermark = Number(p.readInt64());
      const lastStableOffset = Number(p.readInt64());
      const logStartOffset = Number(p.readInt64());
      const aborted = p.readNullableArray((a) => ({ producerId: Number(a.readInt64()), firstOffset: Number(a.readInt64()) }));
      p.readInt32(); // preferred_read_replica: Freshet reads from leaders only
      // COMPACT_RECORDS: unsigned varint of length + 1, 0 for null.
      const size = p.readUnsignedVarInt() - 1;
      let records: Buffer | null = null;
      if (size > 0) {
        records = p.buffer.slice(p.position, p.position + size);
        p.skip(size);
      }
      return { partitionIndex, errorCode: partitionError, highWatermark, lastStableOffset, logStartOffset, abortedTransactions: aborted, records };
    }),
  }));
  return { errorCode, responses };
}

type RequestBuilder = (...args: FetchRequestArgs) => Writer;

const BUILDERS: Record<number, RequestBuilder> = {
  12: fetchV12.createRequest as RequestBuilder,
  13: fetchV13.createRequest as RequestBuilder,
  14: fetchV14.createRequest as RequestBuilder,
  15: fetchV15.createRequest as RequestBuilder,
  16: fetchV16.createRequest as RequestBuilder,
  17: fetchV17.createRequest as RequestBuilder,
};

const cache = new Map<number, API<FetchRequestArgs, RawFetchResponse>>();

/** The raw Fetch API at `version` (one the library can build requests for). */
export function rawFetchApi(version: number): API<FetchRequestArgs, RawFetchResponse> {
  let api = cache.get(version);
  if (api) return api;
  const build = BUILDERS[version];
  if (!build) throw new KafkaError('UNSUPPORTED_VERSION', `The broker offers Fetch v${version}, which the remote client cannot build; it needs a broker with Fetch v12 to v17 (Kafka 3.1 or newer).`);
  api = createAPI<FetchRequestArgs, RawFetchResponse>(1, version, build, parseRawFetchResponse);
  cache.set(version, api);
  return api;
}
