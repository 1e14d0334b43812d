/**
 * KTable.suppress (Kafka's KTableSuppressProcessor): table updates wait in a buffer
 * (suppress-buffer.ts) until their buffer time is old enough in the processor's stream time:
 *
 *   untilWindowCloses   buffer time = the window end; emitted once stream time ≥ end + grace
 *                       (+ gap for sessions), one final result per window; deletes are dropped
 *                       (nothing was emitted for the key)
 *   untilTimeLimit      buffer time = the timestamp of the key's first buffered update; emitted
 *                       once stream time ≥ that + the limit, with the key's latest value
 *
 * Later updates of a buffered key replace its value but keep its place (buffer time), and the
 * emitted change's old value is what downstream saw before the first of them. Stream time only
 * moves with records reaching this processor, so results come out when a later record arrives.
 * When a bounded buffer overflows, it emits its oldest entries early, or stops the task.
 */
import type { Windowed } from '../../storage/state/stores.js';
import { change, type Change } from '../dsl/change.js';
import { Headers } from '../processor/headers.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import { TaskProcessingError, type TaskContext } from '../runtime/stream-task.js';
import type { Serde } from '../serde/serde.js';
import { SerializationError, Serdes } from '../serde/serdes.js';
import type { ValueGetterSupplier } from './ktable.js';
import type { Eviction, SuppressBufferStore } from './suppress-buffer.js';

/** A shutDownWhenFull buffer overflowed: the task stops (no exception handler can skip this). */
export class SuppressionBufferFullError extends TaskProcessingError {
  constructor(message: string) {
    super(message);
    (this as { code: string }).code = 'SUPPRESSION_BUFFER_FULL';
  }
}

export interface SuppressionSpec<K> {
  storeName: string;
  /** Final results: the buffer time is the key's window end. Otherwise the update's timestamp. */
  untilWindowCloses: boolean;
  /** How long after its buffer time an update waits: the windows' close delay, or the time limit. */
  durationMs: number;
  maxRecords: number;
  maxBytes: number;
  whenFull: 'emitEarly' | 'shutDown';
  /** The key serde, given the application's default key serde (windowed tables wrap it). */
  keySerde(defaultKeySerde: Serde<unknown>): Serde<K>;
  valueSerde: Serde<unknown> | undefined;
}

interface Codec<K, V> {
  topic: string;
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
}

/** The serdes, with the application's defaults (which the buffer got from its task) for what the table does not know. */
function codecFor<K, V>(ctx: ProcessorContext<unknown, unknown>, spec: SuppressionSpec<K>, buffer: SuppressBufferStore): Codec<K, V> {
  const bytes = Serdes.Bytes() as Serde<unknown>;
  return {
    topic: `${ctx.applicationId}-${spec.storeName}-changelog`,
    keySerde: spec.keySerde((buffer.defaultKeySerde as Serde<unknown> | undefined) ?? bytes),
    valueSerde: (spec.valueSerde ?? (buffer.defaultValueSerde as Serde<unknown> | undefined) ?? bytes) as Serde<V>,
  };
}

function keyBytes<K>(codec: Codec<K, unknown>, key: K): Buffer {
  const bytes = codec.keySerde.serialize(codec.topic, key);
  if (bytes === null) throw new SerializationError(`The key serde of suppression buffer '${codec.topic}' serialized a key to null: suppressed tables need keys with bytes.`);
  return bytes;
}

function bufferTime<K>(spec: SuppressionSpec<K>, key: K): number | undefined {
  return spec.untilWindowCloses ? (key as Windowed<unknown>).window.end : undefined;
}

export function suppressProcessor<K, V>(spec: SuppressionSpec<K>): ProcessorSupplier<K, Change<V>, K, Change<V>> {
  return () => new SuppressProcessor<K, V>(spec);
}

class SuppressProcessor<K, V> implements Processor<K, Change<V>, K, Change<V>> {
  private ctx!: ProcessorContext<K, Change<V>>;
  private buffer!: SuppressBufferStore;
  private codec!: Codec<K, V>;
  private observedStreamTime = -1;

