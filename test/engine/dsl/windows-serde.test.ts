import { describe, expect, it } from 'vitest';
import { SerializationError, Serdes } from '../../../engine/serde/serdes.js';
import { WindowedSerdes } from '../../../engine/serde/windowed.js';

const S = Serdes.String();
const hex = (b: Buffer | null): string => b!.toString('hex');

describe('windowed serdes (Kafka byte layouts)', () => {
  it('time windowed: key bytes then the 8-byte start; the end comes from the window size', () => {
    const serde = WindowedSerdes.timeWindowedSerdeFrom(S, 60_000);
    const bytes = serde.serialize('t', { key: 'ab', window: { start: 0x01_0203_0405, end: 0x01_0203_0405 + 60_000 } });
    expect(hex(bytes)).toBe('6162' + '0000000102030405');
    expect(serde.deserialize('t', bytes)).toEqual({ key: 'ab', window: { start: 0x01_0203_0405, end: 0x01_0203_0405 + 60_000 } });
    // A Kafka Streams record: key "user-1", window start 1700000000000.
    const fromKafka = Buffer.from('757365722d31' + '0000018bcfe56800', 'hex');
    expect(serde.deserialize('t', fromKafka)).toEqual({ key: 'user-1', window: { start: 1_700_000_000_000, end: 1_700_000_060_000 } });
  });

  it('session windowed: key bytes, then end, then start (8 bytes each)', () => {
    const serde = WindowedSerdes.sessionWindowedSerdeFrom(S);
    const bytes = serde.serialize('t', { key: 'k', window: { start: 500, end: 1000 } });
    expect(hex(bytes)).toBe('6b' + '00000000000003e8' + '00000000000001f4');
    expect(serde.deserialize('t', bytes)).toEqual({ key: 'k', window: { start: 500, end: 1000 } });
  });

  it('keep null as null and reject truncated keys', () => {
    const time = WindowedSerdes.timeWindowedSerdeFrom(S, 10);
    const session = WindowedSerdes.sessionWindowedSerdeFrom(S);
    expect(time.serialize('t', null)).toBeNull();
    expect(session.deserialize('t', null)).toBeNull();
    expect(() => time.deserialize('t', Buffer.alloc(7))).toThrow(SerializationError);
    expect(() => session.deserialize('t', Buffer.alloc(15))).toThrow(SerializationError);
    expect(() => WindowedSerdes.timeWindowedSerdeFrom(S, -1)).toThrow(SerializationError);
  });

  it('wrap any inner serde (binary keys)', () => {
    const serde = WindowedSerdes.timeWindowedSerdeFrom(Serdes.Long(), 5);
    expect(hex(serde.serialize('t', { key: 7, window: { start: 10, end: 15 } }))).toBe('0000000000000007' + '000000000000000a');
  });
});
