/**
 * The group coordinator: Kafka's classic consumer-group protocol (JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup), with generations, session and rebalance timeouts, the initial
 * rebalance delay and static membership (group.instance.id). The wire listener maps the Kafka
 * APIs onto these methods one to one; the in-process consumer calls them directly. Offsets are
 * the OffsetManager's.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaErrorCode } from '../errors.js';
import type { Broker } from './broker.js';
import {
  EMPTY_ASSIGNMENT,
  Group,
  sameProtocols,
  type GroupState,
  type JoinGroupResult,
  type JoinProtocol,
  type Member,
  type SyncGroupResult,
} from './group.js';
import { OffsetManager } from './offset-manager.js';

export interface JoinGroupRequest {
  groupId: string;
  /** '' for a member joining for the first time. */
  memberId: string;
  groupInstanceId?: string | null;
  protocolType: string;
  protocols: JoinProtocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs?: number;
  clientId?: string;
  clientHost?: string;
  /** JoinGroup v4+: a new member first gets its id with MEMBER_ID_REQUIRED, then joins with it. */
  requireKnownMemberId?: boolean;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  protocolType?: string | null;
  protocolName?: string | null;
  /** The leader's assignment: member id -> bytes. Other members send none. */
  assignments?: Map<string, Buffer>;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId?: string | null;
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocol: string;
  generationId: number;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[];
}

function joinError(error: KafkaErrorCode, memberId = ''): JoinGroupResult {
  return { error, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [], skipAssignment: false };
}

