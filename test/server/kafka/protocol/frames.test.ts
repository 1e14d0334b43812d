import { describe, expect, it } from 'vitest';

import {
  FrameDecoder,
  FrameTooLargeError,
  ZERO_COPY_THRESHOLD,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
} from '../../../../server/kafka/protocol/index.js';
import { KafkaError } from '../../../../storage/errors.js';
import { hex } from './hex.js';

// An ApiVersions v3 request as librdkafka sends it first on every connection.
const API_VERSIONS_REQUEST = hex`
  00000024          # size = 36
  0012 0003         # ApiVersions v3
  00000001          # correlationId = 1
  0007 "rdkafka"    # clientId
  00                # header tagged fields: none
  0b "librdkafka"   # clientSoftwareName
  06 "2.3.0"        # clientSoftwareVersion
  00                # tagged fields: none
`;

// Its answer: response header v0 (no tagged fields) even though the body is flexible.
const API_VERSIONS_RESPONSE = hex`
  00000013          # size = 19
  00000001          # correlationId = 1
  0000              # errorCode = 0
  02                # apiKeys: 1
    0012 0000 0004  #   ApiVersions 0-4
    00              #   tagged fields: none
  00000000          # throttleTimeMs = 0
  00                # tagged fields: none
`;

// A Metadata v12 response uses response header v1, which has a tagged-fields section.
const METADATA_RESPONSE = hex`
  00000011          # size = 17
  00000005          # correlationId = 5
  00                # header tagged fields: none
  00000000          # throttleTimeMs = 0
  01                # brokers: 0
  00                # clusterId = null
  ffffffff          # controllerId = -1
  01                # topics: 0
  00                # tagged fields: none
`;

describe('request and response frames', () => {
  it('decodes a whole ApiVersions request frame', () => {
    const [frame] = new FrameDecoder().push(API_VERSIONS_REQUEST);
    const req = decodeRequestFrame(frame!);
    expect(req.apiKey).toBe(18);
    expect(req.header).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' });
    expect(req.headerVersion).toBe(2);
    if (req.apiKey === 18) expect(req.body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' });
  });

  it('encodes the same request frame', () => {
    const chunks = encodeRequestFrame(
      { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' },
      { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' },
    );
    expect(Buffer.concat(chunks).toString('hex')).toBe(API_VERSIONS_REQUEST.toString('hex'));
  });

  it('answers ApiVersions with response header v0', () => {
    const chunks = encodeResponseFrame(18, 3, 1, { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }] });
    expect(Buffer.concat(chunks).toString('hex')).toBe(API_VERSIONS_RESPONSE.toString('hex'));
    const res = decodeResponseFrame(18, 3, API_VERSIONS_RESPONSE.subarray(4));
    expect(res.header).toEqual({ correlationId: 1 });
    expect(res.body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  });

  it('answers flexible versions of other APIs with response header v1', () => {
    const chunks = encodeResponseFrame(3, 12, 5, { brokers: [], topics: [] });
    expect(Buffer.concat(chunks).toString('hex')).toBe(METADATA_RESPONSE.toString('hex'));
    expect(decodeResponseFrame(3, 12, METADATA_RESPONSE.subarray(4)).header).toEqual({ correlationId: 5 });
  });

  it('throws UNSUPPORTED_VERSION for a body version the codec lacks, after a readable header', () => {
    const frame = hex`0012 0063 00000001 0001 "c" 00 00`;
    expect(() => decodeRequestFrame(frame)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
  });

  it('passes a large records blob by reference when encoding', () => {
    const records = Buffer.alloc(ZERO_COPY_THRESHOLD * 4, 0x5a);
    const chunks = encodeResponseFrame(1, 12, 9, {
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, highWatermark: 1n, records }] }],
    });
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(records);
    const whole = Buffer.concat(chunks);
    expect(whole.readInt32BE(0)).toBe(whole.length - 4);
    const res = decodeResponseFrame(1, 12, whole.subarray(4));
    expect(res.body.responses[0]!.partitions[0]!.records).toEqual(records);
  });
});

describe('FrameDecoder', () => {
  const frames = [hex`00000003 aabbcc`, hex`00000000`, hex`00000001 dd`];
  const stream = Buffer.concat(frames);
  const payloads = ['aabbcc', '', 'dd'];

  it('yields frames from one chunk as views of it', () => {
    const out = new FrameDecoder().push(stream);
    expect(out.map((f) => f.toString('hex'))).toEqual(payloads);
    expect(out[0]!.buffer).toBe(stream.buffer);
  });

  it('assembles frames fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const out: string[] = [];
    for (const byte of stream) out.push(...decoder.push(Buffer.from([byte])).map((f) => f.toString('hex')));
    expect(out).toEqual(payloads);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('assembles frames split at every position', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const out = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(out.map((f) => f.toString('hex'))).toEqual(payloads);
    }
  });

  it('keeps a partial frame until the rest arrives', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(hex`00000004 0102`)).toEqual([]);
    expect(decoder.bufferedBytes).toBe(2);
    // The next frame's size prefix is parsed at once; only its payload is waited for.
    expect(decoder.push(hex`0304 00000001`).map((f) => f.toString('hex'))).toEqual(['01020304']);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.push(hex`ee`).map((f) => f.toString('hex'))).toEqual(['ee']);
  });

  it('refuses a frame above the limit from its size alone', () => {
    const decoder = new FrameDecoder(1024);
    let err: unknown;
    try {
      decoder.push(hex`00000401`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect(err).toBeInstanceOf(KafkaError);
    expect(err).toMatchObject({ code: 'INVALID_REQUEST', size: 1025, maxBytes: 1024 });
    expect(new FrameDecoder(1024).push(Buffer.concat([hex`00000400`, Buffer.alloc(1024)]))).toHaveLength(1);
  });

  it('refuses a negative size', () => {
    expect(() => new FrameDecoder().push(hex`ffffffff`)).toThrow(KafkaError);
  });
});
