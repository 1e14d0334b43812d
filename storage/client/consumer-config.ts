/**
 * Consumer settings with Kafka's defaults, and the assignors by their protocol names: shared by
 * the embedded and the remote consumer so both behave the same.
 */
import { KafkaError } from '../errors.js';
import type { PartitionAssignor } from '../broker/assignors/partition-assignor.js';
import { RangeAssignor } from '../broker/assignors/range-assignor.js';
import { RoundRobinAssignor } from '../broker/assignors/round-robin-assignor.js';
import { StickyAssignor } from '../broker/assignors/sticky-assignor.js';
import { CooperativeStickyAssignor } from '../broker/assignors/cooperative-sticky-assignor.js';
import type { ConsumerConfig } from './types.js';

export type ResolvedConsumerConfig = Required<Omit<ConsumerConfig, 'groupId' | 'groupInstanceId' | 'subscriptionUserData'>> & {
  groupId: string | null;
  groupInstanceId: string | null;
  subscriptionUserData: Buffer | null;
};

export function resolveConsumerConfig(c: ConsumerConfig, defaultClientId: string): ResolvedConsumerConfig {
  return {
    groupId: c.groupId ?? null,
    clientId: c.clientId ?? defaultClientId,
    groupInstanceId: c.groupInstanceId ?? null,
    autoOffsetReset: c.autoOffsetReset ?? 'latest',
    enableAutoCommit: c.enableAutoCommit ?? c.groupId !== undefined,
    autoCommitIntervalMs: c.autoCommitIntervalMs ?? 5000,
    isolationLevel: c.isolationLevel ?? 'read_uncommitted',
    maxPollRecords: c.maxPollRecords ?? 500,
    fetchMaxBytes: c.fetchMaxBytes ?? 52_428_800,
    maxPartitionFetchBytes: c.maxPartitionFetchBytes ?? 1_048_576,
    fetchMinBytes: c.fetchMinBytes ?? 1,
    fetchMaxWaitMs: c.fetchMaxWaitMs ?? 500,
    sessionTimeoutMs: c.sessionTimeoutMs ?? 45_000,
    heartbeatIntervalMs: c.heartbeatIntervalMs ?? 3000,
    maxPollIntervalMs: c.maxPollIntervalMs ?? 300_000,
    partitionAssignmentStrategy: c.partitionAssignmentStrategy ?? ['range', 'cooperative-sticky'],
    checkCrcs: c.checkCrcs ?? true,
    // A copy: the bytes go out at every join, long after the caller may have reused its array.
    subscriptionUserData: c.subscriptionUserData === undefined ? null : Buffer.from(c.subscriptionUserData),
  };
}

const ASSIGNORS: Record<string, () => PartitionAssignor> = {
  range: () => new RangeAssignor(),
  roundrobin: () => new RoundRobinAssignor(),
  sticky: () => new StickyAssignor(),
  'cooperative-sticky': () => new CooperativeStickyAssignor(),
};

export function createAssignor(name: string): PartitionAssignor {
  const make = ASSIGNORS[name];
  if (!make) throw new KafkaError('INVALID_CONFIG', `Unknown partition assignment strategy '${name}': use ${Object.keys(ASSIGNORS).join(', ')}.`);
  return make();
}

/**
 * The member's assignors, in preference order. With `subscriptionUserData` each one sends those
 * bytes as its subscription's user data; an assignor that writes its own there cannot.
 */
export function createAssignors(cfg: ResolvedConsumerConfig): PartitionAssignor[] {
  const assignors = cfg.partitionAssignmentStrategy.map((name) => createAssignor(name));
  const userData = cfg.subscriptionUserData;
  if (userData === null) return assignors;
  return assignors.map((a): PartitionAssignor => {
    if (a.userData !== undefined) {
      throw new KafkaError(
        'INVALID_CONFIG',
        `subscriptionUserData cannot be used with the '${a.name}' assignor, which keeps its own data in the subscription's user data: set partitionAssignmentStrategy to ['range'] or ['roundrobin'].`,
      );
    }
    return { name: a.name, rebalanceProtocol: a.rebalanceProtocol, userData: () => userData, assign: (partitions, subscriptions) => a.assign(partitions, subscriptions) };
  });
}
