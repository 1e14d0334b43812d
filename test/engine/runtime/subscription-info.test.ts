import { describe, expect, it } from 'vitest';
import { decodeSubscriptionInfo, encodeSubscriptionInfo } from '../../../engine/runtime/subscription-info.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf8 = (s: string) => Buffer.from(s).toString('hex');
const PID = '0b1e9d7c-6d1f-4c3a-9a55-2f0d8c1e7b42';

describe('subscription info (a StreamsApp member\'s subscription user data)', () => {
  it('writes the version, then the endpoint and the process id as int16-length strings, -1 for none', () => {
    expect(encodeSubscriptionInfo({ endpoint: { host: 'a.example', port: 7070 }, processId: PID })).toEqual(hex(`0002  000e ${utf8('a.example:7070')}  0024 ${utf8(PID)}`));
    expect(encodeSubscriptionInfo({ endpoint: null, processId: PID })).toEqual(hex(`0002 ffff 0024 ${utf8(PID)}`));
    expect(encodeSubscriptionInfo({ endpoint: { host: '::1', port: 80 }, processId: null })).toEqual(hex(`0002 0008 ${utf8('[::1]:80')} ffff`));
  });

  it('reads what it writes, version 1 (no process id), and newer versions by the fields it knows', () => {
    for (const endpoint of [{ host: 'a.example', port: 7070 }, { host: '::1', port: 80 }, null]) {
      for (const processId of [PID, null]) expect(decodeSubscriptionInfo(encodeSubscriptionInfo({ endpoint, processId }))).toEqual({ endpoint, processId });
    }
    expect(decodeSubscriptionInfo(hex(`0001 0006 ${utf8('h:7070')}`))).toEqual({ endpoint: { host: 'h', port: 7070 }, processId: null });
    expect(decodeSubscriptionInfo(hex('0001 ffff'))).toEqual({ endpoint: null, processId: null });
    expect(decodeSubscriptionInfo(hex(`0003 0006 ${utf8('h:7070')} 0001 ${utf8('p')} 00000001`))).toEqual({ endpoint: { host: 'h', port: 7070 }, processId: 'p' });
  });

  it('refuses bytes that are not subscription info', () => {
    for (const bad of ['', '0001', '0000 ffff', '0001 0010 6869', `0001 0004 ${utf8('nope')}`, '0002 ffff', '0002 ffff 0005 6869']) {
      expect(() => decodeSubscriptionInfo(hex(bad)), bad).toThrow(expect.objectContaining({ code: 'STREAMS_ILLEGAL_STATE', message: expect.stringContaining('Malformed subscription info') }));
    }
  });
});
