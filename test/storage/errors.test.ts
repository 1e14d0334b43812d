import { describe, expect, it } from 'vitest';
import { KafkaError, kafkaErrorCode, kafkaErrorName } from '../../storage/errors.js';

describe('Kafka error catalogue', () => {
  it("numbers errors as Kafka's protocol does", () => {
    // Facts from the Kafka protocol's error table; the wire depends on them.
    const expected = {
      UNKNOWN_SERVER_ERROR: -1,
      OFFSET_OUT_OF_RANGE: 1,
      UNKNOWN_TOPIC_OR_PARTITION: 3,
      NOT_COORDINATOR: 16,
      REBALANCE_IN_PROGRESS: 27,
      UNSUPPORTED_VERSION: 35,
      TOPIC_ALREADY_EXISTS: 36,
      OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
      INVALID_PRODUCER_EPOCH: 47,
      CONCURRENT_TRANSACTIONS: 51,
      UNKNOWN_PRODUCER_ID: 59,
      MEMBER_ID_REQUIRED: 79,
      FENCED_INSTANCE_ID: 82,
      GROUP_SUBSCRIBED_TO_TOPIC: 86,
      INVALID_RECORD: 87,
      UNSTABLE_OFFSET_COMMIT: 88,
      THROTTLING_QUOTA_EXCEEDED: 89,
      PRODUCER_FENCED: 90,
      RESOURCE_NOT_FOUND: 91,
      DUPLICATE_RESOURCE: 92,
      UNKNOWN_TOPIC_ID: 100,
      TRANSACTIONAL_ID_NOT_FOUND: 105,
      UNRELEASED_INSTANCE_ID: 111,
      TRANSACTION_ABORTABLE: 120,
    } as const;
    for (const [name, code] of Object.entries(expected)) {
      expect(kafkaErrorCode(name as keyof typeof expected), name).toBe(code);
      expect(kafkaErrorName(code)).toBe(name);
    }
  });

  it('maps unknown numbers to UNKNOWN_SERVER_ERROR and keeps retriability', () => {
    expect(KafkaError.fromErrorCode(9999).code).toBe('UNKNOWN_SERVER_ERROR');
    expect(new KafkaError('NOT_COORDINATOR', 'x').retriable).toBe(true);
    expect(new KafkaError('PRODUCER_FENCED', 'x').retriable).toBe(false);
  });
});
