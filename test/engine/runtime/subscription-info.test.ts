import { describe, expect, it } from 'vitest';
import { decodeSubscriptionInfo, encodeSubscriptionInfo } from '../../../engine/runtime/subscription-info.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('subscription info (a StreamsApp member\'s subscription user data)', () => {
  it('writes the version and the endpoint as an int16-length string, -1 for none', () => {
    expect(encodeSubscriptionInfo({ endpoint: { host: 'a.example', port: 7070 } })).toEqual(
      hex(`0001  000e  ${Buffer.from('a.example:7070').toString('hex')}`),
    );
    expect(encodeSubscriptionInfo({ endpoint: null })).toEqual(hex('0001 ffff'));
    expect(encodeSubscriptionInfo({ endpoint: { host: '::1', port: 80 } })).toEqual(hex(`0001 0008 ${Buffer.from('[::1]:80').toString('hex')}`));
  });

  it('reads what it writes, and newer versions by the fields it knows', () => {
    for (const endpoint of [{ host: 'a.example', port: 7070 }, { host: '::1', port: 80 }, null]) {
      expect(decodeSubscriptionInfo(encodeSubscriptionInfo({ endpoint }))).toEqual({ endpoint });
    }
    expect(decodeSubscriptionInfo(hex(`0002 0006 ${Buffer.from('h:7070').toString('hex')} 00000001`))).toEqual({ endpoint: { host: 'h', port: 7070 } });
  });

  it('refuses bytes that are not subscription info', () => {
    for (const bad of ['', '0001', '0000 ffff', '0001 0010 6869', `0001 0004 ${Buffer.from('nope').toString('hex')}`]) {
      expect(() => decodeSubscriptionInfo(hex(bad)), bad).toThrow(expect.objectContaining({ code: 'STREAMS_ILLEGAL_STATE', message: expect.stringContaining('Malformed subscription info') }));
    }
  });
});
