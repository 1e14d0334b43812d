import { describe, expect, it } from 'vitest';

import {
  API_SPECS,
  FrameDecoder,
  decodeRequest,
  decodeRequestFrame,
  decodeResponse,
  decodeResponseFrame,
  encodeRequest,
  encodeRequestFrame,
  encodeResponse,
  encodeResponseFrame,
} from '../../../../server/kafka/protocol/index.js';
import { allTargets, randomStruct, seeded } from './random-values.js';

const CASES_PER_VERSION = 12;

describe('round trip over every API, version and direction', () => {
  for (const t of allTargets(API_SPECS)) {
    it(`${t.name}${t.direction === 'request' ? 'Request' : 'Response'} v${t.version}`, () => {
      const rand = seeded(t.apiKey * 1000 + t.version * 2 + (t.direction === 'request' ? 0 : 1));
      const encode = t.direction === 'request' ? encodeRequest : encodeResponse;
      const decode = t.direction === 'request' ? decodeRequest : decodeResponse;
      for (let i = 0; i < CASES_PER_VERSION; i++) {
        const value = randomStruct(t.fields, t.version, t.flexible, rand);
        const bytes = encode(t.apiKey, t.version, value);
        const decoded = decode(t.apiKey, t.version, bytes);
        expect(decoded).toEqual(value);
        expect(encode(t.apiKey, t.version, decoded).equals(bytes)).toBe(true);
      }
    });
  }
});

describe('round trip through frames', () => {
  it('every request and response version survives framing, headers and re-chunking', () => {
    const rand = seeded(42);
    for (const t of allTargets(API_SPECS)) {
      const value = randomStruct(t.fields, t.version, t.flexible, rand);
      const correlationId = Math.floor(rand() * 0x7fffffff);
      const chunks =
        t.direction === 'request'
          ? encodeRequestFrame({ apiKey: t.apiKey, apiVersion: t.version, correlationId, clientId: 'c' }, value)
          : encodeResponseFrame(t.apiKey, t.version, correlationId, value);
      // Re-split the stream at a random point, as a socket would.
      const stream = Buffer.concat(chunks);
      const cut = Math.floor(rand() * stream.length);
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(frames).toHaveLength(1);
      if (t.direction === 'request') {
        const req = decodeRequestFrame(frames[0]!);
        expect(req.header).toEqual({ apiKey: t.apiKey, apiVersion: t.version, correlationId, clientId: 'c' });
        expect(req.body).toEqual(value);
      } else {
        const res = decodeResponseFrame(t.apiKey, t.version, frames[0]!);
        expect(res.header.correlationId).toBe(correlationId);
        expect(res.body).toEqual(value);
      }
    }
  });
});
