/**
 * The pull side of the remote consumer: `poll()` over fetches that run in the background. While
 * the application works on one batch, the next fetch is already in flight (as the Java
 * consumer's fetcher does), so a poll loop does not pay a network round trip per call.
 *
 * Two offsets per partition keep commits exact: `position` is the next record poll() will
 * return (what commits and position() report), `fetchOffset` is where the next fetch starts,
 * past everything buffered. Memory stays bounded: a partition is fetched only when its buffer
 * is empty, and no fetch starts while the buffers hold `maxBufferedRecords` or more.
 *
 * A seek (or reset) bumps the partition's generation; a fetch that was in flight for the old
 * generation is dropped when it lands, so no record from before a seek ever comes out of poll().
 */
import type { KafkaError } from '../errors.js';
import type { ConsumerRecord } from '../client/types.js';
import { tpKey, type TopicPartition } from '../types.js';

export interface PartitionFetch {
  topic: string;
  partition: number;
  offset: number;
}

export interface PartitionFetchResult {
  topic: string;
  partition: number;
  /** The offset this result was fetched from. */
  offset: number;
  records: ConsumerRecord[];
  /** Where the next fetch starts: past every batch read, including markers and aborted data. */
  nextOffset: number;
  /** The partition's end as the broker reported it (HW, or LSO under read_committed); -1 unknown. */
  endOffset?: number;
  error: KafkaError | null;
}

/** One fetch of the given partitions; a partition missing from the result simply had no data. */
export type FetchFn = (targets: PartitionFetch[]) => Promise<PartitionFetchResult[]>;

export type ResetKind = 'earliest' | 'latest' | 'policy';

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** The offset of the next record poll() returns; null until resolved (committed offset or reset). */
  position: number | null;
  /** Where the next fetch starts (past everything buffered). */
  fetchOffset: number;
  buffered: ConsumerRecord[];
  paused: boolean;
  /**
   * How to resolve a null position: null reads the committed offset (then auto.offset.reset);
   * 'policy' applies auto.offset.reset directly (the fetch hit OFFSET_OUT_OF_RANGE);
   * 'earliest' and 'latest' are seekToBeginning() and seekToEnd().
   */
  reset: ResetKind | null;
  /** The partition's end as of the last fetch (HW, or LSO under read_committed); -1 unknown. */
  endOffset: number;
  /** Bumped by every seek; results of fetches sent before are dropped. */
  generation: number;
}

export interface PollBridgeOptions {
  maxPollRecords: number;
  maxBufferedRecords: number;
  /** retry.backoff.ms: the pause before fetching again after a transient error. Default 100. */
  retryBackoffMs?: number;
  /** Errors that a retry may cure (a leader moved, the topic is being created): logged, not thrown. */
  onTransientError?(error: KafkaError): void;
}

export class PollBridge {
  private readonly states = new Map<string, PartitionState>();
  private inflight: Promise<void> | null = null;
  private failure: KafkaError | null = null;
  private backoffUntil = 0;
  private rotation = 0;

  constructor(
    private readonly fetch: FetchFn,
    private readonly options: PollBridgeOptions,
  ) {}

  // ------------------------------------------------------------ partitions

  add(tp: TopicPartition): PartitionState {
    const k = tpKey(tp.topic, tp.partition);
    let s = this.states.get(k);
    if (!s) {
      s = { topic: tp.topic, partition: tp.partition, position: null, fetchOffset: 0, buffered: [], paused: false, reset: null, generation: 0, endOffset: -1 };
      this.states.set(k, s);
    }
    return s;
  }

  remove(tp: TopicPartition): void {
    this.states.delete(tpKey(tp.topic, tp.partition));
  }

  clear(): void {
    this.states.clear();
  }

  get(tp: TopicPartition): PartitionState | undefined {
    return this.states.get(tpKey(tp.topic, tp.partition));
  }

  all(): PartitionState[] {
    return [...this.states.values()];
  }

  /** Moves the partition to `offset`: its buffer and any fetch in flight for it are dropped. */
  seek(s: PartitionState, offset: number): void {
    s.position = offset;
    s.fetchOffset = offset;
    s.buffered = [];
    s.reset = null;
    s.generation++;
  }

  /** Forgets the position (the next poll resolves it again, as `reset` says), dropping buffered records. */
  unresolve(s: PartitionState, reset: ResetKind | null): void {
    s.position = null;
    s.buffered = [];
    s.reset = reset;
    s.generation++;
  }

  bufferedCount(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.buffered.length;
    return n;
  }

  // ------------------------------------------------------------ polling

