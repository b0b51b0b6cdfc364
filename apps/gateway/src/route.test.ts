import { sealRoutingTable } from '@stampyard/routing/lookup';
import { describe, expect, it } from 'vitest';
import type { Identity } from './identify.ts';
import { compileTable, decideRoute } from './route.ts';

const table = compileTable(
  sealRoutingTable({
    schemaVersion: 1,
    domain: 'stamps.example',
    stamps: {
      'stamp-1': { endpoint: 'https://stamp-1.example/api/', region: 'westeurope', residency: 'eu', status: 'active' },
      'stamp-2': { endpoint: 'https://stamp-2.example', region: 'eastus', residency: 'us', status: 'draining' },
    },
    tenants: {
      acme: { stamp: 'stamp-1', status: 'active' },
      globex: { stamp: 'stamp-2', status: 'active' },
      initech: { stamp: 'stamp-1', status: 'suspended' },
    },
  }),
  new Map([['stamp-2', 'http://127.0.0.1:9102']]),
);

describe('compileTable', () => {
  it('applies upstream overrides and splits origin from base path', () => {
    expect(table.stamps.get('stamp-1')).toMatchObject({ origin: 'https://stamp-1.example', basePath: '/api' });
    expect(table.stamps.get('stamp-2')).toMatchObject({
      endpoint: 'http://127.0.0.1:9102',
      origin: 'http://127.0.0.1:9102',
      basePath: '',
      status: 'draining',
    });
    expect(table.tenantCount).toBe(3);
    expect(table.tenantCount).toBe(3); // counted once, then cached
  });
});

describe('decideRoute', () => {
  it.each([
    {
      name: 'active tenant',
      identity: { ok: true, tenant: 'acme', source: 'host' },
      expected: { kind: 'forward', tenant: 'acme', tokenStampMismatch: false },
    },
    {
      name: 'draining stamp is still routed',
      identity: { ok: true, tenant: 'globex', source: 'header' },
      expected: { kind: 'forward', tenant: 'globex' },
    },
    {
      name: 'token stamp disagrees: the table wins',
      identity: { ok: true, tenant: 'acme', source: 'token', tokenStamp: 'stamp-2' },
      expected: { kind: 'forward', tokenStampMismatch: true, stamp: { name: 'stamp-1' } },
    },
    {
      name: 'unknown tenant',
      identity: { ok: true, tenant: 'nobody', source: 'header' },
      expected: { kind: 'reject', status: 404, code: 'unknown-tenant' },
    },
    {
      name: 'inherited property names are not tenants',
      identity: { ok: true, tenant: 'constructor', source: 'header' },
      expected: { kind: 'reject', status: 404 },
    },
    {
      name: 'suspended tenant',
      identity: { ok: true, tenant: 'initech', source: 'header' },
      expected: { kind: 'reject', status: 403, code: 'tenant-suspended', stamp: 'stamp-1' },
    },
    {
      name: 'identification failed',
      identity: { ok: false, status: 400, code: 'no-tenant', message: 'm' },
      expected: { kind: 'reject', status: 400, code: 'no-tenant' },
    },
  ] as { name: string; identity: Identity; expected: object }[])('$name', ({ identity, expected }) => {
    expect(decideRoute(table, identity)).toMatchObject(expected);
  });
});