  constructor(private readonly spec: SuppressionSpec<K>) {}

  init(context: ProcessorContext<K, Change<V>>): void {
    this.ctx = context;
    this.buffer = context.getStateStore<SuppressBufferStore>(this.spec.storeName);
    this.codec = codecFor<K, V>(context as ProcessorContext<unknown, unknown>, this.spec, this.buffer);
  }

  process(record: Record<K, Change<V>>): void {
    // Table processors drop keyless records before they get here; be as forgiving.
    if (record.key === null || record.key === undefined) {
      (this.ctx as unknown as TaskContext).metrics.droppedNullKey++;
      return;
    }
    if (record.timestamp > this.observedStreamTime) this.observedStreamTime = record.timestamp;
    const { topic, valueSerde } = this.codec;
    const key = keyBytes(this.codec, record.key);
    const found = this.buffer.find(key, bufferTime(this.spec, record.key));
    const time = found?.time ?? bufferTime(this.spec, record.key) ?? record.timestamp;
    const prior = found !== null ? found.entry.prior : valueSerde.serialize(topic, record.value.oldValue);
    const newValue = valueSerde.serialize(topic, record.value.newValue);
    this.buffer.put(key, time, { timestamp: record.timestamp, prior, newValue, headers: record.headers.toArray() }, record.timestamp, found?.size ?? null);
    this.enforceConstraints(record.timestamp);
  }

  private enforceConstraints(timestamp: number): void {
    const expiry = this.observedStreamTime - this.spec.durationMs;
    const emit = (e: Eviction): void => this.emit(e);
    this.buffer.evictWhile((time) => time <= expiry, emit, timestamp);
    if (!this.overCapacity()) return;
    if (this.spec.whenFull === 'shutDown') {
      const { maxRecords, maxBytes } = this.spec;
      throw new SuppressionBufferFullError(
        `Suppression buffer '${this.spec.storeName}' is full: ${this.buffer.numRecords}/${maxRecords === Infinity ? 'unbounded' : maxRecords} records and ` +
          `${this.buffer.bufferSize}/${maxBytes === Infinity ? 'unbounded' : maxBytes} bytes. Raise BufferConfig's bounds, or use emitEarlyWhenFull() if early results are acceptable.`,
      );
    }
    this.buffer.evictWhile(() => this.overCapacity(), emit, timestamp);
  }

  private overCapacity(): boolean {
    return this.buffer.numRecords > this.spec.maxRecords || this.buffer.bufferSize > this.spec.maxBytes;
  }

  private emit(e: Eviction): void {
    const { topic, keySerde, valueSerde } = this.codec;
    const newValue = valueSerde.deserialize(topic, e.newValue);
    // Final results never emitted the key, so its deletion needs no tombstone.
    if (newValue === null && this.spec.untilWindowCloses) return;
    const key = keySerde.deserialize(topic, e.key) as K;
    this.ctx.forward(new Record(key, change(newValue, valueSerde.deserialize(topic, e.prior)), e.timestamp, new Headers(e.headers)));
  }
}

/**
 * Reads a suppressed table: a buffered key reads as what was last emitted for it (its prior
 * value), others as the table upstream.
 */
export function suppressedValueGetter<K, V>(parent: ValueGetterSupplier<K, V>, spec: SuppressionSpec<K>): ValueGetterSupplier<K, V> {
  return {
    storeNames: [spec.storeName, ...parent.storeNames],
    make: (ctx) => {
      const buffer = ctx.getStateStore<SuppressBufferStore>(spec.storeName);
      const codec = codecFor<K, V>(ctx, spec, buffer);
      const upstream = parent.make(ctx);
      return {
        get: (key) => {
          const found = buffer.find(keyBytes(codec, key), bufferTime(spec, key));
          if (found === null) return upstream.get(key);
          const prior = codec.valueSerde.deserialize(codec.topic, found.entry.prior);
          return prior === null ? null : { value: prior, timestamp: found.entry.timestamp };
        },
      };
    },
  };
}
