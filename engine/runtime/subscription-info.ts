/**
 * What a StreamsApp instance tells its group about itself: the user data of its consumer
 * subscription (ConsumerProtocolSubscription.user_data, which the 'range' assignor Streams uses
 * leaves free). Every instance reads every other's from DescribeGroups. Big-endian:
 *
 *   version    int16    1
 *   endpoint   string   int16 length, UTF-8 'host:port' (applicationServer); length -1 = none
 *
 * Newer versions may only append fields: a reader takes the fields it knows and ignores the rest.
 */
import { StreamsError } from './errors.js';
import { formatHostInfo, parseHostInfo, type HostInfo } from './host-info.js';

export const SUBSCRIPTION_INFO_VERSION = 1;

export interface SubscriptionInfo {
  endpoint: HostInfo | null;
}

export function encodeSubscriptionInfo(info: SubscriptionInfo): Buffer {
  const endpoint = info.endpoint === null ? null : Buffer.from(formatHostInfo(info.endpoint), 'utf8');
  const buf = Buffer.alloc(2 + 2 + (endpoint?.length ?? 0));
  buf.writeInt16BE(SUBSCRIPTION_INFO_VERSION, 0);
  buf.writeInt16BE(endpoint === null ? -1 : endpoint.length, 2);
  endpoint?.copy(buf, 4);
  return buf;
}

function malformed(problem: string): StreamsError {
  return new StreamsError('STREAMS_ILLEGAL_STATE', `Malformed subscription info of a group member: ${problem}. Is another application using this application id as its group?`);
}

/** Reads a member's subscription user data; throws STREAMS_ILLEGAL_STATE when it is not ours. */
export function decodeSubscriptionInfo(buf: Buffer): SubscriptionInfo {
  if (buf.length < 4) throw malformed(`${buf.length} byte(s), fewer than the 4 of version and endpoint length`);
  const version = buf.readInt16BE(0);
  if (version < 1) throw malformed(`version ${version}`);
  const length = buf.readInt16BE(2);
  if (length === -1) return { endpoint: null };
  if (length < 0 || 4 + length > buf.length) throw malformed(`endpoint length ${length} with ${buf.length - 4} byte(s) left`);
  const text = buf.toString('utf8', 4, 4 + length);
  const endpoint = parseHostInfo(text);
  if (endpoint === null) throw malformed(`endpoint ${JSON.stringify(text)} is not 'host:port'`);
  return { endpoint };
}
