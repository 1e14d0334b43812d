/**
 * A consumer group in Kafka's classic protocol: members, the generation, the chosen protocol
 * (assignor), the leader, and the committed offsets.
 *
 *   Empty --join--> PreparingRebalance --all joined / timeout--> CompletingRebalance
 *     ^                     ^                                          | leader's SyncGroup
 *     |                     +---- member joins, leaves, expires -------+--> Stable
 *     +---- last member leaves / expires                              Dead (deleted)
 */
import type { KafkaErrorCode } from '../errors.js';
import { selectProtocol, supportsProtocols } from './assignors/select-protocol.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupResult {
  error: KafkaErrorCode | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Only the leader gets the members and their metadata for the chosen protocol. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
  /** A static leader that rejoined with nothing changed must not compute a new assignment. */
  skipAssignment: boolean;
}

export interface SyncGroupResult {
  error: KafkaErrorCode | null;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: JoinProtocol[];
  assignment: Buffer;
  joinResolve: ((r: JoinGroupResult) => void) | null;
  syncResolve: ((r: SyncGroupResult) => void) | null;
  sessionTimer: NodeJS.Timeout | null;
  /** Joined in the current rebalance (Kafka's isNew: expires faster if it never completes). */
  isNew: boolean;
}

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0);

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** In join order: the first member becomes leader when a leader is needed. */
  readonly members = new Map<string, Member>();
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  readonly offsets = new Map<string, CommittedOffset>();
  /** Transactional offset commits awaiting their transaction's outcome, by producer id. */
  readonly pendingTxnOffsets = new Map<number, Map<string, CommittedOffset>>();
  rebalanceTimer: NodeJS.Timeout | null = null;
  /** Set while the initial-rebalance delay is running, so newcomers extend it. */
  initialDelayDeadline = 0;
  newMemberJoinedDuringDelay = false;
  /** When the group last became Empty (offsets of an empty group expire by retention). */
  emptySince: number;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.emptySince = now;
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** Whether a member with these protocols may join (Kafka's protocol compatibility rule). */
  accepts(protocolType: string, protocols: readonly JoinProtocol[]): boolean {
    if (protocols.length === 0 || protocolType === '') return false;
    if (this.isEmpty) return true;
    if (this.protocolType !== null && this.protocolType !== protocolType) return false;
    return supportsProtocols(
      [...this.members.values()].map((m) => ({ protocols: m.protocols.map((p) => p.name) })),
      protocols.map((p) => p.name),
    );
  }

  chooseProtocol(): string | null {
    return selectProtocol([...this.members.values()].map((m) => ({ protocols: m.protocols.map((p) => p.name) })));
  }

  allMembersJoined(): boolean {
    for (const m of this.members.values()) if (m.joinResolve === null) return false;
    return this.pendingMembers.size === 0;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  metadataFor(member: Member, protocol: string): Buffer {
    return member.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_ASSIGNMENT;
  }

  /** Whether a static member's id is not the one registered for its instance id (a zombie). */
  isStaticFenced(memberId: string, groupInstanceId: string | null | undefined): boolean {
    if (!groupInstanceId) return false;
    const registered = this.staticMembers.get(groupInstanceId);
    return registered !== undefined && registered !== memberId;
  }
}

export function sameProtocols(a: readonly JoinProtocol[], b: readonly JoinProtocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}
