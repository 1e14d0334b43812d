import { describe, expect, it } from 'vitest';

import {
  API_SPECS,
  FrameDecoder,
  decodeRequest,
  decodeRequestFrame,
  decodeResponse,
  encodeRequest,
  encodeRequestFrame,
  encodeResponse,
} from '../../../../server/kafka/protocol/index.js';
import { KafkaError } from '../../../../storage/errors.js';
import type { Rand } from './random-values.js';
import { allTargets, randomBytes, randomInt, randomStruct, seeded } from './random-values.js';

// Decoders face the network: whatever the bytes, they return or throw a KafkaError, quickly.

function mutate(bytes: Buffer, rand: Rand): Buffer {
  const b = Buffer.from(bytes);
  switch (randomInt(rand, 0, 4)) {
    case 0: {
      const flips = randomInt(rand, 1, 3);
      for (let i = 0; i < flips && b.length > 0; i++) b[randomInt(rand, 0, b.length - 1)] = randomInt(rand, 0, 255);
      return b;
    }
    case 1:
      return b.subarray(0, randomInt(rand, 0, b.length));
    case 2: {
      const at = randomInt(rand, 0, b.length);
      return Buffer.concat([b.subarray(0, at), randomBytes(rand, randomInt(rand, 1, 4)), b.subarray(at)]);
    }
    case 3: {
      // Lengths and counts are where decoders get hurt: plant huge and negative ones.
      if (b.length < 4) return b;
      const at = randomInt(rand, 0, b.length - 4);
      b.writeUInt32BE([0x7fffffff, 0xffffffff, 0x80000000, 0xfffffffe, 0xffffff7f][randomInt(rand, 0, 4)]!, at);
      return b;
    }
    default: {
      if (b.length === 0) return b;
      const at = randomInt(rand, 0, b.length - 1);
      b.fill(0xff, at, Math.min(b.length, at + randomInt(rand, 1, 6)));
      return b;
    }
  }
}

function survives(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof KafkaError ? null : `${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
  }
}

describe('fuzz', () => {
  it('random and mutated bodies for every API, version and direction', () => {
    const rand = seeded(7);
    const failures: string[] = [];
    for (const t of allTargets(API_SPECS)) {
      const decode = t.direction === 'request' ? decodeRequest : decodeResponse;
      const encode = t.direction === 'request' ? encodeRequest : encodeResponse;
      const label = `${t.name} ${t.direction} v${t.version}`;
      for (let i = 0; i < 20; i++) {
        const bytes = randomBytes(rand, randomInt(rand, 0, rand() < 0.8 ? 16 : 200));
        const bad = survives(() => decode(t.apiKey, t.version, bytes));
        if (bad) failures.push(`${label} random ${bytes.toString('hex')}: ${bad}`);
      }
      for (let i = 0; i < 4; i++) {
        const valid = encode(t.apiKey, t.version, randomStruct(t.fields, t.version, t.flexible, rand));
        for (let j = 0; j < 12; j++) {
          const bytes = mutate(valid, rand);
          const bad = survives(() => decode(t.apiKey, t.version, bytes));
          if (bad) failures.push(`${label} mutated ${bytes.toString('hex')}: ${bad}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('mutated request frames through the frame decoder and header', () => {
    const rand = seeded(11);
    const failures: string[] = [];
    const targets = allTargets(API_SPECS).filter((t) => t.direction === 'request');
    for (let i = 0; i < 3000; i++) {
      const t = targets[randomInt(rand, 0, targets.length - 1)]!;
      const frame = Buffer.concat(
        encodeRequestFrame({ apiKey: t.apiKey, apiVersion: t.version, correlationId: i, clientId: 'fuzz' }, randomStruct(t.fields, t.version, t.flexible, rand)),
      );
      const stream = rand() < 0.5 ? mutate(frame, rand) : Buffer.concat([frame.subarray(0, 4), mutate(frame.subarray(4), rand)]);
      const bad = survives(() => {
        const decoder = new FrameDecoder(1 << 20);
        for (const f of decoder.push(stream)) decodeRequestFrame(f);
      });
      if (bad) failures.push(`${stream.toString('hex')}: ${bad}`);
    }
    expect(failures).toEqual([]);
  });

  it('random streams through the frame decoder and header', () => {
    const rand = seeded(13);
    const failures: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const stream = randomBytes(rand, randomInt(rand, 0, 64));
      // A plausible small size and a known API key often enough to get past the first checks.
      if (stream.length >= 8 && rand() < 0.7) {
        stream.writeInt32BE(stream.length - 4, 0);
        stream.writeInt16BE(API_SPECS[randomInt(rand, 0, API_SPECS.length - 1)]!.apiKey, 4);
      }
      const bad = survives(() => {
        for (const f of new FrameDecoder(1 << 16).push(stream)) decodeRequestFrame(f);
      });
      if (bad) failures.push(`${stream.toString('hex')}: ${bad}`);
    }
    expect(failures).toEqual([]);
  });
});
