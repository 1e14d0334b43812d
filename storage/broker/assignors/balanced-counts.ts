/**
 * How many partitions of each topic each member gets, when members subscribe to different
 * topics: the counts with the best balance the subscriptions allow and, among those, the most
 * partitions left with the member that owns them. Which partitions exactly is decided afterwards
 * (sticky-balancer.ts); here only counts matter, which keeps the problem small: topics x members.
 *
 * It is a min-cost flow. Topic t sends its n_t partitions to its subscribers; member m's share
 * x[m][t] costs -min(x[m][t], r[m][t]) (r = what m owns of t: one unit of credit per partition
 * kept); member m's load L_m costs BIG * L_m^2. BIG exceeds any possible credit, so balance always
 * wins over stickiness. Minimizing the sum of squares is minimizing every imbalance measure at
 * once (the loads of an optimal semi-matching; Harvey, Ladner, Lovász, Tamir, 2006).
 *
 * Solved by cycle cancelling: start from a greedy flow, then while the residual graph has a
 * negative cycle (found with Bellman-Ford), push one unit around it. The costs are convex in the
 * flow, so each residual arc's cost is the marginal cost of one more (or one less) unit, and a
 * flow without negative cycles is optimal. Costs are integers and fall with every cancellation,
 * so the loop ends; starting near the optimum (a rebalance after a small change) it ends fast.
 */

/**
 * @param topicSizes partitions per topic
 * @param subscribers the member indexes subscribed to each topic (each topic has at least one)
 * @param owned owned[m][t]: partitions of topic t that member m owns and may keep
 * @returns counts[m][t]: partitions of topic t member m gets
 */
export function balancedCounts(
  memberCount: number,
  topicSizes: readonly number[],
  subscribers: readonly (readonly number[])[],
  owned: readonly (readonly number[])[],
): number[][] {
  const topicCount = topicSizes.length;
  const x = owned.map((row) => [...row]);
  const load = x.map((row) => row.reduce((sum, n) => sum + n, 0));
  const total = topicSizes.reduce((sum, n) => sum + n, 0);
  const big = total + 1;

  // Greedy start: the partitions nobody keeps go to the least loaded subscriber, scarcest topics first.
  const byScarcity = [...topicSizes.keys()].sort((a, b) => subscribers[a].length - subscribers[b].length || a - b);
  for (const t of byScarcity) {
    let unowned = topicSizes[t] - subscribers[t].reduce((sum, m) => sum + x[m][t], 0);
    for (; unowned > 0; unowned--) {
      let best = subscribers[t][0];
      for (const m of subscribers[t]) if (load[m] < load[best]) best = m;
      x[best][t]++;
      load[best]++;
    }
  }

  // Nodes: topics 0..T-1, members T..T+M-1, the sink T+M. Arcs are derived from the flow on demand.
  const nodeCount = topicCount + memberCount + 1;
  const sink = topicCount + memberCount;
  const member = (node: number): number => node - topicCount;

  /** The marginal cost of one unit from `u` to `v`, or null when the residual arc does not exist. */
  const arcCost = (u: number, v: number): number | null => {
    if (u < topicCount && v >= topicCount && v < sink) return x[member(v)][u] < owned[member(v)][u] ? -1 : 0;
    if (v < topicCount && u >= topicCount && u < sink) {
      const m = member(u);
      return x[m][v] > 0 ? (x[m][v] <= owned[m][v] ? 1 : 0) : null;
    }
    if (v === sink) return big * (2 * load[member(u)] + 1);
    return load[member(v)] > 0 ? -big * (2 * load[member(v)] - 1) : null;
  };

  const push = (u: number, v: number): void => {
    if (u < topicCount && v >= topicCount && v < sink) {
      x[member(v)][u]++;
      load[member(v)]++;
    } else if (v < topicCount && u >= topicCount && u < sink) {
      x[member(u)][v]--;
      load[member(u)]--;
    }
    // Arcs to and from the sink carry the loads, already changed by the topic arcs.
  };

  const cycleCost = (cycle: readonly number[]): number =>
    cycle.reduce((sum, u, i) => sum + (arcCost(u, cycle[(i + 1) % cycle.length]) ?? Infinity), 0);

  /** A cycle in the predecessor graph, in arc order, or null. */
  const predecessorCycle = (pred: readonly number[]): number[] | null => {
    const walk = new Array<number>(nodeCount).fill(-1);
    for (let start = 0; start < nodeCount; start++) {
      let u = start;
      while (u !== -1 && walk[u] === -1) {
        walk[u] = start;
        u = pred[u];
      }
      if (u !== -1 && walk[u] === start) {
        const cycle = [u];
        for (let v = pred[u]; v !== u; v = pred[v]) cycle.push(v);
        return cycle.reverse();
      }
    }
    return null;
  };

  const findNegativeCycle = (): number[] | null => {
    // Every distance starts at 0: as if a virtual source reached every node for free.
    const dist = new Array<number>(nodeCount).fill(0);
    const pred = new Array<number>(nodeCount).fill(-1);
    let changed = false;
    const relax = (u: number, v: number): void => {
      const cost = arcCost(u, v);
      if (cost !== null && dist[u] + cost < dist[v]) {
        dist[v] = dist[u] + cost;
        pred[v] = u;
        changed = true;
      }
    };
    for (let pass = 0; pass < nodeCount; pass++) {
      changed = false;
      for (let t = 0; t < topicCount; t++) {
        for (const m of subscribers[t]) {
          relax(t, topicCount + m);
          relax(topicCount + m, t);
        }
      }
      for (let m = 0; m < memberCount; m++) {
        relax(topicCount + m, sink);
        relax(sink, topicCount + m);
      }
      if (!changed) return null;
      // A cycle among the predecessors is a negative cycle (Tarjan); looking for one after every
      // pass usually finds it long before Bellman-Ford's |V| passes would prove it.
      const cycle = predecessorCycle(pred);
      if (cycle !== null && cycleCost(cycle) < 0) return cycle;
    }
    return null;
  };

  for (let cycle = findNegativeCycle(); cycle !== null; cycle = findNegativeCycle()) {
    // The cost was taken before any push: a push changes the marginal costs of later arcs.
    cycle.forEach((u, i) => push(u, cycle[(i + 1) % cycle.length]));
  }
  return x;
}
