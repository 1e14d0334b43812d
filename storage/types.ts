/** Types shared by the log, the broker and the clients. */

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** `earliest`/`latest` as ListOffsets asks for them: -2 and -1 on the wire. */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/** A stable string for a topic-partition, for use as a Map key. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
