/**
 * A StoreBuilder makes one store instance per task (each task owns its shard of the state), with
 * the wrappers its options ask for: metered -> caching -> change-logging -> the inner store.
 */
import type { StateStore } from './state-store.js';

export type StoreKind = 'keyValue' | 'timestampedKeyValue' | 'window' | 'timestampedWindow' | 'session';

export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string;
  readonly kind: StoreKind;
  /** Whether changes go to a changelog topic `<application.id>-<name>-changelog`. */
  readonly loggingEnabled: boolean;
  /** Topic configs of the changelog (cleanup.policy etc., merged over the defaults). */
  readonly logConfig: Readonly<Record<string, string>>;
  readonly cachingEnabled: boolean;
  withLoggingEnabled(config?: Record<string, string>): this;
  withLoggingDisabled(): this;
  withCachingEnabled(): this;
  withCachingDisabled(): this;
  build(): S;
}
