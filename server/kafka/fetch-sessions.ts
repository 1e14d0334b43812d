/**
 * Incremental fetch sessions (KIP-227, Fetch v7+). A consumer fetching many partitions sends
 * the whole list once; the broker remembers it under a session id, and later requests carry only
 * the partitions whose fetch position changed, responses only the partitions with something new
 * (records, a moved high watermark, last stable offset or log start, an error).
 *
 *   sessionId 0, epoch -1   full fetch, no session (librdkafka, kafkajs)
 *   sessionId 0, epoch 0    full fetch, create a session: the response carries its id
 *   sessionId S, epoch -1   close S; full fetch without a session
 *   sessionId S, epoch 0    close S and create a new one
 *   sessionId S, epoch N>0  incremental fetch on S; N must be the epoch S expects next
 *
 * When the cache is full a new session is not created and the response says sessionId 0, which
 * tells the client to keep sending full requests (as Kafka does).
 */
import { randomInt } from 'node:crypto';

/** One partition a session tracks, with what the client was last told about it. */
export interface SessionPartition {
  readonly key: string;
  /** Empty when the request named the topic by an id this broker does not know. */
  topic: string;
  topicId: string;
  readonly partition: number;
  fetchOffset: number;
  maxBytes: number;
  /** Last values sent, so an incremental response can leave unchanged partitions out. */
  sentHighWatermark: number;
  sentLastStableOffset: number;
  sentLogStartOffset: number;
}

export class FetchSession {
  /** In fetch order; partitions that returned data move to the back so none starves. */
  readonly partitions = new Map<string, SessionPartition>();
  /** The epoch the next incremental request must carry. */
  epoch = 1;
  lastUsed: number;

  constructor(
    readonly id: number,
    now: number,
  ) {
    this.lastUsed = now;
  }

  /** Kafka's epoch sequence: 1, 2, ..., 2^31-1, 1, ... */
  advance(): void {
    this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1;
  }

  moveToBack(p: SessionPartition): void {
    this.partitions.delete(p.key);
    this.partitions.set(p.key, p);
  }
}

export interface FetchSessionOptions {
  /** max.incremental.fetch.session.cache.slots */
  maxSessions?: number;
  /** A session unused this long may be evicted to make room for a new one. */
  evictAfterMs?: number;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private readonly maxSessions: number;
  private readonly evictAfterMs: number;

  constructor(opts: FetchSessionOptions = {}) {
    this.maxSessions = opts.maxSessions ?? 1000;
    this.evictAfterMs = opts.evictAfterMs ?? 120_000;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** A new session, or null when every slot is taken by a recently used one. */
  create(now: number): FetchSession | null {
    if (this.sessions.size >= this.maxSessions && !this.evictOne(now)) return null;
    let id: number;
    do id = randomInt(1, 0x7fffffff);
    while (this.sessions.has(id));
    const session = new FetchSession(id, now);
    this.sessions.set(id, session);
    return session;
  }

  /** Evicts the least recently used session if it has been idle long enough. */
  private evictOne(now: number): boolean {
    let oldest: FetchSession | undefined;
    for (const s of this.sessions.values()) if (!oldest || s.lastUsed < oldest.lastUsed) oldest = s;
    if (!oldest || now - oldest.lastUsed < this.evictAfterMs) return false;
    this.sessions.delete(oldest.id);
    return true;
  }

  clear(): void {
    this.sessions.clear();
  }
}
