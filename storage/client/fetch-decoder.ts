/**
 * Turns fetched record batches into consumer records, as Kafka's consumer does: CRCs checked,
 * control batches (transaction markers) skipped, and under read_committed the batches of aborted
 * transactions dropped, using the aborted-transaction list the fetch returned.
 */
import {
  ATTRIBUTES,
  BASE_OFFSET,
  LAST_OFFSET_DELTA,
  PRODUCER_ID,
  controlTypeOf,
  decodeRecordsWith,
  forEachBatch,
  isControl,
  isTransactional,
  readInt64,
  timestampTypeOf,
  validateBatch,
} from '../log/record-batch.js';
import type { RecordHeader } from '../types.js';
import type { ConsumerRecord } from './types.js';

/**
 * Appends the records at or after `fetchOffset` to `out`; returns the offset to fetch next (past
 * every batch seen, including skipped ones).
 */
export function decodeFetchedRecords(
  topic: string,
  partition: number,
  records: Buffer,
  fetchOffset: number,
  abortedTransactions: { producerId: number; firstOffset: number }[] | null,
  checkCrcs: boolean,
  out: ConsumerRecord[],
): number {
  const aborted = abortedTransactions && abortedTransactions.length > 0 ? [...abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset) : null;
  let nextAborted = 0;
  const abortedProducers = new Set<number>();
  let next = fetchOffset;
  forEachBatch(records, (pos, size) => {
    if (checkCrcs) validateBatch(records, pos, pos + size);
    const attributes = records.readInt16BE(pos + ATTRIBUTES);
    const lastOffset = readInt64(records, pos + BASE_OFFSET) + records.readInt32BE(pos + LAST_OFFSET_DELTA);
    if (lastOffset < next) return;
    const after = lastOffset + 1;
    if (aborted !== null && isTransactional(attributes)) {
      while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= lastOffset) abortedProducers.add(aborted[nextAborted++]!.producerId);
      const producerId = readInt64(records, pos + PRODUCER_ID);
      if (isControl(attributes)) {
        if (controlTypeOf(records, pos) === 'ABORT') abortedProducers.delete(producerId);
        next = after;
        return;
      }
      if (abortedProducers.has(producerId)) {
        next = after;
        return;
      }
    }
    if (isControl(attributes)) {
      next = after;
      return;
    }
    const timestampType = timestampTypeOf(attributes);
    const from = next;
    const make = (offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]): ConsumerRecord | null =>
      offset < from ? null : { topic, partition, offset, timestamp, timestampType, key, value, headers };
    const start = out.length;
    decodeRecordsWith(records, pos, make, out as (ConsumerRecord | null)[]);
    // Records before the fetch offset (the batch began earlier) came out as null: drop them.
    if (out.length > start && (out[start] === null || out[out.length - 1] === null)) {
      let w = start;
      for (let r = start; r < out.length; r++) if (out[r] !== null) out[w++] = out[r]!;
      out.length = w;
    }
    next = after;
  });
  return next;
}