  /**
   * Records ready now, then (if none were) what arrives within `timeoutMs`. Starts the next
   * fetch before returning, so it runs while the caller processes these records.
   */
  async poll(timeoutMs: number): Promise<ConsumerRecord[]> {
    this.throwFailure();
    let out = this.drain();
    const deadline = Date.now() + Math.max(0, timeoutMs);
    while (out.length === 0) {
      this.startFetch();
      const left = deadline - Date.now();
      if (left <= 0) break;
      if (this.inflight === null) {
        // Nothing to fetch (all paused, unresolved or none assigned): wait a little, as a fetch would.
        await sleep(Math.min(left, 100));
        break;
      }
      await this.waitForInflight(left);
      this.throwFailure();
      out = this.drain();
    }
    this.startFetch();
    return out;
  }

  /** Resolves when the fetch in flight (if any) has landed, or after `ms`. */
  async waitForInflight(ms: number): Promise<void> {
    const inflight = this.inflight;
    if (inflight === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([inflight, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** Whether a fetch is in flight (for tests and close()). */
  get fetching(): boolean {
    return this.inflight !== null;
  }

  /** Starts a fetch of every partition that can take more records, unless one is in flight. */
  startFetch(): void {
    if (this.inflight !== null || this.failure !== null || Date.now() < this.backoffUntil) return;
    if (this.bufferedCount() >= this.options.maxBufferedRecords) return;
    const targets: { state: PartitionState; generation: number; target: PartitionFetch }[] = [];
    for (const s of this.states.values()) {
      if (s.paused || s.position === null || s.buffered.length > 0) continue;
      targets.push({ state: s, generation: s.generation, target: { topic: s.topic, partition: s.partition, offset: s.fetchOffset } });
    }
    if (targets.length === 0) return;
    const run = this.fetch(targets.map((t) => t.target)).then(
      (results) => this.land(targets, results),
      (err: KafkaError) => this.fail(err),
    );
    this.inflight = run.finally(() => {
      this.inflight = null;
    });
  }

  private land(sent: { state: PartitionState; generation: number; target: PartitionFetch }[], results: PartitionFetchResult[]): void {
    const byKey = new Map(sent.map((t) => [tpKey(t.target.topic, t.target.partition), t]));
    for (const r of results) {
      const k = tpKey(r.topic, r.partition);
      const t = byKey.get(k);
      const s = this.states.get(k);
      // Revoked, re-added or moved by a seek since the fetch went out: this data is stale.
      if (!t || s !== t.state || s.generation !== t.generation || s.fetchOffset !== r.offset) continue;
      if (r.error) {
        if (r.error.code === 'OFFSET_OUT_OF_RANGE') this.unresolve(s, 'policy');
        else this.fail(r.error);
        continue;
      }
      if (r.endOffset !== undefined && r.endOffset >= 0) s.endOffset = r.endOffset;
      if (r.records.length > 0) {
        for (const rec of r.records) s.buffered.push(rec);
      } else if (s.buffered.length === 0 && s.position === s.fetchOffset) {
        // Only transaction markers or aborted records: the position moves past them too.
        s.position = r.nextOffset;
      }
      s.fetchOffset = r.nextOffset;
    }
  }

  private fail(err: KafkaError): void {
    // A batch that fails its CRC fails again on every fetch: Kafka calls the code retriable, but
    // the Java consumer throws it to the application, and so does this one.
    if (err.retriable && err.code !== 'CORRUPT_MESSAGE') {
      this.options.onTransientError?.(err);
      this.backoffUntil = Date.now() + (this.options.retryBackoffMs ?? 100);
      return;
    }
    this.failure ??= err;
  }

  private throwFailure(): void {
    const f = this.failure;
    if (f === null) return;
    this.failure = null;
    throw f;
  }

  /** Takes buffered records of unpaused partitions, at most maxPollRecords, advancing their positions. */
  drain(): ConsumerRecord[] {
    const states = [...this.states.values()];
    if (states.length === 0) return [];
    const out: ConsumerRecord[] = [];
    let room = this.options.maxPollRecords;
    // Start at a different partition each time so one busy partition cannot starve the others.
    const start = this.rotation++ % states.length;
    for (let i = 0; i < states.length && room > 0; i++) {
      const s = states[(start + i) % states.length]!;
      if (s.paused || s.buffered.length === 0) continue;
      const take = Math.min(room, s.buffered.length);
      for (let j = 0; j < take; j++) out.push(s.buffered[j]!);
      room -= take;
      if (take === s.buffered.length) {
        s.buffered = [];
        s.position = s.fetchOffset;
      } else {
        s.buffered = s.buffered.slice(take);
        s.position = s.buffered[0]!.offset;
      }
    }
    return out;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
