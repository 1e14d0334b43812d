/**
 * The records waiting in one input partition of a task. The head record is deserialized and its
 * timestamp extracted when it becomes the head, so the task can pick the partition whose next
 * record is oldest (Kafka's record choice by timestamp).
 */
import type { Serde } from '../serde/serde.js';
import { recordTimestamp, type TimestampExtractor } from '../topology/topology.js';
import { Headers } from '../processor/headers.js';
import type { RecordHeader } from '../../storage/types.js';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface StampedRecord {
  raw: RawRecord;
  key: unknown;
  value: unknown;
  timestamp: number;
  headers: Headers;
}

export type HeadProblem = { kind: 'deserialization'; error: unknown; raw: RawRecord } | { kind: 'timestamp'; timestamp: number; raw: RawRecord };

export class RecordQueue {
  private records: RawRecord[] = [];
  private pos = 0;
  private headRecord: StampedRecord | null = null;
  /** The largest timestamp seen in this partition (what a timestamp extractor gets as partition time). */
  partitionTime = -1;
  /** The offset after the last record processed (set by the task) or skipped here; -1: none yet. */
  consumedOffset = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly sourceNode: string,
    private readonly keySerde: Serde<unknown>,
    private readonly valueSerde: Serde<unknown>,
    private readonly extractor: TimestampExtractor,
    /** Reports records dropped while becoming the head (bad bytes, invalid timestamps). */
    private readonly onProblem: (p: HeadProblem) => void,
  ) {}

  add(records: readonly RawRecord[]): void {
    if (this.pos > 1024 && this.pos > this.records.length / 2) {
      this.records = this.records.slice(this.pos);
      this.pos = 0;
    }
    for (const r of records) this.records.push(r);
  }

  get size(): number {
    return this.records.length - this.pos + (this.headRecord ? 1 : 0);
  }

  isEmpty(): boolean {
    return this.head() === null;
  }

  /** The next record, deserialized; records that fail are reported and skipped. */
  head(): StampedRecord | null {
    while (this.headRecord === null && this.pos < this.records.length) {
      const raw = this.records[this.pos++]!;
      let key: unknown;
      let value: unknown;
      const headers = raw.headers.length === 0 ? Headers.EMPTY : new Headers(raw.headers);
      try {
        key = this.keySerde.deserialize(raw.topic, raw.key, headers);
        value = this.valueSerde.deserialize(raw.topic, raw.value, headers);
      } catch (error) {
        this.consumedOffset = raw.offset + 1;
        this.onProblem({ kind: 'deserialization', error, raw });
        continue;
      }
      const timestamp = this.extractor === recordTimestamp ? raw.timestamp : this.extractor({ key, value, timestamp: raw.timestamp, topic: raw.topic, partition: raw.partition, offset: raw.offset }, this.partitionTime);
      if (!(timestamp >= 0)) {
        this.consumedOffset = raw.offset + 1;
        this.onProblem({ kind: 'timestamp', timestamp, raw });
        continue;
      }
      this.headRecord = { raw, key, value, timestamp, headers };
    }
    return this.headRecord;
  }

  /** Removes and returns the head. */
  poll(): StampedRecord | null {
    const head = this.head();
    if (head) {
      this.headRecord = null;
      if (head.timestamp > this.partitionTime) this.partitionTime = head.timestamp;
    }
    return head;
  }

  clear(): void {
    this.records = [];
    this.pos = 0;
    this.headRecord = null;
  }
}
