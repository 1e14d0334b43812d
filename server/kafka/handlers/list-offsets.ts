/**
 * ListOffsets: the offset for a timestamp per partition. Special timestamps: -2 earliest,
 * -1 latest (the last stable offset under read_committed), -3 the record with the largest
 * timestamp (v7+), -4 earliest local (v8+; everything is local here, so earliest) and -5
 * latest tiered (v9+; nothing is tiered, so none: offset -1). v0 answers with a list of offsets.
 */
import { kafkaErrorCode } from '../../../storage/errors.js';
import type { EncodeInput, ListOffsetsResponse } from '../protocol/index.js';
import { LEADER_EPOCH } from './metadata.js';
import type { RequestContext } from './handler.js';
import { defineHandler, num, wireError } from './handler.js';

type PartitionResponse = EncodeInput<ListOffsetsResponse['topics'][number]['partitions'][number]>;

const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;

function answer(ctx: RequestContext, partitionIndex: number, offset: number, timestamp: number): PartitionResponse {
  const v = ctx.apiVersion;
  if (v === 0) return { partitionIndex, errorCode: 0, oldStyleOffsets: offset >= 0 ? [offset] : [] };
  return { partitionIndex, errorCode: 0, timestamp, offset, ...(v >= 4 ? { leaderEpoch: offset >= 0 ? LEADER_EPOCH : -1 } : {}) };
}

function failed(ctx: RequestContext, partitionIndex: number, errorCode: number): PartitionResponse {
  return ctx.apiVersion === 0 ? { partitionIndex, errorCode, oldStyleOffsets: [] } : { partitionIndex, errorCode };
}

export const listOffsets = defineHandler({
  apiKey: 2,
  name: 'ListOffsets',
  versions: { min: 0, max: 10 },
  handle(req, ctx) {
    const broker = ctx.listener.broker;
    const isolation = ctx.apiVersion >= 2 && req.isolationLevel === 1 ? 'read_committed' : 'read_uncommitted';
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const ts = num(p.timestamp);
          try {
            if (ts === LATEST_TIERED) {
              broker.topics.log(t.name, p.partitionIndex);
              return answer(ctx, p.partitionIndex, -1, -1);
            }
            if (ts < LATEST_TIERED) return failed(ctx, p.partitionIndex, kafkaErrorCode('INVALID_REQUEST'));
            const r = broker.listOffset(t.name, p.partitionIndex, ts === EARLIEST_LOCAL ? -2 : ts, isolation);
            return answer(ctx, p.partitionIndex, r.offset, r.timestamp);
          } catch (err) {
            return failed(ctx, p.partitionIndex, wireError(err, ctx, `ListOffsets of ${t.name}-${p.partitionIndex}`).code);
          }
        }),
      })),
    };
  },
  errorResponse(req, errorCode, ctx) {
    return { topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => failed(ctx, p.partitionIndex, errorCode)) })) };
  },
});
