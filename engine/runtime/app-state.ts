/**
 * The lifecycle of a StreamsApp, Kafka Streams' KafkaStreams.State:
 *
 *   CREATED -> REBALANCING <-> RUNNING
 *      |            |             |
 *      |            +------+------+----> PENDING_ERROR -> ERROR
 *      v                   v
 *   PENDING_SHUTDOWN -> NOT_RUNNING
 *
 * REBALANCING covers both a group rebalance and restoring the state of newly assigned tasks:
 * the app is RUNNING only when every task it owns is processing.
 */
import type { Logger } from '../../storage/logger.js';

export type AppState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'PENDING_ERROR' | 'ERROR';

const NEXT: Record<AppState, readonly AppState[]> = {
  CREATED: ['REBALANCING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  REBALANCING: ['RUNNING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  RUNNING: ['REBALANCING', 'PENDING_SHUTDOWN', 'PENDING_ERROR'],
  PENDING_SHUTDOWN: ['NOT_RUNNING'],
  NOT_RUNNING: [],
  PENDING_ERROR: ['ERROR'],
  ERROR: [],
};

export type StateListener = (newState: AppState, oldState: AppState) => void;

export class AppStateMachine {
  private current: AppState = 'CREATED';
  private readonly listeners = new Set<StateListener>();

  constructor(private readonly logger: Logger) {}

  get state(): AppState {
    return this.current;
  }

  /** Moves to `next` when the lifecycle allows it; returns whether it moved. */
  transition(next: AppState): boolean {
    const from = this.current;
    if (from === next || !NEXT[from].includes(next)) return false;
    this.current = next;
    this.logger.info(`State transition from ${from} to ${next}`);
    for (const l of [...this.listeners]) {
      try {
        l(next, from);
      } catch (err) {
        // A listener is user code: it must not break the lifecycle.
        this.logger.warn('A state listener threw', { error: String(err) });
      }
    }
    return true;
  }

  isShuttingDown(): boolean {
    return this.current === 'PENDING_SHUTDOWN' || this.current === 'NOT_RUNNING' || this.current === 'PENDING_ERROR' || this.current === 'ERROR';
  }

  onChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the app reaches one of `states`; rejects after `timeoutMs`. */
  waitFor(states: readonly AppState[], timeoutMs: number): Promise<AppState> {
    if (states.includes(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for state ${states.join(' or ')} (state is ${this.current}).`));
      }, timeoutMs);
      const off = this.onChange((s) => {
        if (!states.includes(s)) return;
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
  }
}
