import { describe, expect, it } from 'vitest';
import { sealRoutingTable, type RoutingTable, type TenantRoute } from '@stampyard/routing';
import { sampleTenants } from './traffic.ts';
import { formatRouteTable } from './progress.ts';

function table(tenants: Record<string, TenantRoute>): RoutingTable {
  const stamp = { endpoint: 'https://s.example.com', region: 'westeurope', residency: 'eu', status: 'active' as const };
  return sealRoutingTable({ schemaVersion: 1, domain: 'stamps.example.com', stamps: { a: stamp, b: stamp, c: stamp }, tenants });
}

describe('sampleTenants', () => {
  const t = table({
    a1: { stamp: 'a', status: 'active' },
    a2: { stamp: 'a', status: 'active' },
    a3: { stamp: 'a', status: 'active' },
    b1: { stamp: 'b', status: 'active' },
    c1: { stamp: 'c', status: 'suspended' },
  });

  it('covers every stamp before taking a second tenant of any', () => {
    expect(sampleTenants(t, 2)).toEqual(['a1', 'b1']);
    expect(sampleTenants(t, 3)).toEqual(['a1', 'a2', 'b1']);
  });

  it('skips suspended tenants and stops when none are left', () => {
    expect(sampleTenants(t, 50)).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(sampleTenants(t, 0)).toEqual([]);
  });
});

describe('formatRouteTable', () => {
  it('aligns columns and marks failures', () => {
    const text = formatRouteTable([
      { tenant: 'contoso', expectedStamp: 'stamp-eu-1', servedStamp: 'stamp-eu-1', servedVersion: '1.4.0', status: 200, ok: true },
      { tenant: 'fabrikam', expectedStamp: 'stamp-eu-fabrikam', status: 502, ok: false, error: 'HTTP 502' },
    ]);
    expect(text).toBe(
      [
        '  tenant    served by   version  expected           result',
        '  contoso   stamp-eu-1  1.4.0    stamp-eu-1         ok',
        '  fabrikam  -           -        stamp-eu-fabrikam  FAIL HTTP 502',
      ].join('\n'),
    );
  });
});
