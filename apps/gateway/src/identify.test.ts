import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIdentifyOrder, resolveIdentity, tenantFromHost, type IdentifySource, type RequestClues } from './identify.ts';

const DOMAIN = 'stamps.example';
const ALL: IdentifySource[] = ['host', 'header', 'token'];

describe('tenantFromHost', () => {
  it.each([
    { host: 'acme.stamps.example', expected: 'acme' },
    { host: 'ACME.Stamps.Example:8443', expected: 'acme' },
    { host: 'acme.stamps.example.', expected: 'acme' },
    { host: 'stamps.example', expected: undefined },
    { host: '.stamps.example', expected: undefined },
    { host: 'a.b.stamps.example', expected: undefined },
    { host: 'acme.evilstamps.example', expected: undefined },
    { host: 'acme.stamps.example.evil.test', expected: undefined },
    { host: '[::1]', expected: undefined },
    { host: undefined, expected: undefined },
  ])('$host → $expected', ({ host, expected }) => expect(tenantFromHost(host, DOMAIN)).toBe(expected));
});

describe('resolveIdentity', () => {
  const valid = (tenant: string, stamp?: string): RequestClues['token'] =>
    stamp ? { kind: 'valid', tenant, stamp } : { kind: 'valid', tenant };
  it.each([
    {
      name: 'host only',
      order: ALL,
      clues: { host: 'acme.stamps.example', token: { kind: 'absent' } },
      expected: { ok: true, tenant: 'acme', source: 'host' },
    },
    {
      name: 'header only',
      order: ALL,
      clues: { header: 'acme', token: { kind: 'absent' } },
      expected: { ok: true, tenant: 'acme', source: 'header' },
    },
    {
      name: 'token with stamp',
      order: ALL,
      clues: { token: valid('acme', 'stamp-1') },
      expected: { ok: true, tenant: 'acme', source: 'token', tokenStamp: 'stamp-1' },
    },
    {
      name: 'all agree, first source wins',
      order: ['token', 'host', 'header'],
      clues: { host: 'acme.stamps.example', header: 'acme', token: valid('acme') },
      expected: { ok: true, tenant: 'acme', source: 'token' },
    },
    {
      name: 'host vs header',
      order: ALL,
      clues: { host: 'acme.stamps.example', header: 'globex', token: { kind: 'absent' } },
      expected: { ok: false, status: 400, code: 'conflicting-tenants' },
    },
    {
      name: 'header vs token',
      order: ALL,
      clues: { header: 'acme', token: valid('globex') },
      expected: { ok: false, status: 400, code: 'conflicting-tenants' },
    },
    {
      name: 'repeated header',
      order: ALL,
      clues: { header: 'acme, globex', token: { kind: 'absent' } },
      expected: { ok: false, status: 400, code: 'conflicting-tenants' },
    },
    {
      name: 'invalid token beats a valid host',
      order: ALL,
      clues: { host: 'acme.stamps.example', token: { kind: 'invalid', reason: 'ERR_JWT_EXPIRED' } },
      expected: { ok: false, status: 401, code: 'invalid-token' },
    },
    { name: 'nothing', order: ALL, clues: { token: { kind: 'absent' } }, expected: { ok: false, status: 400, code: 'no-tenant' } },
    {
      name: 'header ignored when not listed',
      order: ['host'],
      clues: { header: 'acme', token: { kind: 'absent' } },
      expected: { ok: false, status: 400, code: 'no-tenant' },
    },
    {
      name: 'disabled source cannot conflict',
      order: ['header'],
      clues: { host: 'acme.stamps.example', header: 'globex', token: { kind: 'absent' } },
      expected: { ok: true, tenant: 'globex', source: 'header' },
    },
  ] as { name: string; order: IdentifySource[]; clues: RequestClues; expected: object }[])('$name', ({ order, clues, expected }) => {
    expect(resolveIdentity(order, clues, DOMAIN)).toMatchObject(expected);
  });

  it('never names a tenant that no source named', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(fc.option(label), fc.option(label), fc.option(label), (host, header, token) => {
        const clues: RequestClues = {
          ...(host ? { host: `${host}.${DOMAIN}` } : {}),
          ...(header ? { header } : {}),
          token: token ? { kind: 'valid', tenant: token } : { kind: 'absent' },
        };
        const result = resolveIdentity(ALL, clues, DOMAIN);
        const named = [host, header, token].filter((x): x is string => x !== null);
        if (result.ok) expect(named.every((n) => n === result.tenant)).toBe(true);
        else expect(new Set(named).size === 1).toBe(false);
      }),
    );
  });
});

describe('parseIdentifyOrder', () => {
  it.each([
    { text: 'host,header,token', expected: ['host', 'header', 'token'] },
    { text: ' token , host ', expected: ['token', 'host'] },
    { text: '', expected: '--identify needs at least one of host, header, token' },
    { text: 'host,cookie', expected: '--identify: unknown source "cookie"; use a comma-separated list of host, header, token' },
    { text: 'host,host', expected: '--identify: host is listed twice' },
  ])('$text', ({ text, expected }) => expect(parseIdentifyOrder(text)).toEqual(expected));
});
