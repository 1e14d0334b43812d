import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, StickyPartitioner } from '../../../storage/broker/partitioner.js';

describe('partitioner', () => {
  it("computes murmur2 like Kafka's Utils.murmur2 (Kafka's own test vectors)", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of vectors) expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('maps keys to partitions as positive(murmur2) % n', () => {
    expect(partitionForKey(Buffer.from('foobar'), 10)).toBe((-790332482 & 0x7fffffff) % 10);
    for (let i = 0; i < 1000; i++) {
      const p = partitionForKey(Buffer.from(`key-${i}`), 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
    }
  });

  it('sticks to one partition per topic until a batch completes, then moves', () => {
    const sticky = new StickyPartitioner();
    const first = sticky.partition('t', 4);
    for (let i = 0; i < 100; i++) expect(sticky.partition('t', 4)).toBe(first);
    sticky.onBatchComplete('t', first, 4);
    expect(sticky.partition('t', 4)).not.toBe(first);
  });
});
