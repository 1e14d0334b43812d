/**
 * What the admin clients read from a described consumer group member's bytes: its assignment
 * and its subscription's user data. Shared by the embedded and the remote admin, so both describe
 * members the same way.
 */
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, flattenTopicPartitions } from '../broker/consumer-protocol.js';
import type { GroupMemberInfo } from './types.js';

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's JoinGroup metadata for the group's protocol (empty when none). */
  metadata: Buffer;
  /** The member's SyncGroup assignment (empty when none). */
  assignment: Buffer;
}

/**
 * A described member in the client API's shape. The user data is read only from a Stable group
 * (Kafka describes member metadata only then) and is null when the metadata is not a consumer
 * subscription (another client's group is not this admin's to judge, so no error).
 */
export function groupMemberInfo(protocolType: string, state: string, m: DescribedMember): GroupMemberInfo {
  const consumer = protocolType === CONSUMER_PROTOCOL_TYPE;
  return {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    assignment: consumer && m.assignment.length > 0 ? flattenTopicPartitions(decodeAssignment(m.assignment).assignedPartitions) : [],
    subscriptionUserData: consumer && state === 'Stable' ? subscriptionUserData(m.metadata) : null,
  };
}

function subscriptionUserData(metadata: Buffer): Buffer | null {
  if (metadata.length === 0) return null;
  try {
    return decodeSubscription(metadata).userData;
  } catch {
    return null;
  }
}
