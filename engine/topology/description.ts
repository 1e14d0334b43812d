/**
 * Topology.describe(): sub-topologies with their sources, processors, sinks and stores, in
 * Kafka Streams' text layout, so a golden file can hold it:
 *
 *   Topologies:
 *      Sub-topology: 0
 *       Source: KSTREAM-SOURCE-0000000000 (topics: [input])
 *         --> KSTREAM-FILTER-0000000001
 *       Processor: KSTREAM-FILTER-0000000001 (stores: [])
 *         --> KSTREAM-SINK-0000000002
 *         <-- KSTREAM-SOURCE-0000000000
 *       Sink: KSTREAM-SINK-0000000002 (topic: output)
 *         <-- KSTREAM-FILTER-0000000001
 */
import type { Topology, TopologyNode } from './topology.js';

export interface NodeDescription {
  kind: 'source' | 'processor' | 'sink';
  name: string;
  /** source: its topics (or pattern); sink: its topic. */
  topics: string[];
  stores: string[];
  successors: string[];
  predecessors: string[];
}

export interface SubTopologyDescription {
  id: number;
  global: boolean;
  nodes: NodeDescription[];
}

export interface TopologyDescription {
  subtopologies: SubTopologyDescription[];
  toString(): string;
}

function depthOrder(nodes: TopologyNode[], byName: Map<string, TopologyNode>): TopologyNode[] {
  const depth = new Map<string, number>();
  const depthOf = (n: TopologyNode): number => {
    const known = depth.get(n.name);
    if (known !== undefined) return known;
    const parents = n.kind === 'source' ? [] : n.parents;
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depthOf(byName.get(p)!)));
    depth.set(n.name, d);
    return d;
  };
  return [...nodes].sort((a, b) => depthOf(a) - depthOf(b) || a.name.localeCompare(b.name));
}

function describeNode(n: TopologyNode): NodeDescription {
  switch (n.kind) {
    case 'source':
      return { kind: 'source', name: n.name, topics: n.pattern ? [n.pattern.source] : n.topics, stores: [], successors: [...n.children], predecessors: [] };
    case 'processor':
      return { kind: 'processor', name: n.name, topics: [], stores: [...n.stores].sort(), successors: [...n.children], predecessors: [...n.parents] };
    case 'sink':
      return { kind: 'sink', name: n.name, topics: typeof n.topic === 'string' ? [n.topic] : [], stores: [], successors: [], predecessors: [...n.parents] };
  }
}

function render(d: TopologyDescription): string {
  const lines = ['Topologies:'];
  for (const sub of d.subtopologies) {
    lines.push(sub.global ? `   Sub-topology: ${sub.id} for global store (will not generate tasks)` : `   Sub-topology: ${sub.id}`);
    for (const n of sub.nodes) {
      if (n.kind === 'source') lines.push(`    Source: ${n.name} (topics: [${n.topics.join(', ')}])`);
      else if (n.kind === 'processor') lines.push(`    Processor: ${n.name} (stores: [${n.stores.join(', ')}])`);
      else lines.push(`    Sink: ${n.name} (${n.topics.length > 0 ? `topic: ${n.topics[0]}` : 'topic: (chosen per record)'})`);
      if (n.kind !== 'sink') lines.push(`      --> ${n.successors.length > 0 ? n.successors.join(', ') : 'none'}`);
      if (n.kind !== 'source') lines.push(`      <-- ${n.predecessors.join(', ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function describeTopology(topology: Topology): TopologyDescription {
  const byName = topology.nodes;
  const subs: SubTopologyDescription[] = topology.subTopologies().map((s) => ({ id: s.id, global: false, nodes: depthOrder(s.nodes, byName).map(describeNode) }));
  let next = subs.length;
  for (const g of topology.globalStores()) {
    const nodes = [byName.get(g.global!.sourceName)!, byName.get(g.global!.processorName)!];
    subs.push({ id: next++, global: true, nodes: depthOrder(nodes, byName).map(describeNode) });
  }
  const d: TopologyDescription = { subtopologies: subs, toString: () => render(d) };
  return d;
}
