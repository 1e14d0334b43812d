/**
 * Every API the listener serves, by key. An API missing here is unknown to the listener: a
 * request for it closes the connection, as Kafka does for an API it does not have.
 */
import type { ApiKey } from '../protocol/index.js';
import { supportedVersions } from '../protocol/index.js';
import { apiVersions } from './api-versions.js';
import { alterConfigs, describeConfigs, incrementalAlterConfigs } from './configs.js';
import { fetch } from './fetch.js';
import { findCoordinator } from './find-coordinator.js';
import { deleteGroups, describeGroups, listGroups } from './group-admin.js';
import { heartbeat, joinGroup, leaveGroup, syncGroup } from './group-membership.js';
import type { Handler } from './handler.js';
import { listOffsets } from './list-offsets.js';
import { describeCluster, metadata } from './metadata.js';
import { offsetCommit, offsetFetch } from './offsets.js';
import { produce } from './produce.js';
import { saslAuthenticate, saslHandshake } from './sasl.js';
import { createPartitions, createTopics, deleteRecords, deleteTopics } from './topics.js';
import { addOffsetsToTxn, addPartitionsToTxn, endTxn, initProducerId, txnOffsetCommit } from './transactions.js';

/** Any handler; the connection narrows by `apiKey` before calling it. */
export type AnyHandler = Handler<ApiKey>;

const ALL = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  saslHandshake,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  txnOffsetCommit,
  describeConfigs,
  alterConfigs,
  saslAuthenticate,
  createPartitions,
  deleteGroups,
  incrementalAlterConfigs,
  describeCluster,
] as unknown as readonly AnyHandler[];

export const HANDLERS: ReadonlyMap<number, AnyHandler> = new Map(ALL.map((h) => [h.apiKey, h]));

// A handler may not advertise a version the codec cannot encode and decode.
for (const h of ALL) {
  const codec = supportedVersions(h.apiKey);
  if (!codec || h.versions.min < codec.min || h.versions.max > codec.max) {
    throw new Error(`${h.name} advertises versions ${h.versions.min}-${h.versions.max}, beyond the codec's ${codec ? `${codec.min}-${codec.max}` : 'none'}.`);
  }
}

/** The ApiVersions list, ordered by key. */
export function advertisedApiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return [...HANDLERS.values()].sort((a, b) => a.apiKey - b.apiKey).map((h) => ({ apiKey: h.apiKey, minVersion: h.versions.min, maxVersion: h.versions.max }));
}
