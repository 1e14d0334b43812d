/** Topology.describe() against golden files (regenerate with UPDATE_GOLDEN=1 after a deliberate change). */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';

const S = Serdes.String();

function golden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(`./golden/${name}.txt`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('Topology.describe()', () => {
  it('word count: two sub-topologies joined by a repartition topic', () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('lines', { keySerde: S, valueSerde: S })
      .flatMapValues((line) => line.split(' '))
      .groupBy((_, w) => w, { keySerde: S, valueSerde: S })
      .count({ materialized: { storeName: 'counts' } })
      .toStream()
      .to('word-counts', { keySerde: S, valueSerde: Serdes.Long() });
    golden('word-count', b.build().describe().toString());
  });
});
