import { describe, expect, it, beforeAll } from 'vitest';
import { crc32c } from '../../../storage/log/crc32c.js';
import { Codec, loadCodecs } from '../../../storage/log/compression.js';
import {
  controlTypeOf,
  decodeRecords,
  encodeBatch,
  encodeControlBatch,
  readBatchHeader,
  setLogAppendTime,
  validateBatch,
  isControl,
  isTransactional,
  RecordBatchBuilder,
} from '../../../storage/log/record-batch.js';
import { KafkaError } from '../../../storage/errors.js';
import { referenceCrc32c } from '../../helpers/crc32c-reference.js';

// Two records assembled by hand from the RecordBatch v2 layout (see record-batch.ts):
//   record 0: ts 1000, key "k1", value "v1", no headers
//   record 1: ts 1005, key null, value "hello", header h=x
const RECORDS_HEX =
  '14' + '00' + '00' + '00' + '04' + '6b31' + '04' + '7631' + '00' + // len 10 | attr | tsΔ 0 | offΔ 0 | key len 2 | k1 | val len 2 | v1 | 0 headers
  '1e' + '00' + '0a' + '02' + '01' + '0a' + '68656c6c6f' + '02' + '02' + '68' + '02' + '78'; // len 15 | attr | tsΔ 5 | offΔ 1 | key null | val len 5 | hello | 1 header | len 1 | h | len 1 | x

function fixture(): Buffer {
  const afterCrc = Buffer.from(
    '0000' + // attributes
      '00000001' + // lastOffsetDelta
      '00000000000003e8' + // baseTimestamp 1000
      '00000000000003ed' + // maxTimestamp 1005
      'ffffffffffffffff' + // producerId -1
      'ffff' + // producerEpoch -1
      'ffffffff' + // baseSequence -1
      '00000002' + // recordCount
      RECORDS_HEX,
    'hex',
  );
  const head = Buffer.from('0000000000000000' + '0000004c' + 'ffffffff' + '02', 'hex'); // baseOffset | batchLength 76 | leader epoch | magic
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(referenceCrc32c(afterCrc));
  return Buffer.concat([head, crc, afterCrc]);
}

