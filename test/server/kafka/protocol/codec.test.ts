import { describe, expect, it } from 'vitest';

import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  isVersionSupported,
  supportedVersions,
} from '../../../../server/kafka/protocol/index.js';
import { KafkaError } from '../../../../storage/errors.js';
import { ALL_FIXTURES } from './fixtures/index.js';
import { hex } from './hex.js';

function kafkaError(fn: () => unknown): KafkaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError);
    return err as KafkaError;
  }
  throw new Error('expected a KafkaError, nothing was thrown');
}

describe('tagged fields', () => {
  it('skips tags it does not know, whatever their contents', () => {
    const bytes = hex`
      00000000          # throttleTimeMs = 0
      0000              # errorCode = 0
      02                # tagged fields: 2
        07 03 aabbcc    #   tag 7, 3 bytes (unknown)
        2a 00           #   tag 42, 0 bytes (unknown)
    `;
    expect(decodeResponse(12, 4, bytes)).toEqual({ throttleTimeMs: 0, errorCode: 0 });
  });

  it('reads a known tag among unknown ones', () => {
    const bytes = hex`
      0000              # errorCode = 0
      01                # apiKeys: 0
      00000000          # throttleTimeMs = 0
      02                # tagged fields: 2
        01 08 0000000000000009 # tag 1 (finalizedFeaturesEpoch) = 9
        09 02 abcd      #   tag 9 (unknown)
    `;
    expect(decodeResponse(18, 3, bytes)).toMatchObject({ finalizedFeaturesEpoch: 9n, zkMigrationReady: false, supportedFeatures: [] });
  });

  it('reads tagged fields inside array elements', () => {
    const bytes = hex`
      00000000          # throttleTimeMs = 0
      0000              # errorCode = 0
      00000000          # sessionId = 0
      02                # responses: 1
        04 "foo"        #   topic
        02              #   partitions: 1
          00000000 0000 0000000000000001 0000000000000001 0000000000000000 # index, error, hw, lso, log start
          01 ffffffff 00 #    abortedTransactions: 0, preferredReadReplica = -1, records = null
          02            #     tagged fields: 2
            05 01 ff    #       tag 5 (unknown)
            01 09 00000003 00000004 00 # tag 1 (currentLeader)
        00              #   tagged fields: none
      00                # tagged fields: none
    `;
    const body = decodeResponse(1, 12, bytes);
    expect(body.responses[0]!.partitions[0]!.currentLeader).toEqual({ leaderId: 3, leaderEpoch: 4 });
    expect(body.responses[0]!.partitions[0]!.divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
  });

  it('rejects a tag whose size runs past the end', () => {
    const err = kafkaError(() => decodeResponse(12, 4, hex`00000000 0000 01 07 05 aabb`));
    expect(err.code).toBe('INVALID_REQUEST');
  });

  it('rejects a known tag whose value does not fill its declared size', () => {
    // finalizedFeaturesEpoch is an int64 but the tag claims 9 bytes.
    const err = kafkaError(() => decodeResponse(18, 3, hex`0000 01 00000000 01 01 09 000000000000000900`));
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.message).toMatch(/tagged field 1/);
  });

  it('writes only non-default tagged fields, in tag order', () => {
    const bytes = encodeResponse(18, 3, { errorCode: 0, apiKeys: [], zkMigrationReady: true, finalizedFeaturesEpoch: 2n });
    expect(bytes.toString('hex')).toBe(hex`0000 01 00000000 02 01 08 0000000000000002 03 01 01`.toString('hex'));
  });

  it('treats a tagged struct equal to its default as absent', () => {
    const body = { responses: [{ name: 'foo', partitionResponses: [{ index: 0, currentLeader: { leaderId: -1, leaderEpoch: -1 } }] }] };
    const expected = hex`
      02 04 "foo"       # responses: 1, name
      02 00000000 0000  # partitionResponses: 1, index = 0, errorCode = 0
      0000000000000000 ffffffffffffffff ffffffffffffffff # baseOffset, logAppendTimeMs, logStartOffset
      01 00             # recordErrors: 0, errorMessage = null
      00                # tagged fields: none (currentLeader is at its default)
      00                # topic tagged fields: none
      00000000 00       # throttleTimeMs = 0, tagged fields: none
    `;
    expect(encodeResponse(0, 10, body).toString('hex')).toBe(expected.toString('hex'));
  });
});

