import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError, formatIssue, isGenerated, loadFleet } from '@stampyard/stamp-spec';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';
import { aTenant, bigFleet, fleetOf, smallStamps } from './private/fixtures.ts';
import { renderRoutingArtifacts, routingConfigMaps } from './artifacts.ts';
import { buildRoutingTable } from './build.ts';
import { parseRoutingTable, readRoutingTable } from './reader.ts';
import { computeRevision, lookupTenant, sealRoutingTable } from './table.ts';

const MIB = 1024 * 1024;

describe('renderRoutingArtifacts on the example fleet', async () => {
  const fleet = await loadFleet(EXAMPLE_FLEET_ROOT);
  const artifacts = renderRoutingArtifacts(fleet);
  const file = (path: string) => artifacts.files.find((f) => f.path === path)?.content ?? '';

  it('writes the canonical table: valid, sealed, every tenant once, every stamp it names present', () => {
    const result = parseRoutingTable(file('rendered/routing/routing-table.json'));
    if (!result.ok) throw new Error(result.error);
    const ids = fleet.tenantLists.flatMap((t) => t.list.items.map((i) => i.id));
    expect(ids.length).toBeGreaterThanOrEqual(200);
    expect(Object.keys(result.table.tenants).sort()).toEqual([...ids].sort());
    for (const tenant of Object.values(result.table.tenants)) expect(result.table.stamps).toHaveProperty(tenant.stamp);
    expect(Object.keys(result.table.stamps)).toEqual(fleet.stamps.map((s) => s.stamp.metadata.name));
    expect(result.table.stamps['stamp-eu-fabrikam']).toEqual({
      endpoint: 'https://stamp-eu-fabrikam.stamps.contoso.example',
      region: 'westeurope',
      residency: 'eu',
      status: 'active',
    });
    expect(lookupTenant(result.table, 'fabrikam')).toMatchObject({ found: true, stampName: 'stamp-eu-fabrikam' });
    expect(lookupTenant(result.table, 'nobody')).toEqual({ found: false, tenantId: 'nobody', reason: 'unknown-tenant' });
  });

  it('marks every file as generated, lists them sorted, and is deterministic', () => {
    expect(artifacts.files.every((f) => isGenerated(f.content))).toBe(true);
    const paths = artifacts.files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toContain('rendered/routing/dns/stamps.contoso.example.zone');
    expect(paths).toContain('rendered/routing/nginx/tenant-map.conf');
    expect(paths).toContain('rendered/routing/nginx/stamps.conf');
    expect(paths).toContain('rendered/routing/dns/endpoints/stamp-eu-fabrikam.yaml');
    expect(renderRoutingArtifacts(fleet)).toEqual(artifacts);
  });

  it('maps each tenant host to its stamp host in DNS', () => {
    expect(file('rendered/routing/dns/stamps.contoso.example.zone')).toContain(
      '\nfabrikam IN CNAME stamp-eu-fabrikam.stamps.contoso.example.\n',
    );
    expect(file('rendered/routing/dns/endpoints/stamp-eu-fabrikam.yaml')).toContain(
      '  endpoints:\n    - dnsName: fabrikam.stamps.contoso.example\n      recordType: CNAME\n      recordTTL: 300\n      targets: [stamp-eu-fabrikam.stamps.contoso.example]\n',
    );
  });
});

describe('buildRoutingTable', () => {
  it('refuses a tenant without a stamp, naming its file and line', () => {
    const fleet = fleetOf(smallStamps(), [[aTenant({ id: 'a', stamp: 'stamp-eu-1' }), aTenant({ id: 'b' })]]);
    let error: unknown;
    try {
      buildRoutingTable(fleet);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map(formatIssue)).toEqual([
      "tenants/tenants-000.yaml:14:9 items[1].id: tenant 'b' has no stamp, so it can't be routed; run stampyard tenants place, then npm run synth",
    ]);
  });

  it('never sees a tenant id that is also a stamp name: validation refuses it, as both would own <name>.<domain>', () => {
    expect(() => fleetOf(smallStamps(), [[aTenant({ id: 'stamp-eu-2', stamp: 'stamp-eu-1' })]])).toThrow(
      "items[0].id: 'stamp-eu-2' is also a stamp name (stamps/stamp-eu-2.yaml), so stamp-eu-2.stamps.example.com would mean both; rename the stamp",
    );
  });

  it('carries previousStamp and suspended status', () => {
    const fleet = fleetOf(smallStamps(), [[aTenant({ id: 'a', stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2', status: 'suspended' })]]);
    expect(buildRoutingTable(fleet).tenants).toEqual({ a: { stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2', status: 'suspended' } });
  });

  it('seals the table exactly as sealRoutingTable does: keys sorted, revision of the canonical content', () => {
    const fleet = fleetOf(smallStamps(), [
      [
        aTenant({ id: 'b', stamp: 'stamp-eu-2' }),
        aTenant({ id: 'a', stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2' }),
        aTenant({ id: '42', stamp: 'stamp-eu-1' }),
      ],
    ]);
    const table = buildRoutingTable(fleet);
    const { revision: _revision, ...content } = table;
    expect(JSON.stringify(table)).toBe(JSON.stringify(sealRoutingTable(content)));
    expect(computeRevision(table)).toBe(table.revision);
  });
});

describe('routing ConfigMaps for 100,000 tenants', () => {
  it('keeps every ConfigMap under 1 MiB, and the reader reassembles the same table', async () => {
    const fleet = bigFleet(500, 100_000);
    const table = buildRoutingTable(fleet);
    const configMaps = routingConfigMaps(table);
    expect(configMaps.length).toBeGreaterThan(3);
    const dir = await mkdtemp(join(tmpdir(), 'routing-shards-'));
    try {
      for (const configMap of configMaps) {
        const serialized = JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: configMap.name },
          data: configMap.data,
        });
        expect(Buffer.byteLength(serialized)).toBeLessThan(MIB);
        for (const [name, text] of Object.entries(configMap.data)) await writeFile(join(dir, name), text);
      }
      const result = await readRoutingTable(dir);
      if (!result.ok) throw new Error(result.error);
      expect(result.table).toEqual(table);
      expect(Object.keys(result.table.tenants)).toHaveLength(100_000);
      // A shard from another revision is refused, never half-applied.
      const shard = configMaps[1]!;
      const [name, text] = Object.entries(shard.data)[0]!;
      await writeFile(join(dir, name), text.replace('tenant-1"', 'tenant-x"'));
      const torn = await readRoutingTable(dir);
      expect(torn.ok).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
