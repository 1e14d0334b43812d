/**
 * How the coordinator picks a classic group's protocol (its assignor) from the members' JoinGroup
 * lists, Kafka's way: only a protocol every member lists is a candidate; each member votes for the
 * candidate it lists first (its preference); the candidate with the most votes wins. Kafka leaves
 * a tie to hash-map order; here it goes to the tied protocol the first member prefers, so the
 * choice is deterministic (the coordinator passes members in join order).
 */

export interface ProtocolVoter {
  /** Protocol names in preference order, as the member listed them in JoinGroup. */
  protocols: readonly string[];
}

/** The group's protocol, or null when there are no members or no protocol all of them support. */
export function selectProtocol(members: readonly ProtocolVoter[]): string | null {
  if (members.length === 0) return null;
  const candidates = commonProtocols(members);
  if (candidates.size === 0) return null;

  const votes = new Map<string, number>();
  for (const { protocols } of members) {
    const vote = protocols.find((protocol) => candidates.has(protocol));
    if (vote !== undefined) votes.set(vote, (votes.get(vote) ?? 0) + 1);
  }
  let winner: string | null = null;
  let most = 0;
  // In the first member's order, so the earliest of tied protocols keeps the win.
  for (const protocol of members[0].protocols) {
    const count = votes.get(protocol) ?? 0;
    if (count > most) {
      winner = protocol;
      most = count;
    }
  }
  return winner;
}

/**
 * Whether a member listing `protocols` may join a group of `members`: an empty group takes any
 * non-empty list, a non-empty group needs a protocol all current members and the newcomer share.
 * The coordinator answers INCONSISTENT_GROUP_PROTOCOL otherwise.
 */
export function supportsProtocols(members: readonly ProtocolVoter[], protocols: readonly string[]): boolean {
  if (protocols.length === 0) return false;
  if (members.length === 0) return true;
  const candidates = commonProtocols(members);
  return protocols.some((protocol) => candidates.has(protocol));
}

function commonProtocols(members: readonly ProtocolVoter[]): Set<string> {
  const common = new Set(members[0].protocols);
  for (const { protocols } of members.slice(1)) {
    const listed = new Set(protocols);
    for (const protocol of common) if (!listed.has(protocol)) common.delete(protocol);
  }
  return common;
}