describe('fields a version lacks', () => {
  it('drops an ignorable field silently', () => {
    const withThrottle = encodeResponse(1, 0, { throttleTimeMs: 100, responses: [] });
    expect(withThrottle.toString('hex')).toBe('00000000');
  });

  it('refuses a non-ignorable field at a non-default value, as Kafka does', () => {
    const err = kafkaError(() => encodeRequest(19, 0, { topics: [], timeoutMs: 1000, validateOnly: true }));
    expect(err.code).toBe('UNSUPPORTED_VERSION');
    expect(err.message).toMatch(/CreateTopicsRequest v0: validateOnly/);
    expect(kafkaError(() => encodeResponse(1, 6, { sessionId: 5, responses: [] })).code).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses a non-ignorable tagged field before its tagged versions', () => {
    const body = { responses: [{ topic: 't', partitions: [{ partitionIndex: 0, currentLeader: { leaderId: 1, leaderEpoch: 1 } }] }] };
    expect(kafkaError(() => encodeResponse(1, 11, body)).code).toBe('UNSUPPORTED_VERSION');
    expect(() => encodeResponse(1, 12, body)).not.toThrow();
  });

  it('accepts a non-ignorable field that holds its default', () => {
    expect(() => encodeRequest(19, 0, { topics: [], timeoutMs: 1000, validateOnly: false })).not.toThrow();
    expect(() => encodeResponse(1, 0, { sessionId: 0, responses: [] })).not.toThrow();
  });

  it('fills defaults, including custom ones, on decode', () => {
    const body = decodeRequest(1, 0, hex`ffffffff 00000000 00000000 00000000`);
    expect(body).toMatchObject({ maxBytes: 0x7fffffff, isolationLevel: 0, sessionEpoch: -1, rackId: '', clusterId: null });
  });

  it('encodes left-out fields as their defaults', () => {
    expect(encodeRequest(3, 4, {}).toString('hex')).toBe('0000000001');
  });
});

describe('values', () => {
  it('takes safe-integer numbers for int64 fields and decodes bigints', () => {
    const a = encodeRequest(21, 0, { topics: [{ name: 'x', partitions: [{ partitionIndex: 0, offset: 5 }] }], timeoutMs: 0 });
    const b = encodeRequest(21, 0, { topics: [{ name: 'x', partitions: [{ partitionIndex: 0, offset: 5n }] }], timeoutMs: 0 });
    expect(a).toEqual(b);
    expect(decodeRequest(21, 0, a).topics[0]!.partitions[0]!.offset).toBe(5n);
  });

  it('keeps int64 extremes exact', () => {
    const body = { topics: [{ name: 'x', partitions: [{ partitionIndex: 0, offset: 2n ** 63n - 1n }, { partitionIndex: 1, offset: -(2n ** 63n) }] }], timeoutMs: 0 };
    expect(decodeRequest(21, 1, encodeRequest(21, 1, body)).topics[0]!.partitions.map((p) => p.offset)).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
  });

  it.each([
    ['an int16 out of range', { acks: 40000 }],
    ['a string for an int', { timeoutMs: '5' }],
    ['a fraction', { timeoutMs: 1.5 }],
    ['an int64 too wide', { topicData: [{ name: 'x', partitionData: [] }], transactionalId: 1n }],
    ['null where not nullable', { topicData: [{ name: null, partitionData: [] }] }],
    ['a non-array', { topicData: {} }],
  ])('refuses %s with INVALID_REQUEST naming the field', (_what, body) => {
    const err = kafkaError(() => encodeRequest(0, 3, body as never));
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.message).toMatch(/^ProduceRequest v3: /);
  });

  it('refuses a uuid that is not 22 characters of canonical base64url', () => {
    for (const topicId of ['', 'not a uuid', 'AAAAAAAAAAAAAAAAAAAAAB', '00112233-4455-6677-8899-aabbccddeeff']) {
      expect(kafkaError(() => encodeRequest(20, 6, { topics: [{ name: null, topicId }] })).code).toBe('INVALID_REQUEST');
    }
  });

  it('records decode as views of the input, with no copy', () => {
    const f = ALL_FIXTURES.find((x) => x.apiKey === 0 && x.version === 11 && x.direction === 'request')!;
    const records = decodeRequest(0, 11, f.bytes).topicData[0]!.partitionData[0]!.records!;
    expect(records.buffer).toBe(f.bytes.buffer);
    expect(records.byteOffset).toBe(f.bytes.byteOffset + f.bytes.indexOf(Buffer.from([1, 2, 3])));
  });

  it('decodes a body in the middle of a larger buffer', () => {
    const f = ALL_FIXTURES.find((x) => x.apiKey === 3 && x.version === 12 && x.direction === 'response')!;
    const framed = Buffer.concat([Buffer.from([9, 9, 9]), f.bytes, Buffer.from([7])]);
    expect(decodeResponse(3, 12, framed, 3, 3 + f.bytes.length)).toEqual(f.value);
  });
});