describe('RecordBatch v2', () => {
  beforeAll(() => loadCodecs());

  it('computes CRC-32C like the reference (check value of "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const data = Buffer.from('Freshet stores Kafka record batches');
    expect(crc32c(data)).toBe(referenceCrc32c(data));
  });

  it('encodes byte for byte like the hand-assembled fixture', () => {
    const encoded = encodeBatch([
      { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1000 },
      { key: null, value: Buffer.from('hello'), timestamp: 1005, headers: [{ key: 'h', value: Buffer.from('x') }] },
    ]);
    expect(encoded.toString('hex')).toBe(fixture().toString('hex'));
  });

  it('decodes the fixture', () => {
    const buf = fixture();
    expect(validateBatch(buf, 0)).toBe(88);
    const header = readBatchHeader(buf, 0);
    expect(header).toMatchObject({ baseOffset: 0, batchLength: 76, magic: 2, lastOffsetDelta: 1, baseTimestamp: 1000, maxTimestamp: 1005, producerId: -1, recordCount: 2 });
    const records = decodeRecords(buf, 0);
    expect(records.map((r) => ({ ...r, key: r.key?.toString() ?? null, value: r.value?.toString(), headers: r.headers.map((h) => [h.key, h.value?.toString()]) }))).toEqual([
      { offset: 0, timestamp: 1000, key: 'k1', value: 'v1', headers: [] },
      { offset: 1, timestamp: 1005, key: null, value: 'hello', headers: [['h', 'x']] },
    ]);
  });

  it('refuses a batch whose bytes changed', () => {
    const buf = fixture();
    buf[70] ^= 0xff;
    expect(() => validateBatch(buf, 0)).toThrow(KafkaError);
    try {
      validateBatch(buf, 0);
    } catch (err) {
      expect((err as KafkaError).code).toBe('CORRUPT_MESSAGE');
    }
  });

  it('refuses truncated batches and other magic values', () => {
    const buf = fixture();
    expect(() => validateBatch(buf.subarray(0, 80), 0)).toThrow(/truncated/);
    const v1 = fixture();
    v1[16] = 1;
    expect(() => validateBatch(v1, 0)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FOR_MESSAGE_FORMAT' }));
  });

  it.each([
    ['gzip', Codec.Gzip],
    ['snappy', Codec.Snappy],
    ['lz4', Codec.Lz4],
    ['zstd', Codec.Zstd],
  ])('round-trips %s-compressed batches', (_name, codec) => {
    const records = Array.from({ length: 500 }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}-`.repeat(10)), timestamp: 1_700_000_000_000 + i }));
    const buf = encodeBatch(records, { compression: codec });
    expect(buf.length).toBeLessThan(records.length * 60);
    validateBatch(buf, 0);
    expect(readBatchHeader(buf, 0).attributes & 7).toBe(codec);
    const decoded = decodeRecords(buf, 0);
    expect(decoded).toHaveLength(500);
    expect(decoded[499]!.value!.toString()).toBe('value-499-'.repeat(10));
    expect(decoded[499]!.timestamp).toBe(1_700_000_000_499);
  });

  it('reads raw (unframed) snappy as librdkafka may write it', async () => {
    const { compressSync } = await import('snappy');
    const framed = encodeBatch([{ key: null, value: Buffer.from('abc'), timestamp: 5 }], { compression: Codec.Snappy });
    const plain = encodeBatch([{ key: null, value: Buffer.from('abc'), timestamp: 5 }]);
    const raw = compressSync(plain.subarray(61)) as Buffer;
    const batch = Buffer.concat([framed.subarray(0, 61), raw]);
    batch.writeInt32BE(batch.length - 12, 8);
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
    expect(decodeRecords(batch, 0)[0]!.value!.toString()).toBe('abc');
  });

  it('keeps timestamps exact across negative and large deltas', () => {
    const buf = encodeBatch([
      { key: null, value: null, timestamp: 1_700_000_000_000 },
      { key: null, value: null, timestamp: 1_600_000_000_000 },
      { key: null, value: null, timestamp: 1_800_000_000_123 },
    ]);
    expect(decodeRecords(buf, 0).map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_600_000_000_000, 1_800_000_000_123]);
    expect(readBatchHeader(buf, 0).maxTimestamp).toBe(1_800_000_000_123);
  });

  it('stamps LogAppendTime and every record reads it', () => {
    const buf = encodeBatch([{ key: null, value: Buffer.from('a'), timestamp: 1 }, { key: null, value: Buffer.from('b'), timestamp: 2 }]);
    setLogAppendTime(buf, 0, 99_999);
    validateBatch(buf, 0);
    expect(decodeRecords(buf, 0).map((r) => r.timestamp)).toEqual([99_999, 99_999]);
  });

  it('encodes transaction markers as control batches', () => {
    const buf = encodeControlBatch('COMMIT', { producerId: 7, producerEpoch: 3, coordinatorEpoch: 1, timestamp: 10 });
    validateBatch(buf, 0);
    const h = readBatchHeader(buf, 0);
    expect(isControl(h.attributes)).toBe(true);
    expect(isTransactional(h.attributes)).toBe(true);
    expect(h.producerId).toBe(7);
    expect(controlTypeOf(buf, 0)).toBe('COMMIT');
    expect(controlTypeOf(encodeControlBatch('ABORT', { producerId: 7, producerEpoch: 3, timestamp: 10 }), 0)).toBe('ABORT');
  });

  it('stops filling at the size limit but always takes one record', () => {
    const b = new RecordBatchBuilder({ sizeLimit: 200 });
    expect(b.tryAppend({ key: null, value: Buffer.alloc(500), timestamp: 0 })).toBe(true);
    expect(b.tryAppend({ key: null, value: Buffer.alloc(10), timestamp: 0 })).toBe(false);
    expect(b.recordCount).toBe(1);
  });

  it('reports malformed records inside a valid CRC as CORRUPT_MESSAGE', () => {
    const buf = fixture();
    buf[61] = 0x7e; // record length 63: runs past the batch
    buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
    expect(() => decodeRecords(buf, 0)).toThrow(expect.objectContaining({ code: 'CORRUPT_MESSAGE' }));
  });
});
