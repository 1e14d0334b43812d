/** Kafka's rules for topic names. */
import { KafkaError } from '../errors.js';

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

export const OFFSETS_TOPIC = '__consumer_offsets';
export const TRANSACTION_STATE_TOPIC = '__transaction_state';
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set([OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC]);

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

/** Throws INVALID_TOPIC_EXCEPTION with the reason when `name` is not a legal topic name. */
export function validateTopicName(name: string): void {
  const bad = (why: string): never => {
    throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Topic name '${name}' is illegal: ${why}.`);
  };
  if (typeof name !== 'string' || name.length === 0) bad('it is empty');
  if (name === '.' || name === '..') bad("'.' and '..' are not allowed");
  if (name.length > MAX_TOPIC_NAME_LENGTH) bad(`it is ${name.length} characters long, the limit is ${MAX_TOPIC_NAME_LENGTH}`);
  if (!LEGAL.test(name)) bad("use only ASCII letters, digits, '.', '_' and '-'");
}

/** Kafka warns that '.' and '_' collide in metric names; two topics may not differ only there. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}
