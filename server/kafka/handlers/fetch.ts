/**
 * Fetch: reads stored record batches for the requested partitions, long-polling in the broker
 * until `minBytes` are there or `maxWaitMs` passed, and sends the bytes back by reference. The
 * broker applies the response and partition byte limits and the isolation level (read_committed
 * stops at the last stable offset and lists the aborted transactions in the range).
 *
 * v7+ carry fetch sessions (see fetch-sessions.ts): full requests, with or without creating a
 * session, and incremental ones that name only changed partitions and get only changed ones
 * back. v13+ name topics by id.
 */
import type { FetchPartitionResult } from '../../../storage/broker/broker.js';
import { kafkaErrorCode } from '../../../storage/errors.js';
import type { EncodeInput, FetchRequest, FetchResponse } from '../protocol/index.js';
import { EMPTY_BUFFER, ZERO_UUID } from '../protocol/index.js';
import type { FetchSession, SessionPartition } from '../fetch-sessions.js';
import type { Reply, RequestContext } from './handler.js';
import { defineHandler, num, wireError } from './handler.js';

type PartitionData = EncodeInput<FetchResponse['responses'][number]['partitions'][number]>;
type TopicData = EncodeInput<FetchResponse['responses'][number]>;

/** A partition to read in this request (a session's entry, or one built from a sessionless request). */
type Wanted = Pick<SessionPartition, 'key' | 'topic' | 'topicId' | 'partition' | 'fetchOffset' | 'maxBytes'>;

const FINAL_EPOCH = -1;
const INITIAL_EPOCH = 0;

function byId(ctx: RequestContext): boolean {
  return ctx.apiVersion >= 13;
}

/** Resolves the request's topics (names, or ids from v13) into partitions to read. */
function requested(ctx: RequestContext, req: FetchRequest): Wanted[] {
  const ids = byId(ctx);
  const out: Wanted[] = [];
  for (const t of req.topics) {
    const topic = ids ? (ctx.listener.broker.topics.topicById(t.topicId) ?? '') : t.topic;
    const ref = ids ? t.topicId : t.topic;
    for (const p of t.partitions) {
      out.push({ key: `${ref}\u0000${p.partition}`, topic, topicId: t.topicId, partition: p.partition, fetchOffset: num(p.fetchOffset), maxBytes: p.partitionMaxBytes });
    }
  }
  return out;
}

function forgottenKeys(ctx: RequestContext, req: FetchRequest): string[] {
  const ids = byId(ctx);
  return req.forgottenTopicsData.flatMap((t) => t.partitions.map((p) => `${ids ? t.topicId : t.topic}\u0000${p}`));
}

/** Reads the partitions; results come back in the same order. */
async function read(ctx: RequestContext, req: FetchRequest, wanted: readonly Wanted[]): Promise<FetchPartitionResult[]> {
  const broker = ctx.listener.broker;
  const known = wanted.filter((w) => w.topic !== '');
  // An unknown topic id is an error to report now, as any partition error ends the long poll.
  const unknownIds = known.length < wanted.length;
  const results = await broker.fetch(
    known.map((w) => ({ topic: w.topic, partition: w.partition, offset: w.fetchOffset, maxBytes: w.maxBytes })),
    {
      maxWaitMs: unknownIds ? 0 : Math.max(0, req.maxWaitMs),
      minBytes: req.minBytes,
      maxBytes: req.maxBytes,
      isolationLevel: req.isolationLevel === 1 ? 'read_committed' : 'read_uncommitted',
    },
  );
  let i = 0;
  return wanted.map((w) => {
    if (w.topic !== '') return results[i++]!;
    return { topic: '', partition: w.partition, error: null, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, records: EMPTY_BUFFER };
  });
}

function partitionData(w: Wanted, r: FetchPartitionResult, ctx: RequestContext): PartitionData {
  let errorCode = 0;
  if (w.topic === '') errorCode = kafkaErrorCode('UNKNOWN_TOPIC_ID');
  else if (r.error) errorCode = wireError(r.error, ctx, `Fetch from ${w.topic}-${w.partition}`).code;
  return {
    partitionIndex: w.partition,
    errorCode,
    highWatermark: r.highWatermark,
    lastStableOffset: r.lastStableOffset,
    logStartOffset: r.logStartOffset,
    abortedTransactions: r.abortedTransactions,
    records: r.records,
  };
}

