/**
 * Where standby tasks go (num.standby.replicas). Every instance computes this from the same
 * described group, with no message between instances, so the function is deterministic and
 * depends only on what every instance sees: members ordered by their process id (stable across
 * restarts and rejoins; the member id breaks ties and stands in for a member that sent none),
 * and for each stateful task the next `replicas` instances after its active one in that order,
 * wrapping around. The active instance is never among them, and no instance gets two replicas
 * of one task; with fewer than `replicas + 1` instances a task gets one standby per other
 * instance. Tasks nobody runs actively (a group caught between assignments) get none until
 * the next rebalance.
 *
 * Kafka's assignor also balances standby load and prefers instances that already hold a
 * task's state; following the active one in a fixed ring keeps a standby on the instance that
 * held it before whenever the active task stays put.
 */

export interface PlacementMember {
  memberId: string;
  /** The instance's process id; null when its subscription carried none. */
  processId: string | null;
  /** Task ids it runs actively. */
  active: ReadonlySet<string>;
}

/** Standby task ids per member id (every member has an entry, maybe empty). */
export function placeStandbys(members: readonly PlacementMember[], statefulTasks: Iterable<string>, replicas: number): Map<string, Set<string>> {
  const out = new Map(members.map((m) => [m.memberId, new Set<string>()]));
  if (replicas <= 0 || members.length < 2) return out;
  const ring = [...members].sort((a, b) => compare(a.processId ?? a.memberId, b.processId ?? b.memberId) || compare(a.memberId, b.memberId));
  for (const task of statefulTasks) {
    const owner = ring.findIndex((m) => m.active.has(task));
    if (owner < 0) continue;
    let placed = 0;
    for (let step = 1; step < ring.length && placed < replicas; step++) {
      const candidate = ring[(owner + step) % ring.length]!;
      // Only one member can run a task actively; a second would be a view caught mid-move.
      if (candidate.active.has(task)) continue;
      out.get(candidate.memberId)!.add(task);
      placed++;
    }
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
