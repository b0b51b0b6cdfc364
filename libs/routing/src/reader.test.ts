import { describe, expect, it } from 'vitest';
import { parseRoutingTable } from './reader.ts';
import { lookupTenant, sealRoutingTable, type RoutingTable } from './table.ts';

const table = sealRoutingTable({
  schemaVersion: 1,
  domain: 'stamps.example.com',
  stamps: {
    'stamp-b': { endpoint: 'https://stamp-b.stamps.example.com', region: 'eastus', residency: 'us', status: 'active' },
    'stamp-a': { endpoint: 'https://stamp-a.stamps.example.com', region: 'westeurope', residency: 'eu', status: 'draining' },
  },
  tenants: {
    zeta: { stamp: 'stamp-b', status: 'active' },
    '42': { stamp: 'stamp-a', status: 'suspended' },
    alpha: { stamp: 'stamp-a', status: 'active' },
  },
});

/** The same data with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  );
}

describe('parseRoutingTable', () => {
  it('accepts a sealed table, compact or pretty, and with its keys in any order', () => {
    for (const text of [JSON.stringify(table), JSON.stringify(table, null, 2), JSON.stringify(reversed(table))]) {
      const result = parseRoutingTable(text);
      expect(result.ok).toBe(true);
    }
  });

  it('rejects a compact table whose revision member was moved into a tenant', () => {
    const text = JSON.stringify(table)
      .replace(`,"revision":"${table.revision}"`, '')
      .replace('"alpha":{', `"alpha":{"revision":"${table.revision}",`);
    expect(parseRoutingTable(text).ok).toBe(false);
  });

  it.each<[string, (t: RoutingTable & Record<string, unknown>) => unknown]>([
    ['a tenant moved without resealing', (t) => ({ ...t, tenants: { ...t.tenants, alpha: { stamp: 'stamp-b', status: 'active' } } })],
    ['a tenant added without resealing', (t) => ({ ...t, tenants: { ...t.tenants, intruder: { stamp: 'stamp-a', status: 'active' } } })],
    [
      'a stamp endpoint changed',
      (t) => ({ ...t, stamps: { ...t.stamps, 'stamp-a': { ...t.stamps['stamp-a']!, endpoint: 'https://evil.example.com' } } }),
    ],
  ])('rejects %s', (_name, tamper) => {
    const result = parseRoutingTable(JSON.stringify(tamper(table as RoutingTable & Record<string, unknown>)));
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('does not match the content') });
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    [
      'a tenant on a missing stamp',
      JSON.stringify({ ...table, tenants: { x: { stamp: 'nowhere', status: 'active' } } }),
      'tenants.x.stamp "nowhere" is not in stamps',
    ],
    ['a bad schema version', JSON.stringify({ ...table, schemaVersion: 2 }), 'schemaVersion must be 1'],
  ])('rejects %s', (_name, text, error) => {
    expect(parseRoutingTable(text)).toMatchObject({ ok: false, error: expect.stringContaining(error) });
  });
});

describe('lookupTenant', () => {
  it('finds a tenant and its stamp, and never defaults an unknown one', () => {
    expect(lookupTenant(table, 'alpha')).toMatchObject({ found: true, stampName: 'stamp-a', stamp: { region: 'westeurope' } });
    expect(lookupTenant(table, 'nobody')).toEqual({ found: false, tenantId: 'nobody', reason: 'unknown-tenant' });
    expect(lookupTenant(table, 'constructor')).toMatchObject({ found: false });
  });
});
