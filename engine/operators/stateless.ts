/**
 * The stateless KStream operators as processors: each forwards zero or more records per input.
 * Kafka's semantics: map/flatMap/selectKey change keys (a later grouping or join repartitions),
 * mapValues/flatMapValues keep them; records keep their timestamp and headers.
 */
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { Record } from '../processor/record.js';
import type { TaskContext } from '../runtime/stream-task.js';

export type Predicate<K, V> = (key: K, value: V) => boolean;
export type KeyValueMapper<K, V, R> = (key: K, value: V) => R;
/** Value first, key second: a value-only lambda `(v) => ...` works too (Kafka's two overloads in one). */
export type ValueMapper<K, V, VR> = (value: V, key: K) => VR;

/** Base for one-in, n-out processors: holds the context. */
abstract class Forwarding<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
  protected ctx!: ProcessorContext<KOut, VOut>;

  init(context: ProcessorContext<KOut, VOut>): void {
    this.ctx = context;
  }

  abstract process(record: Record<KIn, VIn>): void;
}

/**
 * filter / filterNot. `countDrops` counts dropped records as null-key drops (the filter before a
 * repartition topic, where records without a key cannot go).
 */
export function filterProcessor<K, V>(predicate: Predicate<K, V>, not: boolean, countDrops = false): ProcessorSupplier<K, V, K, V> {
  return () =>
    new (class extends Forwarding<K, V, K, V> {
      process(record: Record<K, V>): void {
        if (predicate(record.key, record.value) !== not) this.ctx.forward(record);
        else if (countDrops) (this.ctx as unknown as TaskContext).metrics.droppedNullKey++;
      }
    })();
}

export function mapProcessor<K, V, KR, VR>(mapper: KeyValueMapper<K, V, { key: KR; value: VR }>): ProcessorSupplier<K, V, KR, VR> {
  return () =>
    new (class extends Forwarding<K, V, KR, VR> {
      process(record: Record<K, V>): void {
        const kv = mapper(record.key, record.value);
        this.ctx.forward(record.withKey(kv.key).withValue(kv.value));
      }
    })();
}

export function mapValuesProcessor<K, V, VR>(mapper: ValueMapper<K, V, VR>): ProcessorSupplier<K, V, K, VR> {
  return () =>
    new (class extends Forwarding<K, V, K, VR> {
      process(record: Record<K, V>): void {
        this.ctx.forward(record.withValue(mapper(record.value, record.key)));
      }
    })();
}

export function flatMapProcessor<K, V, KR, VR>(mapper: KeyValueMapper<K, V, Iterable<{ key: KR; value: VR }>>): ProcessorSupplier<K, V, KR, VR> {
  return () =>
    new (class extends Forwarding<K, V, KR, VR> {
      process(record: Record<K, V>): void {
        for (const kv of mapper(record.key, record.value)) this.ctx.forward(record.withKey(kv.key).withValue(kv.value));
      }
    })();
}

export function flatMapValuesProcessor<K, V, VR>(mapper: ValueMapper<K, V, Iterable<VR>>): ProcessorSupplier<K, V, K, VR> {
  return () =>
    new (class extends Forwarding<K, V, K, VR> {
      process(record: Record<K, V>): void {
        for (const v of mapper(record.value, record.key)) this.ctx.forward(record.withValue(v));
      }
    })();
}

export function selectKeyProcessor<K, V, KR>(mapper: KeyValueMapper<K, V, KR>): ProcessorSupplier<K, V, KR, V> {
  return () =>
    new (class extends Forwarding<K, V, KR, V> {
      process(record: Record<K, V>): void {
        this.ctx.forward(record.withKey(mapper(record.key, record.value)));
      }
    })();
}

/** peek forwards the record after the action; foreach is the same without children. */
export function peekProcessor<K, V>(action: (key: K, value: V) => void, forward: boolean): ProcessorSupplier<K, V, K, V> {
  return () =>
    new (class extends Forwarding<K, V, K, V> {
      process(record: Record<K, V>): void {
        action(record.key, record.value);
        if (forward) this.ctx.forward(record);
      }
    })();
}

/** split/branch: each record goes to the first branch whose predicate holds (or the default). */
export function branchProcessor<K, V>(predicates: (Predicate<K, V> | null)[], childNames: string[]): ProcessorSupplier<K, V, K, V> {
  return () =>
    new (class extends Forwarding<K, V, K, V> {
      process(record: Record<K, V>): void {
        for (let i = 0; i < predicates.length; i++) {
          const p = predicates[i];
          if (p === null || p!(record.key, record.value)) {
            this.ctx.forward(record, childNames[i]);
            return;
          }
        }
      }
    })();
}

/** Passes records through (merge, and named pass-through points). */
export function passThroughProcessor<K, V>(): ProcessorSupplier<K, V, K, V> {
  return () =>
    new (class extends Forwarding<K, V, K, V> {
      process(record: Record<K, V>): void {
        this.ctx.forward(record);
      }
    })();
}

/** processValues: a user processor whose forwards keep the input record's key. */
export function fixedKeyProcessor<K, V, VR>(supplier: ProcessorSupplier<K, V, K, VR>): ProcessorSupplier<K, V, K, VR> {
  return () => {
    const inner = supplier();
    let key: K;
    return {
      init(context: ProcessorContext<K, VR>) {
        const wrapped: ProcessorContext<K, VR> = Object.create(context, {
          forward: { value: (record: Record<K, VR>, child?: string) => context.forward(record.key === key ? record : record.withKey(key), child) },
        });
        inner.init?.(wrapped);
      },
      process(record: Record<K, V>) {
        key = record.key;
        inner.process(record);
      },
      close() {
        inner.close?.();
      },
    };
  };
}
