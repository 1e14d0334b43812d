/**
 * Producer ids for idempotent and transactional producers. Ids are reserved from the metadata
 * store in blocks, so a restart never hands out an id that was used before (a reused id could
 * make a new producer's batches look like an old producer's duplicates).
 */
import type { MetadataStore } from './metadata-store.js';

const BLOCK_SIZE = 1000;

export class ProducerIdManager {
  private next = 0;
  private end = 0;

  constructor(private readonly store: MetadataStore) {}

  allocate(): number {
    if (this.next >= this.end) {
      this.next = this.store.reserveProducerIds(BLOCK_SIZE);
      this.end = this.next + BLOCK_SIZE;
    }
    return this.next++;
  }
}
