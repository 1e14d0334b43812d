/**
 * A table's materialized view for pull queries: the latest record of every key, kept by tailing
 * the table's topic (a tombstone removes the key). It works the same for CTAS results and for
 * source tables, windowed or not (a windowed key's bytes include its window). A pull query first
 * waits until the view has read the topic up to its end offsets as of the query, so it sees
 * every row written before it was asked; a view that is caught up already (as told by the broker
 * in this process) is read at once.
 */
import type { RawRecord } from '../../engine/runtime/record-queue.js';
import type { StorageClient } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import { TopicTail } from './transient.js';

export class TableView {
  private readonly rows = new Map<string, RawRecord>();
  private readonly tail: TopicTail;

  constructor(client: StorageClient, readonly topic: string, logger: Logger) {
    this.tail = new TopicTail(client, topic, 'earliest', logger);
    this.tail.subscribe((_partition, records) => {
      for (const r of records) {
        if (r.key === null) continue;
        const k = r.key.toString('latin1');
        if (r.value === null) this.rows.delete(k);
        else this.rows.set(k, r);
      }
    });
  }

  get size(): number {
    return this.rows.size;
  }

  /** Whether the view holds every record written to its topic so far, told without waiting; false: await catchUp(). */
  caughtUpNow(): boolean {
    return this.tail.caughtUpNow();
  }

  /** Resolves once the view holds every record written to its topic before the call. */
  catchUp(): Promise<void> {
    return this.tail.catchUp();
  }

  /** read() once caught up with the topic. */
  async snapshot(keys?: readonly Buffer[], windowSuffix?: number): Promise<RawRecord[]> {
    if (!this.caughtUpNow()) await this.catchUp();
    return this.read(keys, windowSuffix);
  }

  /**
   * The rows held now: all of them partition by partition, each in key-byte order (the order
   * ksqlDB's table scans answer in), or those of the given keys in the order given (as an IN list
   * is answered); for a windowed table, `windowSuffix` is how many bytes of window follow the key
   * in a record key.
   */
  read(keys?: readonly Buffer[], windowSuffix?: number): RawRecord[] {
    if (!keys) return [...this.rows.values()].sort((a, b) => a.partition - b.partition || Buffer.compare(a.key!, b.key!));
    if (windowSuffix === undefined) {
      if (keys.length === 1) {
        const r = this.rows.get(keys[0]!.toString('latin1'));
        return r === undefined ? [] : [r];
      }
      return [...new Set(keys.map((k) => k.toString('latin1')))].map((k) => this.rows.get(k)).filter((r) => r !== undefined);
    }
    // A windowed table: every window of each key (the record key is the key then the window).
    const order = new Map<string, number>();
    keys.forEach((k, i) => order.has(k.toString('latin1')) || order.set(k.toString('latin1'), i));
    const found: { record: RawRecord; at: number }[] = [];
    for (const r of this.rows.values()) {
      const at = order.get(r.key!.subarray(0, r.key!.length - windowSuffix).toString('latin1'));
      if (at !== undefined) found.push({ record: r, at });
    }
    return found.sort((a, b) => a.at - b.at || Buffer.compare(a.record.key!, b.record.key!)).map((f) => f.record);
  }

  close(): Promise<void> {
    return this.tail.close();
  }
}
