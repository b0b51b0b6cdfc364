import { describe, expect, it } from 'vitest';
import { clientAddress, isTrusted, parseTrustedProxies } from './client-address.ts';

const trusted = parseTrustedProxies('10.0.0.0/8, 192.168.1.1, fd00::/8');
if (typeof trusted === 'string') throw new Error(trusted);

describe('parseTrustedProxies', () => {
  it.each([
    { text: '10.0.0.0/33', error: '"10.0.0.0/33" is not an IP address or CIDR range' },
    { text: 'example.com', error: '"example.com"' },
    { text: '10.0.0.0/8/1', error: '"10.0.0.0/8/1"' },
    { text: '10.0.0.0/x', error: '"10.0.0.0/x"' },
    { text: '::1/129', error: '"::1/129"' },
  ])('rejects $text', ({ text, error }) => expect(parseTrustedProxies(text)).toContain(error));

  it('accepts an empty list, single addresses, and both families', () => {
    expect(typeof parseTrustedProxies('')).toBe('object');
    expect(isTrusted('192.168.1.1', trusted)).toBe(true);
    expect(isTrusted('192.168.1.2', trusted)).toBe(false);
    expect(isTrusted('fd12::1', trusted)).toBe(true);
    expect(isTrusted('fe80::1', trusted)).toBe(false);
    expect(isTrusted('', trusted)).toBe(false);
    expect(isTrusted('10.1.1.1', undefined)).toBe(false);
    expect(isTrusted('not-an-ip', trusted)).toBe(false);
  });
});

describe('clientAddress', () => {
  it.each([
    { name: 'untrusted peer: its X-Forwarded-For is ignored', peer: '203.0.113.9', xff: '1.1.1.1', expected: '203.0.113.9' },
    { name: 'no trust configured', peer: '10.0.0.2', xff: '1.1.1.1', trustedList: undefined, expected: '10.0.0.2' },
    { name: 'trusted peer without the header', peer: '10.0.0.2', xff: undefined, expected: '10.0.0.2' },
    { name: 'trusted peer: the hop it added', peer: '10.0.0.2', xff: '1.1.1.1', expected: '1.1.1.1' },
    { name: 'a client-forged hop left of the real one is ignored', peer: '10.0.0.2', xff: '6.6.6.6, 1.1.1.1', expected: '1.1.1.1' },
    { name: 'trusted hops are skipped', peer: '10.0.0.2', xff: '1.1.1.1, 10.9.9.9', expected: '1.1.1.1' },
    { name: 'repeated headers count as one list', peer: '10.0.0.2', xff: ['1.1.1.1', '10.9.9.9'], expected: '1.1.1.1' },
    { name: 'a malformed hop ends the walk at the last trusted one', peer: '10.0.0.2', xff: 'junk, 10.9.9.9', expected: '10.9.9.9' },
    { name: 'every hop trusted: the leftmost', peer: '10.0.0.2', xff: '10.1.1.1, 10.9.9.9', expected: '10.1.1.1' },
    { name: 'IPv4-mapped peer', peer: '::ffff:10.0.0.2', xff: '1.1.1.1', expected: '1.1.1.1' },
    { name: 'IPv4-mapped untrusted peer is reported plain', peer: '::ffff:203.0.113.9', xff: undefined, expected: '203.0.113.9' },
    { name: 'no peer at all', peer: undefined, xff: '1.1.1.1', expected: '' },
  ] as { name: string; peer?: string; xff?: string | string[]; trustedList?: null; expected: string }[])(
    '$name',
    ({ peer, xff, expected, ...rest }) => {
      expect(clientAddress(peer, xff, 'trustedList' in rest ? undefined : trusted)).toBe(expected);
    },
  );
});
