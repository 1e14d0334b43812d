/**
 * OffsetCommit and OffsetFetch onto the broker's offset manager. A commit from outside group
 * management (generation -1, no member) is accepted for an empty group, as Kafka does. OffsetFetch
 * v8+ asks for several groups at once; with requireStable (v7+) a partition whose offsets wait on
 * an open transaction answers UNSTABLE_OFFSET_COMMIT, so the consumer retries.
 */
import type { FetchedOffset } from '../../../storage/broker/offset-manager.js';
import type { RequestContext } from './handler.js';
import { codeOf, defineHandler, num, wireError } from './handler.js';

export const offsetCommit = defineHandler({
  apiKey: 8,
  name: 'OffsetCommit',
  versions: { min: 0, max: 9 },
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const entries = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        offset: num(p.committedOffset),
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })),
    );
    const r = await ctx.listener.broker.groups.offsets.commit({
      groupId: req.groupId,
      generationId: v >= 1 ? req.generationIdOrMemberEpoch : -1,
      memberId: v >= 1 ? req.memberId : '',
      groupInstanceId: req.groupInstanceId,
      offsets: entries,
    });
    let i = 0;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codeOf(r.partitions[i++] ?? r.error) })),
      })),
    };
  },
  errorResponse(req, errorCode) {
    return { topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
  },
});

interface GroupQuery {
  groupId: string;
  topics: { name: string; partitionIndexes: number[] }[] | null;
}

interface GroupOffsets {
  groupId: string;
  errorCode: number;
  topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }[];
}

function fetchGroup(ctx: RequestContext, q: GroupQuery, requireStable: boolean): GroupOffsets {
  let fetched: FetchedOffset[];
  try {
    const partitions = q.topics === null ? null : q.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    fetched = ctx.listener.broker.groups.offsets.fetch(q.groupId, partitions, requireStable);
  } catch (err) {
    return { groupId: q.groupId, errorCode: wireError(err, ctx, `OffsetFetch of group ${q.groupId}`).code, topics: [] };
  }
  const topics = new Map<string, GroupOffsets['topics'][number]>();
  for (const o of fetched) {
    let t = topics.get(o.topic);
    if (!t) topics.set(o.topic, (t = { name: o.topic, partitions: [] }));
    t.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: codeOf(o.error) });
  }
  return { groupId: q.groupId, errorCode: 0, topics: [...topics.values()] };
}

function partitionErrors(topics: GroupQuery['topics'], errorCode: number): GroupOffsets['topics'] {
  return (topics ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })),
  }));
}

export const offsetFetch = defineHandler({
  apiKey: 9,
  name: 'OffsetFetch',
  versions: { min: 1, max: 9 },
  handle(req, ctx) {
    const v = ctx.apiVersion;
    const requireStable = v >= 7 && req.requireStable;
    if (v >= 8) {
      return { throttleTimeMs: 0, groups: req.groups.map((g) => fetchGroup(ctx, { groupId: g.groupId, topics: g.topics }, requireStable)) };
    }
    const r = fetchGroup(ctx, { groupId: req.groupId, topics: req.topics }, requireStable);
    // Before v2 the response has no group-level error: it goes on every requested partition.
    if (v < 2 && r.errorCode !== 0) return { throttleTimeMs: 0, topics: partitionErrors(req.topics, r.errorCode) };
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode };
  },
  errorResponse(req, errorCode, ctx) {
    if (ctx.apiVersion >= 8) return { groups: req.groups.map((g) => ({ groupId: g.groupId, errorCode, topics: [] })) };
    return { topics: partitionErrors(req.topics, errorCode), errorCode };
  },
});
