/**
 * The record that flows through a topology: key, value, timestamp, headers. Immutable: the
 * `with*` methods return a new record, so a processor forwarding a changed record never alters
 * what another branch sees.
 */
import { Headers } from './headers.js';

export class Record<K, V> {
  constructor(
    readonly key: K,
    readonly value: V,
    readonly timestamp: number,
    readonly headers: Headers = Headers.EMPTY,
  ) {}

  withKey<NK>(key: NK): Record<NK, V> {
    return new Record(key, this.value, this.timestamp, this.headers);
  }

  withValue<NV>(value: NV): Record<K, NV> {
    return new Record(this.key, value, this.timestamp, this.headers);
  }

  withTimestamp(timestamp: number): Record<K, V> {
    return new Record(this.key, this.value, timestamp, this.headers);
  }

  withHeaders(headers: Headers): Record<K, V> {
    return new Record(this.key, this.value, this.timestamp, headers);
  }
}

/** Where the record being processed came from (absent for records made by punctuators). */
export interface RecordContext {
  topic: string;
  partition: number;
  offset: number;
}
