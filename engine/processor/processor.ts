/**
 * The Processor API: the lowest level of a topology, and what every DSL operator is built from.
 * A processor gets records one at a time, synchronously, and forwards records to its children.
 */
import type { StateStore } from '../../storage/state/state-store.js';
import type { Record, RecordContext } from './record.js';

export type PunctuationType = 'STREAM_TIME' | 'WALL_CLOCK_TIME';

export interface Cancellable {
  cancel(): void;
}

export type Punctuator = (timestamp: number) => void;

export interface ProcessorContext<KForward = unknown, VForward = unknown> {
  readonly applicationId: string;
  /** e.g. `0_1`: sub-topology 0, partition 1. */
  readonly taskId: string;
  /** Where the record being processed came from; null inside a punctuator. */
  recordMetadata(): RecordContext | null;
  /** Sends a record to all children, or to the one named. */
  forward(record: Record<KForward, VForward>, childName?: string): void;
  /** Calls `punctuator` every `intervalMs` of stream time or wall-clock time. */
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** Asks for a commit as soon as possible. */
  commit(): void;
  /** A store connected to this processor. */
  getStateStore<S extends StateStore = StateStore>(name: string): S;
  /** The largest timestamp the task has seen (-1 before the first record). */
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
  /** The application's configuration. */
  readonly appConfigs: Readonly<Record_<string, unknown>>;
}

type Record_<K extends string, V> = { [key in K]: V };

export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: Record<KIn, VIn>): void;
  close?(): void;
}

export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>;
