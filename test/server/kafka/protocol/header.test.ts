import { describe, expect, it } from 'vitest';

import {
  Writer,
  readRequestHeader,
  readResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
} from '../../../../server/kafka/protocol/index.js';
import type { RequestHeader } from '../../../../server/kafka/protocol/index.js';
import { KafkaError } from '../../../../storage/errors.js';
import { hex } from './hex.js';

function written(fn: (w: Writer) => void): string {
  const w = new Writer();
  fn(w);
  return w.toBuffer().toString('hex');
}

describe('request header', () => {
  const produce3: RequestHeader = { apiKey: 0, apiVersion: 3, correlationId: 7, clientId: 'client' };
  const v1 = hex`
    0000              # requestApiKey = 0 (Produce)
    0003              # requestApiVersion = 3
    00000007          # correlationId = 7
    0006 "client"     # clientId (int16 length)
  `;
  const produce9: RequestHeader = { apiKey: 0, apiVersion: 9, correlationId: 7, clientId: 'client' };
  const v2 = hex`
    0000              # requestApiKey = 0 (Produce)
    0009              # requestApiVersion = 9
    00000007          # correlationId = 7
    0006 "client"     # clientId: still an int16 length in v2
    00                # tagged fields: none
  `;

  it('v1 for non-flexible requests', () => {
    expect(requestHeaderVersion(0, 3)).toBe(1);
    expect(written((w) => writeRequestHeader(w, produce3))).toBe(v1.toString('hex'));
    expect(readRequestHeader(v1)).toEqual({ header: produce3, headerVersion: 1, bodyOffset: v1.length });
  });

  it('v2 for flexible requests, with a non-compact client id', () => {
    expect(requestHeaderVersion(0, 9)).toBe(2);
    expect(written((w) => writeRequestHeader(w, produce9))).toBe(v2.toString('hex'));
    expect(readRequestHeader(v2)).toEqual({ header: produce9, headerVersion: 2, bodyOffset: v2.length });
  });

  it('v0 has no client id', () => {
    expect(written((w) => writeRequestHeader(w, produce3, 0))).toBe('0000000300000007');
  });

  it('a null client id', () => {
    const bytes = hex`0012 0002 00000001 ffff  # ApiVersions v2, correlationId 1, clientId = null`;
    expect(readRequestHeader(bytes).header).toEqual({ apiKey: 18, apiVersion: 2, correlationId: 1, clientId: null });
    expect(written((w) => writeRequestHeader(w, { apiKey: 18, apiVersion: 2, correlationId: 1, clientId: null }))).toBe(bytes.toString('hex'));
  });

  it('skips unknown tagged fields in v2', () => {
    const bytes = hex`0012 0003 00000001 0001 "c" 01 05 02 abcd  ff  # ... one unknown tag, then a body byte`;
    expect(readRequestHeader(bytes)).toEqual({ header: { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'c' }, headerVersion: 2, bodyOffset: bytes.length - 1 });
  });

  it('reads the header of an ApiVersions request newer than the codec knows', () => {
    const bytes = hex`0012 0063 0000002a 0001 "c" 00  # ApiVersions v99`;
    expect(readRequestHeader(bytes)).toMatchObject({ header: { apiKey: 18, apiVersion: 99, correlationId: 42 }, headerVersion: 2 });
  });

  it('refuses unknown API keys and short or truncated headers', () => {
    for (const bytes of [hex`03e7 0000 00000001 ffff`, hex`0000 0003 0000`, hex`0000 0003 00000001 0006 "cli"`, hex`0000 0009 00000001 ffff`]) {
      let err: unknown;
      try {
        readRequestHeader(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).code).toBe('INVALID_REQUEST');
    }
  });
});

describe('response header', () => {
  it('v0 for non-flexible responses, v1 (with tagged fields) for flexible ones', () => {
    expect(responseHeaderVersion(3, 8)).toBe(0);
    expect(responseHeaderVersion(3, 9)).toBe(1);
    expect(written((w) => writeResponseHeader(w, 7, 0))).toBe('00000007');
    expect(written((w) => writeResponseHeader(w, 7, 1))).toBe('0000000700');
    expect(readResponseHeader(hex`00000007 00 ffff`, 1)).toEqual({ header: { correlationId: 7 }, bodyOffset: 5 });
  });

  it('v0 for ApiVersions responses, even flexible ones', () => {
    for (let v = 0; v <= 4; v++) expect(responseHeaderVersion(18, v)).toBe(0);
    expect(requestHeaderVersion(18, 3)).toBe(2);
  });
});