/** Groups partition data by topic, in order of first appearance. */
function topicsOf(entries: readonly { w: Wanted; data: PartitionData }[], ctx: RequestContext): TopicData[] {
  const ids = byId(ctx);
  const topics = new Map<string, { topic: string; topicId: string; partitions: PartitionData[] }>();
  for (const { w, data } of entries) {
    const ref = ids ? w.topicId : w.topic;
    let t = topics.get(ref);
    if (!t) topics.set(ref, (t = { topic: ids ? '' : w.topic, topicId: ids ? w.topicId : ZERO_UUID, partitions: [] }));
    t.partitions.push(data);
  }
  return [...topics.values()];
}

function sessionError(code: 'FETCH_SESSION_ID_NOT_FOUND' | 'INVALID_FETCH_SESSION_EPOCH'): Reply<1> {
  return { throttleTimeMs: 0, errorCode: kafkaErrorCode(code), sessionId: 0, responses: [] };
}

async function fullFetch(ctx: RequestContext, req: FetchRequest, session: FetchSession | null): Promise<Reply<1>> {
  const wanted = requested(ctx, req);
  const results = await read(ctx, req, wanted);
  const entries = wanted.map((w, i) => ({ w, data: partitionData(w, results[i]!, ctx) }));
  if (session) {
    for (let i = 0; i < wanted.length; i++) {
      const r = results[i]!;
      session.partitions.set(wanted[i]!.key, { ...wanted[i]!, sentHighWatermark: r.highWatermark, sentLastStableOffset: r.lastStableOffset, sentLogStartOffset: r.logStartOffset });
    }
  }
  return { throttleTimeMs: 0, errorCode: 0, sessionId: session?.id ?? 0, responses: topicsOf(entries, ctx) };
}

async function incrementalFetch(ctx: RequestContext, req: FetchRequest, session: FetchSession): Promise<Reply<1>> {
  for (const w of requested(ctx, req)) {
    const cached = session.partitions.get(w.key);
    if (cached) {
      cached.fetchOffset = w.fetchOffset;
      cached.maxBytes = w.maxBytes;
    } else {
      session.partitions.set(w.key, { ...w, sentHighWatermark: -1, sentLastStableOffset: -1, sentLogStartOffset: -1 });
    }
  }
  for (const key of forgottenKeys(ctx, req)) session.partitions.delete(key);
  session.advance();
  const wanted = [...session.partitions.values()];
  const results = await read(ctx, req, wanted);
  const entries: { w: Wanted; data: PartitionData }[] = [];
  const returnedData: SessionPartition[] = [];
  wanted.forEach((p, i) => {
    const r = results[i]!;
    const data = partitionData(p, r, ctx);
    const changed = r.highWatermark !== p.sentHighWatermark || r.lastStableOffset !== p.sentLastStableOffset || r.logStartOffset !== p.sentLogStartOffset;
    if (r.records.length === 0 && data.errorCode === 0 && !changed) return;
    p.sentHighWatermark = r.highWatermark;
    p.sentLastStableOffset = r.lastStableOffset;
    p.sentLogStartOffset = r.logStartOffset;
    entries.push({ w: p, data });
    if (r.records.length > 0) returnedData.push(p);
  });
  for (const p of returnedData) session.moveToBack(p);
  session.lastUsed = Date.now();
  return { throttleTimeMs: 0, errorCode: 0, sessionId: session.id, responses: topicsOf(entries, ctx) };
}

export const fetch = defineHandler({
  apiKey: 1,
  name: 'Fetch',
  versions: { min: 4, max: 17 },
  handle(req, ctx) {
    const sessions = ctx.listener.fetchSessions;
    if (ctx.apiVersion < 7) return fullFetch(ctx, req, null);
    if (req.sessionEpoch === FINAL_EPOCH) {
      if (req.sessionId !== 0) sessions.remove(req.sessionId);
      return fullFetch(ctx, req, null);
    }
    if (req.sessionEpoch === INITIAL_EPOCH) {
      if (req.sessionId !== 0) sessions.remove(req.sessionId);
      return fullFetch(ctx, req, sessions.create(Date.now()));
    }
    const session = sessions.get(req.sessionId);
    if (!session) return sessionError('FETCH_SESSION_ID_NOT_FOUND');
    if (session.epoch !== req.sessionEpoch) return sessionError('INVALID_FETCH_SESSION_EPOCH');
    return incrementalFetch(ctx, req, session);
  },
  errorResponse(req, errorCode, ctx) {
    const ids = byId(ctx);
    return {
      errorCode,
      responses: req.topics.map((t) => ({
        topic: ids ? '' : t.topic,
        topicId: ids ? t.topicId : ZERO_UUID,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, abortedTransactions: null, records: EMPTY_BUFFER })),
      })),
    };
  },
});
