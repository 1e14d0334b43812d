/**
 * Produce: each partition's records (a view of the request frame, never copied or parsed
 * per record here) go to the broker, which validates the batches and stores them as they are.
 * All partitions of a request are appended in the same event-loop turn, so they share one
 * group-committed write, and the response waits for it (acks 1 and all are the same on one
 * node). With acks=0 Kafka sends no response; when such a request fails it closes the
 * connection instead, the only way to tell the client.
 *
 * Only RecordBatch v2 is stored, so versions start at 3 (v0-2 carry the old message formats).
 */
import type { AppendResult } from '../../../storage/log/log.js';
import type { EncodeInput, ProduceResponse } from '../protocol/index.js';
import { EMPTY_BUFFER } from '../protocol/index.js';
import type { RequestContext } from './handler.js';
import { defineHandler, NO_RESPONSE, wireError } from './handler.js';

type PartitionResponse = EncodeInput<ProduceResponse['responses'][number]['partitionResponses'][number]>;

function failed(index: number, errorCode: number, errorMessage: string | null): PartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage };
}

function succeeded(index: number, r: AppendResult): PartitionResponse {
  return { index, errorCode: 0, baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTime, logStartOffset: r.logStartOffset, errorMessage: null };
}

async function append(ctx: RequestContext, topic: string, index: number, records: Buffer | null, acks: number): Promise<PartitionResponse> {
  try {
    return succeeded(index, await ctx.listener.broker.produce(topic, index, records ?? EMPTY_BUFFER, { acks }));
  } catch (err) {
    const e = wireError(err, ctx, `Produce to ${topic}-${index}`);
    return failed(index, e.code, e.message);
  }
}

export const produce = defineHandler({
  apiKey: 0,
  name: 'Produce',
  versions: { min: 3, max: 11 },
  async handle(req, ctx) {
    const acks = req.acks;
    // Start every append before awaiting any: they are written together.
    const pending = req.topicData.map((t) => ({ name: t.name, partitions: t.partitionData.map((p) => append(ctx, t.name, p.index, p.records, acks)) }));
    const responses = await Promise.all(pending.map(async (t) => ({ name: t.name, partitionResponses: await Promise.all(t.partitions) })));
    if (acks === 0) {
      const bad = responses.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== 0).map((p) => `${t.name}-${p.index}: ${p.errorMessage}`));
      if (bad.length > 0) ctx.conn.closeAfterResponse = `an acks=0 produce request failed (${bad.join('; ')})`;
      return NO_RESPONSE;
    }
    return { responses, throttleTimeMs: 0 };
  },
  errorResponse(req, errorCode) {
    if (req.acks === 0) return NO_RESPONSE;
    return {
      responses: req.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((p) => failed(p.index, errorCode, null)) })),
    };
  },
});
