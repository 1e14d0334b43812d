/**
 * What a StreamsApp instance tells its group about itself: the user data of its consumer
 * subscription (ConsumerProtocolSubscription.user_data, which the 'range' assignor Streams uses
 * leaves free). Every instance reads every other's from DescribeGroups. Big-endian:
 *
 *   version     int16    2
 *   endpoint    string   int16 length, UTF-8 'host:port' (applicationServer); length -1 = none
 *   process_id  string   int16 length, UTF-8 (since version 2): the instance's id from its state
 *                        directory; length -1 = none
 *
 * The process id outlives group memberships (a member id changes whenever the instance rejoins),
 * so the standby placement, which every instance computes alike, orders instances by it.
 * Newer versions may only append fields: a reader takes the fields it knows and ignores the rest.
 */
import { StreamsError } from './errors.js';
import { formatHostInfo, parseHostInfo, type HostInfo } from './host-info.js';

export const SUBSCRIPTION_INFO_VERSION = 2;

export interface SubscriptionInfo {
  endpoint: HostInfo | null;
  /** null from a version-1 member, or one that sent none. */
  processId: string | null;
}

function stringField(value: string | null): Buffer {
  const bytes = value === null ? null : Buffer.from(value, 'utf8');
  const out = Buffer.alloc(2 + (bytes?.length ?? 0));
  out.writeInt16BE(bytes === null ? -1 : bytes.length, 0);
  bytes?.copy(out, 2);
  return out;
}

export function encodeSubscriptionInfo(info: SubscriptionInfo): Buffer {
  const version = Buffer.alloc(2);
  version.writeInt16BE(SUBSCRIPTION_INFO_VERSION, 0);
  return Buffer.concat([version, stringField(info.endpoint === null ? null : formatHostInfo(info.endpoint)), stringField(info.processId)]);
}

function malformed(problem: string): StreamsError {
  return new StreamsError('STREAMS_ILLEGAL_STATE', `Malformed subscription info of a group member: ${problem}. Is another application using this application id as its group?`);
}

/** Reads an int16-length string at `at`; returns it and the offset after it. */
function readString(buf: Buffer, at: number, what: string): { value: string | null; next: number } {
  if (at + 2 > buf.length) throw malformed(`${buf.length} byte(s), too few for the ${what} length`);
  const length = buf.readInt16BE(at);
  if (length === -1) return { value: null, next: at + 2 };
  if (length < 0 || at + 2 + length > buf.length) throw malformed(`${what} length ${length} with ${buf.length - at - 2} byte(s) left`);
  return { value: buf.toString('utf8', at + 2, at + 2 + length), next: at + 2 + length };
}

/** Reads a member's subscription user data; throws STREAMS_ILLEGAL_STATE when it is not ours. */
export function decodeSubscriptionInfo(buf: Buffer): SubscriptionInfo {
  if (buf.length < 4) throw malformed(`${buf.length} byte(s), fewer than the 4 of version and endpoint length`);
  const version = buf.readInt16BE(0);
  if (version < 1) throw malformed(`version ${version}`);
  const text = readString(buf, 2, 'endpoint');
  let endpoint: HostInfo | null = null;
  if (text.value !== null) {
    endpoint = parseHostInfo(text.value);
    if (endpoint === null) throw malformed(`endpoint ${JSON.stringify(text.value)} is not 'host:port'`);
  }
  const processId = version >= 2 ? readString(buf, text.next, 'process id').value : null;
  return { endpoint, processId };
}
