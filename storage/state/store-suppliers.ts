/**
 * Store suppliers: named recipes for the inner bytes store of a kind and backend (Kafka's
 * KeyValueBytesStoreSupplier and friends). A builder calls get() once per task and wraps the
 * result; the supplier also carries what the builder needs to know (retention for the changelog
 * config, window size for Windowed keys, duplicates).
 */
import type { KeyValueBytesStore, RangeDeletableBytesStore } from './bytes-store.js';
import { InMemoryKeyValueBytesStore } from './in-memory-key-value-store.js';
import type { BackendChoice, PersistentStoreOptions } from './persistent-backend.js';
import { PersistentKeyValueBytesStore } from './persistent-key-value-store.js';
import { defaultSegmentInterval, SegmentedBytesStore, SESSION_SCHEMA, WINDOW_SCHEMA, type RetentionClock } from './segmented-bytes-store.js';
import { StateStoreError } from './state-errors.js';

export type StoreBackend = BackendChoice | 'memory';

export interface KeyValueBytesStoreSupplier {
  readonly kind: 'keyValue';
  readonly name: string;
  readonly persistent: boolean;
  /** Made by a timestamped factory (the builder decides the value format; this is informative). */
  readonly timestamped: boolean;
  readonly backend: StoreBackend;
  get(): KeyValueBytesStore;
}

export interface WindowBytesStoreSupplier {
  readonly kind: 'window';
  readonly name: string;
  readonly persistent: boolean;
  readonly timestamped: boolean;
  readonly backend: StoreBackend;
  readonly retentionMs: number;
  readonly windowSizeMs: number;
  readonly segmentIntervalMs: number;
  readonly retainDuplicates: boolean;
  readonly retentionClock: RetentionClock;
  get(): KeyValueBytesStore;
}


export interface SessionBytesStoreSupplier {
  readonly kind: 'session';
  readonly name: string;
  readonly persistent: boolean;
  readonly backend: StoreBackend;
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
  get(): KeyValueBytesStore;
}

export interface WindowStoreOptions extends PersistentStoreOptions {
  /** How long windows are kept after stream time passes their start; at least the window size. */
  retentionMs: number;
  windowSizeMs: number;
  /** Keep every value put for the same key and window start (stream-stream joins). */
  retainDuplicates?: boolean;
  /** Time span of one segment; default max(retention / 2, 60 s) as in Kafka. */
  segmentIntervalMs?: number;
  /** What retention is measured from (see RetentionClock); default 'task'. */
  retentionClock?: RetentionClock;
}

export interface SessionStoreOptions extends PersistentStoreOptions {
  /** How long sessions are kept after stream time passes their end. */
  retentionMs: number;
  segmentIntervalMs?: number;
}

/** Store names become directory and changelog topic names: Kafka's legal topic characters. */
const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,200}$/;

function checkName(name: string): void {
  if (typeof name !== 'string' || !LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new StateStoreError('STATE_STORE_INVALID_CONFIG', `Invalid state store name '${String(name)}': use 1-200 of the characters a-z A-Z 0-9 . _ - (it names a directory and the changelog topic).`);
  }
}

function checkDuration(name: string, what: string, ms: number, min: number): void {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < min) {
    throw new StateStoreError('STATE_STORE_INVALID_CONFIG', `State store '${name}': ${what} must be an integer number of milliseconds ≥ ${min}, got ${String(ms)}.`);
  }
}

function backendOf(persistent: boolean, options: PersistentStoreOptions): StoreBackend {
  return persistent ? (options.backend ?? 'auto') : 'memory';
}

function innerKeyValue(name: string, persistent: boolean, options: PersistentStoreOptions): RangeDeletableBytesStore {
  return persistent ? new PersistentKeyValueBytesStore(name, options) : new InMemoryKeyValueBytesStore(name);
}

export function keyValueSupplier(name: string, persistent: boolean, timestamped: boolean, options: PersistentStoreOptions = {}): KeyValueBytesStoreSupplier {
  checkName(name);
  return { kind: 'keyValue', name, persistent, timestamped, backend: backendOf(persistent, options), get: () => innerKeyValue(name, persistent, options) };
}

export function windowSupplier(name: string, persistent: boolean, timestamped: boolean, options: WindowStoreOptions): WindowBytesStoreSupplier {
  checkName(name);
  checkDuration(name, 'retentionMs', options.retentionMs, 0);
  checkDuration(name, 'windowSizeMs', options.windowSizeMs, 0);
  if (options.windowSizeMs > options.retentionMs) {
    throw new StateStoreError(
      'STATE_STORE_INVALID_CONFIG',
      `State store '${name}': the retention (${options.retentionMs} ms) must be at least the window size (${options.windowSizeMs} ms), or windows would expire before they close.`,
    );
  }
  const segmentIntervalMs = options.segmentIntervalMs ?? defaultSegmentInterval(options.retentionMs);
  checkDuration(name, 'segmentIntervalMs', segmentIntervalMs, 1);
  const { retentionMs, windowSizeMs } = options;
  const retentionClock = options.retentionClock ?? 'task';
  return {
    kind: 'window',
    name,
    persistent,
    timestamped,
    backend: backendOf(persistent, options),
    retentionMs,
    windowSizeMs,
    segmentIntervalMs,
    retainDuplicates: options.retainDuplicates ?? false,
    retentionClock,
    get: () => new SegmentedBytesStore(name, innerKeyValue(name, persistent, options), WINDOW_SCHEMA, retentionMs, segmentIntervalMs, retentionClock),
  };
}

export function sessionSupplier(name: string, persistent: boolean, options: SessionStoreOptions): SessionBytesStoreSupplier {
  checkName(name);
  checkDuration(name, 'retentionMs', options.retentionMs, 0);
  const segmentIntervalMs = options.segmentIntervalMs ?? defaultSegmentInterval(options.retentionMs);
  checkDuration(name, 'segmentIntervalMs', segmentIntervalMs, 1);
  const { retentionMs } = options;
  return {
    kind: 'session',
    name,
    persistent,
    backend: backendOf(persistent, options),
    retentionMs,
    segmentIntervalMs,
    get: () => new SegmentedBytesStore(name, innerKeyValue(name, persistent, options), SESSION_SCHEMA, retentionMs, segmentIntervalMs),
  };
}
