/** Record headers: an ordered list of (key, bytes) where keys may repeat, as in Kafka. */
import type { RecordHeader } from '../../storage/types.js';

export class Headers {
  private readonly list: RecordHeader[];

  constructor(headers: readonly RecordHeader[] = []) {
    this.list = [...headers];
  }

  add(key: string, value: Buffer | string | null): this {
    this.list.push({ key, value: typeof value === 'string' ? Buffer.from(value) : value });
    return this;
  }

  /** The last header with this key (Kafka's lastHeader), or undefined. */
  lastHeader(key: string): RecordHeader | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.key === key) return this.list[i];
    return undefined;
  }

  headers(key: string): RecordHeader[] {
    return this.list.filter((h) => h.key === key);
  }

  remove(key: string): this {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.key === key) this.list.splice(i, 1);
    return this;
  }

  toArray(): RecordHeader[] {
    return [...this.list];
  }

  get size(): number {
    return this.list.length;
  }

  copy(): Headers {
    return new Headers(this.list);
  }

  static readonly EMPTY: Headers = Object.freeze(new Headers()) as Headers;
}
