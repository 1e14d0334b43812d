/**
 * Typed errors. Every error Freshet raises is a `FreshetError` with a stable string `code`;
 * the storage layer's errors use Kafka's error names and numeric codes, so the wire listener
 * can put them on the wire unchanged and a Kafka user recognises them.
 */

export class FreshetError extends Error {
  /** Stable, machine-readable code, e.g. `UNKNOWN_TOPIC_OR_PARTITION`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Kafka's error catalogue (org.apache.kafka.common.protocol.Errors): name -> [code, retriable].
 * Only the numbers are facts taken from the protocol; the messages below are Freshet's own.
 */
const CATALOGUE = {
  UNKNOWN_SERVER_ERROR: [-1, false],
  NONE: [0, false],
  OFFSET_OUT_OF_RANGE: [1, false],
  CORRUPT_MESSAGE: [2, true],
  UNKNOWN_TOPIC_OR_PARTITION: [3, true],
  INVALID_FETCH_SIZE: [4, false],
  LEADER_NOT_AVAILABLE: [5, true],
  NOT_LEADER_OR_FOLLOWER: [6, true],
  REQUEST_TIMED_OUT: [7, true],
  BROKER_NOT_AVAILABLE: [8, false],
  REPLICA_NOT_AVAILABLE: [9, true],
  MESSAGE_TOO_LARGE: [10, false],
  OFFSET_METADATA_TOO_LARGE: [12, false],
  NETWORK_EXCEPTION: [13, true],
  COORDINATOR_LOAD_IN_PROGRESS: [14, true],
  COORDINATOR_NOT_AVAILABLE: [15, true],
  NOT_COORDINATOR: [16, true],
  INVALID_TOPIC_EXCEPTION: [17, false],
  RECORD_LIST_TOO_LARGE: [18, false],
  NOT_ENOUGH_REPLICAS: [19, true],
  INVALID_REQUIRED_ACKS: [21, false],
  ILLEGAL_GENERATION: [22, false],
  INCONSISTENT_GROUP_PROTOCOL: [23, false],
  INVALID_GROUP_ID: [24, false],
  UNKNOWN_MEMBER_ID: [25, false],
  INVALID_SESSION_TIMEOUT: [26, false],
  REBALANCE_IN_PROGRESS: [27, false],
  INVALID_COMMIT_OFFSET_SIZE: [28, false],
  TOPIC_AUTHORIZATION_FAILED: [29, false],
  GROUP_AUTHORIZATION_FAILED: [30, false],
  CLUSTER_AUTHORIZATION_FAILED: [31, false],
  INVALID_TIMESTAMP: [32, false],
  UNSUPPORTED_SASL_MECHANISM: [33, false],
  ILLEGAL_SASL_STATE: [34, false],
  UNSUPPORTED_VERSION: [35, false],
  TOPIC_ALREADY_EXISTS: [36, false],
  INVALID_PARTITIONS: [37, false],
  INVALID_REPLICATION_FACTOR: [38, false],
  INVALID_REPLICA_ASSIGNMENT: [39, false],
  INVALID_CONFIG: [40, false],
  NOT_CONTROLLER: [41, true],
  INVALID_REQUEST: [42, false],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [43, false],
  POLICY_VIOLATION: [44, false],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [45, false],
  DUPLICATE_SEQUENCE_NUMBER: [46, false],
  INVALID_PRODUCER_EPOCH: [47, false],
  INVALID_TXN_STATE: [48, false],
  INVALID_PRODUCER_ID_MAPPING: [49, false],
  INVALID_TRANSACTION_TIMEOUT: [50, false],
  CONCURRENT_TRANSACTIONS: [51, true],
  TRANSACTION_COORDINATOR_FENCED: [52, false],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [53, false],
  SECURITY_DISABLED: [54, false],
  OPERATION_NOT_ATTEMPTED: [55, false],
  KAFKA_STORAGE_ERROR: [56, true],
  LOG_DIR_NOT_FOUND: [57, false],
  SASL_AUTHENTICATION_FAILED: [58, false],
  UNKNOWN_PRODUCER_ID: [59, false],
  NON_EMPTY_GROUP: [68, false],
  GROUP_ID_NOT_FOUND: [69, false],
  FETCH_SESSION_ID_NOT_FOUND: [70, true],
  INVALID_FETCH_SESSION_EPOCH: [71, true],
  LISTENER_NOT_FOUND: [72, true],
  TOPIC_DELETION_DISABLED: [73, false],
  FENCED_LEADER_EPOCH: [74, true],
  UNKNOWN_LEADER_EPOCH: [75, true],
  UNSUPPORTED_COMPRESSION_TYPE: [76, false],
  OFFSET_NOT_AVAILABLE: [78, true],
  MEMBER_ID_REQUIRED: [79, false],
  GROUP_MAX_SIZE_REACHED: [81, false],
  FENCED_INSTANCE_ID: [82, false],
  ELECTION_NOT_NEEDED: [84, false],
  NO_REASSIGNMENT_IN_PROGRESS: [85, false],
  GROUP_SUBSCRIBED_TO_TOPIC: [86, false],
  INVALID_RECORD: [87, false],
  UNSTABLE_OFFSET_COMMIT: [88, true],
  THROTTLING_QUOTA_EXCEEDED: [89, true],
  PRODUCER_FENCED: [90, false],
  RESOURCE_NOT_FOUND: [91, false],
  DUPLICATE_RESOURCE: [92, false],
  UNKNOWN_TOPIC_ID: [100, true],
  TRANSACTIONAL_ID_NOT_FOUND: [105, false],
  UNRELEASED_INSTANCE_ID: [111, false],
  UNSUPPORTED_ASSIGNOR: [112, false],
  TRANSACTION_ABORTABLE: [120, false],
} as const satisfies Record<string, readonly [number, boolean]>;

export type KafkaErrorCode = keyof typeof CATALOGUE;

const BY_NUMBER = new Map<number, KafkaErrorCode>(
  (Object.keys(CATALOGUE) as KafkaErrorCode[]).map((name) => [CATALOGUE[name][0], name]),
);

/** An error of the storage layer or the Kafka protocol, named and numbered as Kafka does. */
export class KafkaError extends FreshetError {
  declare readonly code: KafkaErrorCode;
  /** Kafka's numeric error code, as it goes on the wire. */
  readonly errorCode: number;
  /** Whether a client may retry the same request and expect it to succeed. */
  readonly retriable: boolean;

  constructor(code: KafkaErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.errorCode = CATALOGUE[code][0];
    this.retriable = CATALOGUE[code][1];
  }

  /** The error for a numeric code received from the wire (unknown numbers map to UNKNOWN_SERVER_ERROR). */
  static fromErrorCode(errorCode: number, message?: string): KafkaError {
    const name = BY_NUMBER.get(errorCode) ?? 'UNKNOWN_SERVER_ERROR';
    return new KafkaError(name, message ?? `The broker answered with error ${name} (${errorCode}).`);
  }
}

export function kafkaErrorCode(name: KafkaErrorCode): number {
  return CATALOGUE[name][0];
}

export function kafkaErrorName(errorCode: number): KafkaErrorCode {
  return BY_NUMBER.get(errorCode) ?? 'UNKNOWN_SERVER_ERROR';
}

/** The numeric code to answer with for any thrown value (non-Kafka errors are UNKNOWN_SERVER_ERROR). */
export function errorCodeOf(err: unknown): number {
  return err instanceof KafkaError ? err.errorCode : -1;
}
