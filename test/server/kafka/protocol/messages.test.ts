import { describe, expect, it } from 'vitest';

import { API_SPECS, decodeRequest, decodeResponse, encodeRequest, encodeResponse, parseVersions } from '../../../../server/kafka/protocol/index.js';
import { ALL_FIXTURES } from './fixtures/index.js';

const names = new Map(API_SPECS.map((s) => [s.apiKey, s.name]));

function title(f: (typeof ALL_FIXTURES)[number]): string {
  return `${names.get(f.apiKey)}${f.direction === 'request' ? 'Request' : 'Response'} v${f.version}${f.note ? ` (${f.note})` : ''}`;
}

describe('hand-assembled fixtures', () => {
  for (const f of ALL_FIXTURES) {
    describe(title(f), () => {
      it('decodes to the expected body', () => {
        const decoded = f.direction === 'request' ? decodeRequest(f.apiKey, f.version, f.bytes) : decodeResponse(f.apiKey, f.version, f.bytes);
        expect(decoded).toEqual(f.value);
      });
      it('encodes to the fixture bytes', () => {
        const encoded = f.direction === 'request' ? encodeRequest(f.apiKey, f.version, f.value) : encodeResponse(f.apiKey, f.version, f.value);
        expect(encoded.toString('hex')).toBe(f.bytes.toString('hex'));
      });
    });
  }
});

describe('fixture coverage', () => {
  // Per API and direction: the lowest version, the highest (flexible) one, and a non-flexible
  // one in between whenever the API has one.
  for (const spec of API_SPECS) {
    for (const direction of ['request', 'response'] as const) {
      it(`${spec.name} ${direction}s`, () => {
        const have = new Set(ALL_FIXTURES.filter((f) => f.apiKey === spec.apiKey && f.direction === direction).map((f) => f.version));
        const valid = parseVersions(spec.validVersions);
        const flexible = parseVersions(spec.flexibleVersions);
        expect(have.has(valid.min), `lowest version ${valid.min}`).toBe(true);
        expect(have.has(valid.max), `highest version ${valid.max}`).toBe(true);
        const middles = [];
        for (let v = valid.min + 1; v < valid.max; v++) if (v < flexible.min || flexible.min > flexible.max) middles.push(v);
        if (middles.length > 0) expect(middles.some((v) => have.has(v)), `a non-flexible version among ${middles.join(', ')}`).toBe(true);
      });
    }
  }
});