function syncError(error: KafkaErrorCode): SyncGroupResult {
  return { error, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  readonly offsets: OffsetManager;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly broker: Broker) {
    this.offsets = new OffsetManager(broker, this.groups);
  }

  /** Loads committed offsets from `__consumer_offsets`. */
  async load(): Promise<void> {
    await this.offsets.load();
  }

  start(): void {
    const t = setInterval(() => this.offsets.expireOffsets(), 600_000);
    t.unref();
    this.timers.push(t);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const group of this.groups.values()) {
      if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
      for (const t of group.pendingMembers.values()) clearTimeout(t);
      for (const m of group.members.values()) {
        if (m.sessionTimer) clearTimeout(m.sessionTimer);
        m.joinResolve?.(joinError('COORDINATOR_NOT_AVAILABLE', m.memberId));
        m.syncResolve?.(syncError('COORDINATOR_NOT_AVAILABLE'));
        m.joinResolve = null;
        m.syncResolve = null;
      }
    }
  }

  private get now(): number {
    return this.broker.now;
  }

  private groupFor(groupId: string, create: boolean): Group | undefined {
    let group = this.groups.get(groupId);
    if (!group && create) {
      group = new Group(groupId, this.now);
      this.groups.set(groupId, group);
    }
    return group;
  }

  // -------------------------------------------------------------- JoinGroup

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    const o = this.broker.options;
    if (!req.groupId) return Promise.resolve(joinError('INVALID_GROUP_ID'));
    if (req.sessionTimeoutMs < o.groupMinSessionTimeoutMs || req.sessionTimeoutMs > o.groupMaxSessionTimeoutMs) {
      return Promise.resolve(joinError('INVALID_SESSION_TIMEOUT', req.memberId));
    }
    const existing = this.groups.get(req.groupId);
    if (!existing && req.memberId !== '') return Promise.resolve(joinError('UNKNOWN_MEMBER_ID', req.memberId));
    const group = existing ?? this.groupFor(req.groupId, true)!;
    if (group.state === 'Dead') return Promise.resolve(joinError('COORDINATOR_NOT_AVAILABLE', req.memberId));
    if (!group.accepts(req.protocolType, req.protocols)) return Promise.resolve(joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId));
    return req.memberId === '' ? this.joinNewMember(group, req) : this.joinKnownMember(group, req);
  }

  private joinNewMember(group: Group, req: JoinGroupRequest): Promise<JoinGroupResult> {
    const memberId = `${req.clientId || 'member'}-${randomUUID()}`;
    const instanceId = req.groupInstanceId ?? null;
    if (instanceId !== null) {
      const oldId = group.staticMembers.get(instanceId);
      const old = oldId !== undefined ? group.members.get(oldId) : undefined;
      if (old) return this.replaceStaticMember(group, old, memberId, req);
    } else if (req.requireKnownMemberId) {
      const timer = setTimeout(() => {
        group.pendingMembers.delete(memberId);
        if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
      }, req.sessionTimeoutMs);
      timer.unref();
      group.pendingMembers.set(memberId, timer);
      return Promise.resolve(joinError('MEMBER_ID_REQUIRED', memberId));
    }
    return this.addMemberAndRebalance(group, memberId, req);
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinGroupRequest): Promise<JoinGroupResult> {
    return new Promise((resolve) => {
      const member: Member = {
        memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        clientId: req.clientId ?? '',
        clientHost: req.clientHost ?? '/127.0.0.1',
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
        assignment: EMPTY_ASSIGNMENT,
        joinResolve: resolve,
        syncResolve: null,
        sessionTimer: null,
        isNew: true,
      };
      group.members.set(memberId, member);
      if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, memberId);
      if (group.protocolType === null) group.protocolType = req.protocolType;
      group.newMemberJoinedDuringDelay = true;
      this.prepareRebalance(group, `member ${memberId} joined`);
      this.tryCompleteJoin(group);
    });
  }

  /** A static member came back with a new member id: it takes over its old identity. */
  private replaceStaticMember(group: Group, old: Member, newId: string, req: JoinGroupRequest): Promise<JoinGroupResult> {
    const unchanged = sameProtocols(old.protocols, req.protocols);
    // The old incarnation is a zombie now.
    old.joinResolve?.(joinError('FENCED_INSTANCE_ID', old.memberId));
    old.syncResolve?.(syncError('FENCED_INSTANCE_ID'));
    old.joinResolve = null;
    old.syncResolve = null;
    if (old.sessionTimer) clearTimeout(old.sessionTimer);
    group.members.delete(old.memberId);
    const wasLeader = group.leaderId === old.memberId;
    const member: Member = {
      ...old,
      memberId: newId,
      clientId: req.clientId ?? old.clientId,
      clientHost: req.clientHost ?? old.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? req.sessionTimeoutMs,
      protocols: req.protocols,
      sessionTimer: null,
    };
    group.members.set(newId, member);
    group.staticMembers.set(member.groupInstanceId!, newId);
    if (wasLeader) group.leaderId = newId;
    if (group.state === 'Stable' && unchanged) {
      this.scheduleSessionTimeout(group, member);
      return Promise.resolve(this.currentGenerationResult(group, member, true));
    }
    return new Promise((resolve) => {
      member.joinResolve = resolve;
      this.prepareRebalance(group, `static member ${member.groupInstanceId} rejoined`);
      this.tryCompleteJoin(group);
    });
  }

  private joinKnownMember(group: Group, req: JoinGroupRequest): Promise<JoinGroupResult> {
    const pending = group.pendingMembers.get(req.memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      group.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(group, req.memberId, req);
    }
    if (group.isStaticFenced(req.memberId, req.groupInstanceId)) return Promise.resolve(joinError('FENCED_INSTANCE_ID', req.memberId));
    const member = group.members.get(req.memberId);
    if (!member) return Promise.resolve(joinError('UNKNOWN_MEMBER_ID', req.memberId));
    const unchanged = sameProtocols(member.protocols, req.protocols);
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs ?? req.sessionTimeoutMs;
    switch (group.state) {
      case 'PreparingRebalance':
        return this.awaitJoin(group, member);
      case 'CompletingRebalance':
        if (unchanged) return Promise.resolve(this.currentGenerationResult(group, member, false));
        return this.awaitJoin(group, member, 'a member changed its protocols');
      case 'Stable':
        if (unchanged && group.leaderId !== member.memberId) {
          this.scheduleSessionTimeout(group, member);
          return Promise.resolve(this.currentGenerationResult(group, member, false));
        }
        return this.awaitJoin(group, member, group.leaderId === member.memberId ? 'the leader rejoined' : 'a member changed its protocols');
      default:
        return Promise.resolve(joinError('UNKNOWN_MEMBER_ID', req.memberId));
    }
  }

  private awaitJoin(group: Group, member: Member, reason?: string): Promise<JoinGroupResult> {
    return new Promise((resolve) => {
      member.joinResolve?.(joinError('REBALANCE_IN_PROGRESS', member.memberId));
      member.joinResolve = resolve;
      if (member.sessionTimer) clearTimeout(member.sessionTimer);
      member.sessionTimer = null;
      if (reason) this.prepareRebalance(group, reason);
      this.tryCompleteJoin(group);
    });
  }

  private currentGenerationResult(group: Group, member: Member, skipAssignment: boolean): JoinGroupResult {
    const isLeader = group.leaderId === member.memberId;
    return {
      error: null,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader ? this.memberList(group) : [],
      skipAssignment: isLeader && skipAssignment,
    };
  }

  private memberList(group: Group): JoinGroupResult['members'] {
    const protocol = group.protocolName ?? '';
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataFor(m, protocol) }));
  }

  // -------------------------------------------------------------- rebalancing

  private prepareRebalance(group: Group, reason: string): void {
    if (group.state === 'PreparingRebalance') return;
    if (group.state === 'CompletingRebalance') {
      for (const m of group.members.values()) {
        m.syncResolve?.(syncError('REBALANCE_IN_PROGRESS'));
        m.syncResolve = null;
        m.assignment = EMPTY_ASSIGNMENT;
      }
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.broker.logger.debug(`Group ${group.groupId} rebalancing: ${reason}`, { generation: group.generationId });
    const delay = this.broker.options.groupInitialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      // Kafka's initial delay: let more members arrive before the first generation, extending
      // the wait while they keep coming, up to the rebalance timeout.
      group.initialDelayDeadline = Date.now() + Math.max(delay, group.maxRebalanceTimeoutMs());
      group.newMemberJoinedDuringDelay = false;
      const tick = (): void => {
        const remaining = group.initialDelayDeadline - Date.now();
        if (group.newMemberJoinedDuringDelay && remaining > 0) {
          group.newMemberJoinedDuringDelay = false;
          group.rebalanceTimer = setTimeout(tick, Math.min(delay, remaining));
          group.rebalanceTimer.unref();
        } else {
          group.initialDelayDeadline = 0;
          this.completeJoin(group);
        }
      };
      group.rebalanceTimer = setTimeout(tick, delay);
    } else {
      group.initialDelayDeadline = 0;
      group.rebalanceTimer = setTimeout(() => this.completeJoin(group), group.maxRebalanceTimeoutMs());
    }
    group.rebalanceTimer.unref();
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state === 'PreparingRebalance' && group.initialDelayDeadline === 0 && group.allMembersJoined()) this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = null;
    for (const m of [...group.members.values()]) {
      if (m.joinResolve === null) this.removeMember(group, m, 'did not rejoin in time');
    }
    for (const t of group.pendingMembers.values()) clearTimeout(t);
    group.pendingMembers.clear();
    group.generationId++;
    if (group.isEmpty) {
      group.state = 'Empty';
      group.protocolName = null;
      group.leaderId = null;
      group.emptySince = this.now;
      return;
    }
    group.protocolName = group.chooseProtocol();
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    this.broker.logger.debug(`Group ${group.groupId} generation ${group.generationId}`, { members: group.members.size, protocol: group.protocolName, leader: group.leaderId });
    for (const m of group.members.values()) {
      const resolve = m.joinResolve!;
      m.joinResolve = null;
      m.isNew = false;
      this.scheduleSessionTimeout(group, m);
      resolve(this.currentGenerationResult(group, m, false));
    }
  }

  private scheduleSessionTimeout(group: Group, member: Member): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = null;
      if (group.members.get(member.memberId) !== member) return;
      if (member.joinResolve !== null || member.syncResolve !== null) return;
      this.removeMember(group, member, 'session timed out');
      this.afterMembershipChange(group, `member ${member.memberId} session timed out`);
    }, member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  private removeMember(group: Group, member: Member, why: string): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    member.joinResolve?.(joinError('UNKNOWN_MEMBER_ID', member.memberId));
    member.syncResolve?.(syncError('UNKNOWN_MEMBER_ID'));
    member.joinResolve = null;
    member.syncResolve = null;
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) {
      group.staticMembers.delete(member.groupInstanceId);
    }
    if (group.leaderId === member.memberId) group.leaderId = null;
    this.broker.logger.debug(`Group ${group.groupId}: removed member ${member.memberId} (${why})`);
  }

  private afterMembershipChange(group: Group, reason: string): void {
    if (group.state === 'PreparingRebalance') {
      this.tryCompleteJoin(group);
    } else if (group.state === 'Stable' || group.state === 'CompletingRebalance') {
      if (group.isEmpty) {
        group.state = 'PreparingRebalance';
        this.completeJoin(group);
      } else {
        this.prepareRebalance(group, reason);
      }
    }
  }

  // -------------------------------------------------------------- SyncGroup, Heartbeat, LeaveGroup

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResult> {
    const group = this.groups.get(req.groupId);
    if (group?.isStaticFenced(req.memberId, req.groupInstanceId)) return Promise.resolve(syncError('FENCED_INSTANCE_ID'));
    const member = group?.members.get(req.memberId);
    if (!group || !member) return Promise.resolve(syncError('UNKNOWN_MEMBER_ID'));
    if (req.generationId !== group.generationId) return Promise.resolve(syncError('ILLEGAL_GENERATION'));
    if ((req.protocolType && req.protocolType !== group.protocolType) || (req.protocolName && req.protocolName !== group.protocolName)) {
      return Promise.resolve(syncError('INCONSISTENT_GROUP_PROTOCOL'));
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return Promise.resolve(syncError('REBALANCE_IN_PROGRESS'));
      case 'Stable':
        this.scheduleSessionTimeout(group, member);
        return Promise.resolve({ error: null, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      case 'CompletingRebalance':
        return new Promise((resolve) => {
          member.syncResolve?.(syncError('REBALANCE_IN_PROGRESS'));
          member.syncResolve = resolve;
          this.scheduleSessionTimeout(group, member);
          if (req.memberId === group.leaderId) {
            for (const m of group.members.values()) m.assignment = req.assignments?.get(m.memberId) ?? EMPTY_ASSIGNMENT;
            group.state = 'Stable';
            for (const m of group.members.values()) {
              const done = m.syncResolve;
              m.syncResolve = null;
              done?.({ error: null, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment });
            }
          }
        });
      default:
        return Promise.resolve(syncError('UNKNOWN_MEMBER_ID'));
    }
  }

  heartbeat(req: { groupId: string; generationId: number; memberId: string; groupInstanceId?: string | null }): KafkaErrorCode | null {
    const group = this.groups.get(req.groupId);
    if (!group || group.state === 'Empty' || group.state === 'Dead') return 'UNKNOWN_MEMBER_ID';
    if (group.isStaticFenced(req.memberId, req.groupInstanceId)) return 'FENCED_INSTANCE_ID';
    const member = group.members.get(req.memberId);
    if (!member) return 'UNKNOWN_MEMBER_ID';
    if (req.generationId !== group.generationId) return 'ILLEGAL_GENERATION';
    if (member.joinResolve === null && member.syncResolve === null) this.scheduleSessionTimeout(group, member);
    return group.state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : null;
  }

  /** Removes members (LeaveGroup v3+ takes several). Returns each member's error, or null. */
  leaveGroup(groupId: string, members: MemberIdentity[]): { groupError: KafkaErrorCode | null; members: (KafkaErrorCode | null)[] } {
    const group = this.groups.get(groupId);
    if (!group || group.state === 'Dead') return { groupError: 'UNKNOWN_MEMBER_ID', members: members.map(() => 'UNKNOWN_MEMBER_ID') };
    const results = members.map(({ memberId, groupInstanceId }) => {
      let id = memberId;
      if (groupInstanceId) {
        const registered = group.staticMembers.get(groupInstanceId);
        if (registered === undefined) return 'UNKNOWN_MEMBER_ID' as const;
        if (memberId !== '' && memberId !== registered) return 'FENCED_INSTANCE_ID' as const;
        id = registered;
      }
      const pending = group.pendingMembers.get(id);
      if (pending !== undefined) {
        clearTimeout(pending);
        group.pendingMembers.delete(id);
        return null;
      }
      const member = group.members.get(id);
      if (!member) return 'UNKNOWN_MEMBER_ID' as const;
      this.removeMember(group, member, 'left the group');
      return null;
    });
    if (results.some((r) => r === null)) this.afterMembershipChange(group, 'a member left');
    return { groupError: null, members: results };
  }

  // -------------------------------------------------------------- admin

  listGroups(states?: readonly string[]): GroupListing[] {
    const out: GroupListing[] = [];
    for (const g of this.groups.values()) {
      if (g.state === 'Dead') continue;
      if (states && states.length > 0 && !states.some((s) => s.toLowerCase() === g.state.toLowerCase())) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? 'consumer', state: g.state });
    }
    return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  describeGroup(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (!g) return { groupId, state: 'Dead', protocolType: '', protocol: '', generationId: -1, members: [] };
    const protocol = g.protocolName ?? '';
    return {
      groupId,
      state: g.state,
      protocolType: g.protocolType ?? '',
      protocol: g.state === 'Stable' ? protocol : '',
      generationId: g.generationId,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: g.metadataFor(m, protocol),
        assignment: m.assignment,
      })),
    };
  }

  /** Deletes empty groups and their offsets; a group with members is NON_EMPTY_GROUP. */
  async deleteGroups(groupIds: string[]): Promise<(KafkaErrorCode | null)[]> {
    const results: (KafkaErrorCode | null)[] = [];
    for (const id of groupIds) {
      const g = this.groups.get(id);
      if (!g || g.state === 'Dead') {
        results.push('GROUP_ID_NOT_FOUND');
      } else if (!g.isEmpty || g.state !== 'Empty') {
        results.push('NON_EMPTY_GROUP');
      } else {
        await this.offsets.deleteAllOffsets(g);
        g.state = 'Dead';
        this.groups.delete(id);
        results.push(null);
      }
    }
    return results;
  }

  /** Forgets committed offsets of a deleted topic (as Kafka does). */
  onTopicDeleted(topic: string, partitions: number): void {
    this.offsets.deleteTopicOffsets(topic, partitions).catch((err: unknown) => this.broker.logger.warn(`Could not delete offsets of deleted topic ${topic}`, { error: String(err) }));
  }
}
