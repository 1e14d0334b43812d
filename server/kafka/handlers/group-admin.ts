/**
 * Group administration: ListGroups (v4+ filter by state, v5+ by type: every group here is a
 * classic one), DescribeGroups (an unknown group is described as Dead, as Kafka does up to v5)
 * and DeleteGroups (only empty groups; their committed offsets go with them).
 */
import { codeOf, defineHandler, wireError } from './handler.js';

const CLASSIC = 'classic';

export const listGroups = defineHandler({
  apiKey: 16,
  name: 'ListGroups',
  versions: { min: 0, max: 5 },
  handle(req, ctx) {
    const v = ctx.apiVersion;
    const types = v >= 5 ? req.typesFilter.map((t) => t.toLowerCase()) : [];
    const groups = types.length > 0 && !types.includes(CLASSIC) ? [] : ctx.listener.broker.groups.listGroups(v >= 4 ? req.statesFilter : undefined);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: CLASSIC })),
    };
  },
  errorResponse(_req, errorCode) {
    return { errorCode, groups: [] };
  },
});

export const describeGroups = defineHandler({
  apiKey: 15,
  name: 'DescribeGroups',
  versions: { min: 0, max: 5 },
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => {
        const d = ctx.listener.broker.groups.describeGroup(groupId);
        return {
          errorCode: 0,
          groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocol,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
        };
      }),
    };
  },
  errorResponse(req, errorCode) {
    return { groups: req.groups.map((groupId) => ({ errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })) };
  },
});

export const deleteGroups = defineHandler({
  apiKey: 42,
  name: 'DeleteGroups',
  versions: { min: 0, max: 2 },
  async handle(req, ctx) {
    const results: { groupId: string; errorCode: number }[] = [];
    // One at a time, so a failure is that group's alone.
    for (const groupId of req.groupsNames) {
      try {
        const [error] = await ctx.listener.broker.groups.deleteGroups([groupId]);
        results.push({ groupId, errorCode: codeOf(error ?? null) });
      } catch (err) {
        results.push({ groupId, errorCode: wireError(err, ctx, `DeleteGroups of ${groupId}`).code });
      }
    }
    return { throttleTimeMs: 0, results };
  },
  errorResponse(req, errorCode) {
    return { results: req.groupsNames.map((groupId) => ({ groupId, errorCode })) };
  },
});