describe('malformed input', () => {
  it('throws INVALID_REQUEST for every truncation of every fixture', () => {
    for (const f of ALL_FIXTURES) {
      const decode = f.direction === 'request' ? decodeRequest : decodeResponse;
      for (let n = 0; n < f.bytes.length; n++) {
        const err = kafkaError(() => decode(f.apiKey, f.version, f.bytes.subarray(0, n)));
        expect(err.code).toBe('INVALID_REQUEST');
      }
    }
  });

  it('throws INVALID_REQUEST for trailing bytes', () => {
    expect(kafkaError(() => decodeResponse(12, 0, hex`0000 00`)).message).toMatch(/1 byte\(s\) left over/);
  });

  it('refuses an array count larger than the bytes left, before allocating', () => {
    const err = kafkaError(() => decodeRequest(42, 0, hex`7fffffff 0001 "g"`));
    expect(err.message).toMatch(/2147483647 element\(s\)/);
  });

  it('refuses null for a non-nullable string and array', () => {
    expect(kafkaError(() => decodeRequest(12, 0, hex`ffff 00000001 0000`)).message).toMatch(/groupId is null/);
    expect(kafkaError(() => decodeRequest(0, 0, hex`0001 00001388 ffffffff`)).message).toMatch(/topicData is null/);
  });

  it('refuses negative lengths other than -1', () => {
    expect(kafkaError(() => decodeRequest(12, 0, hex`fffe`)).code).toBe('INVALID_REQUEST');
    expect(kafkaError(() => decodeRequest(36, 0, hex`fffffffe`)).code).toBe('INVALID_REQUEST');
  });

  it('refuses an unsigned varint longer than five bytes', () => {
    expect(kafkaError(() => decodeRequest(42, 2, hex`ffffffffff01 00`)).message).toMatch(/longer than 5 bytes/);
  });
});

describe('versions', () => {
  it('throws UNSUPPORTED_VERSION for versions and APIs the table lacks', () => {
    expect(kafkaError(() => decodeRequest(0, 12, Buffer.alloc(0))).code).toBe('UNSUPPORTED_VERSION');
    expect(kafkaError(() => decodeResponse(0, -1, Buffer.alloc(0))).code).toBe('UNSUPPORTED_VERSION');
    expect(kafkaError(() => encodeRequest(9999, 0, {})).code).toBe('UNSUPPORTED_VERSION');
    expect(kafkaError(() => encodeResponse(18, 5, {})).code).toBe('UNSUPPORTED_VERSION');
  });

  it('reports the supported ranges', () => {
    expect(supportedVersions(0)).toEqual({ min: 0, max: 11 });
    expect(supportedVersions(1)).toEqual({ min: 0, max: 17 });
    expect(supportedVersions(9999)).toBeUndefined();
    expect(isVersionSupported(18, 4)).toBe(true);
    expect(isVersionSupported(18, 5)).toBe(false);
  });
});
