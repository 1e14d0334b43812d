import { describe, expect, it } from 'vitest';
import { selectProtocol, supportsProtocols } from '../../../../storage/broker/assignors/select-protocol.js';

const member = (...protocols: string[]) => ({ protocols });

describe('selectProtocol', () => {
  it('picks a protocol every member supports, even if it is nobody’s first choice', () => {
    expect(selectProtocol([member('range', 'roundrobin'), member('sticky', 'roundrobin'), member('roundrobin')])).toBe('roundrobin');
  });

  it('lets each member vote for the first common protocol it lists; most votes win', () => {
    const group = [
      member('cooperative-sticky', 'range'),
      member('range', 'cooperative-sticky'),
      member('cooperative-sticky', 'range'),
    ];
    expect(selectProtocol(group)).toBe('cooperative-sticky');
    expect(selectProtocol([member('range', 'cooperative-sticky'), member('range', 'cooperative-sticky'), member('cooperative-sticky', 'range')])).toBe('range');
  });

  it('stays on the old assignor during a rolling upgrade until every member lists the new one (KIP-429)', () => {
    const upgraded = member('cooperative-sticky', 'range');
    expect(selectProtocol([upgraded, upgraded, member('range')])).toBe('range');
    expect(selectProtocol([upgraded, upgraded, upgraded])).toBe('cooperative-sticky');
  });

  it('breaks a tie by the first member’s preference', () => {
    expect(selectProtocol([member('range', 'roundrobin'), member('roundrobin', 'range')])).toBe('range');
    expect(selectProtocol([member('roundrobin', 'range'), member('range', 'roundrobin')])).toBe('roundrobin');
  });

  it('returns null without members or without a protocol they all support', () => {
    expect(selectProtocol([])).toBeNull();
    expect(selectProtocol([member('range'), member('roundrobin')])).toBeNull();
    expect(selectProtocol([member()])).toBeNull();
  });
});

describe('supportsProtocols', () => {
  it('lets a member into an empty group with any protocol, and into a group only with a shared one', () => {
    expect(supportsProtocols([], ['range'])).toBe(true);
    expect(supportsProtocols([], [])).toBe(false);
    const group = [member('range', 'sticky'), member('sticky', 'range')];
    expect(supportsProtocols(group, ['roundrobin', 'sticky'])).toBe(true);
    expect(supportsProtocols(group, ['roundrobin'])).toBe(false);
    expect(supportsProtocols([member('range'), member('sticky')], ['range', 'sticky'])).toBe(false);
  });
});
