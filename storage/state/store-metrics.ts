/**
 * Per-store metrics of the metered layer: operation counts always, latencies when asked for.
 * Kafka Streams records store latencies only at the DEBUG recording level, because timing every
 * get and put costs about as much as an in-memory put; here `recordLatency` plays that part.
 */

export type StoreOperation = 'put' | 'putIfAbsent' | 'putAll' | 'get' | 'delete' | 'range' | 'prefixScan' | 'fetch' | 'remove' | 'flush';

const OPERATIONS: readonly StoreOperation[] = ['put', 'putIfAbsent', 'putAll', 'get', 'delete', 'range', 'prefixScan', 'fetch', 'remove', 'flush'];

export interface OperationStats {
  count: number;
  /** Total milliseconds (0 unless latency recording was on). */
  totalMs: number;
  /** Mean milliseconds per recorded operation. */
  avgMs: number;
}

export class StoreMetrics {
  /** Time every operation (Kafka's DEBUG recording level). */
  recordLatency = false;
  private readonly counts = new Map<StoreOperation, number>(OPERATIONS.map((op) => [op, 0]));
  private readonly timed = new Map<StoreOperation, number>(OPERATIONS.map((op) => [op, 0]));
  private readonly totals = new Map<StoreOperation, number>(OPERATIONS.map((op) => [op, 0]));

  /** A start time for record(), or -1 when latencies are off. */
  start(): number {
    return this.recordLatency ? performance.now() : -1;
  }

  record(op: StoreOperation, started: number): void {
    this.counts.set(op, this.counts.get(op)! + 1);
    if (started >= 0) {
      this.timed.set(op, this.timed.get(op)! + 1);
      this.totals.set(op, this.totals.get(op)! + performance.now() - started);
    }
  }

  count(op: StoreOperation): number {
    return this.counts.get(op)!;
  }

  stats(op: StoreOperation): OperationStats {
    const timed = this.timed.get(op)!;
    const totalMs = this.totals.get(op)!;
    return { count: this.counts.get(op)!, totalMs, avgMs: timed === 0 ? 0 : totalMs / timed };
  }

  /** Every operation's stats, for a metrics endpoint. */
  snapshot(): Record<StoreOperation, OperationStats> {
    const out = {} as Record<StoreOperation, OperationStats>;
    for (const op of OPERATIONS) out[op] = this.stats(op);
    return out;
  }
}
