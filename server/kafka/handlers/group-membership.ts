/**
 * The classic group protocol on the wire: JoinGroup, SyncGroup, Heartbeat and LeaveGroup map one
 * to one onto the broker's group coordinator. JoinGroup and SyncGroup resolve when the
 * rebalance gets there, holding the connection's later requests meanwhile, as in Kafka.
 *
 * Version notes: JoinGroup v4+ hands a new member its id with MEMBER_ID_REQUIRED and expects it
 * back; v5+ carry group.instance.id (static membership); v9 may tell a static leader to skip
 * the assignment. LeaveGroup v3+ remove several members at once.
 */
import type { MemberIdentity } from '../../../storage/broker/group-coordinator.js';
import { codeOf, defineHandler } from './handler.js';

/** Metadata and assignments outlive the request; copy them off the frame (they are small). */
function own(b: Buffer): Buffer {
  return Buffer.from(b);
}

export const joinGroup = defineHandler({
  apiKey: 11,
  name: 'JoinGroup',
  versions: { min: 0, max: 9 },
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const r = await ctx.listener.broker.groups.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: own(p.metadata) })),
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 && req.rebalanceTimeoutMs >= 0 ? req.rebalanceTimeoutMs : undefined,
      clientId: ctx.header.clientId ?? '',
      clientHost: ctx.conn.clientHost,
      requireKnownMemberId: v >= 4,
    });
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(r.error),
      generationId: r.generationId,
      protocolType: r.protocolType,
      // Nullable only from v7.
      protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ''),
      leader: r.leader,
      skipAssignment: v >= 9 && r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
  errorResponse(req, errorCode, ctx) {
    return { errorCode, generationId: -1, protocolName: ctx.apiVersion >= 7 ? null : '', leader: '', memberId: req.memberId, members: [] };
  },
});

export const syncGroup = defineHandler({
  apiKey: 14,
  name: 'SyncGroup',
  versions: { min: 0, max: 5 },
  async handle(req, ctx) {
    const r = await ctx.listener.broker.groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignments: new Map(req.assignments.map((a) => [a.memberId, own(a.assignment)])),
    });
    return { throttleTimeMs: 0, errorCode: codeOf(r.error), protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
  },
  errorResponse(_req, errorCode) {
    return { errorCode };
  },
});

export const heartbeat = defineHandler({
  apiKey: 12,
  name: 'Heartbeat',
  versions: { min: 0, max: 4 },
  handle(req, ctx) {
    const error = ctx.listener.broker.groups.heartbeat({ groupId: req.groupId, generationId: req.generationId, memberId: req.memberId, groupInstanceId: req.groupInstanceId });
    return { throttleTimeMs: 0, errorCode: codeOf(error) };
  },
  errorResponse(_req, errorCode) {
    return { errorCode };
  },
});

export const leaveGroup = defineHandler({
  apiKey: 13,
  name: 'LeaveGroup',
  versions: { min: 0, max: 5 },
  handle(req, ctx) {
    const batched = ctx.apiVersion >= 3;
    const members: MemberIdentity[] = batched ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: req.memberId }];
    const r = ctx.listener.broker.groups.leaveGroup(req.groupId, members);
    if (!batched) return { throttleTimeMs: 0, errorCode: codeOf(r.groupError ?? r.members[0] ?? null) };
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(r.groupError),
      members: members.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, errorCode: codeOf(r.members[i] ?? null) })),
    };
  },
  errorResponse(req, errorCode, ctx) {
    if (ctx.apiVersion < 3) return { errorCode };
    return { errorCode, members: req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode })) };
  },
});
