import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError, formatIssue, isGenerated, loadFleet } from '@stampyard/stamp-spec';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';
import { aTenant, bigFleet, fleetOf, smallStamps } from './private/fixtures.ts';
import { ROUTING_TABLE_DIR, renderRoutingArtifacts } from './artifacts.ts';
import { buildRoutingTable } from './build.ts';
import { readRoutingTable } from './reader.ts';
import { MAX_SHARD_BYTES, shardOf } from './shards.ts';
import { computeRevision, lookupTenant, sealRoutingTable } from './table.ts';

const MIB = 1024 * 1024;

describe('renderRoutingArtifacts on the example fleet', async () => {
  const fleet = await loadFleet(EXAMPLE_FLEET_ROOT);
  const artifacts = renderRoutingArtifacts(fleet);
  const file = (path: string) => artifacts.files.find((f) => f.path === path)?.content ?? '';
  const fabrikamShard = () => String(shardOf('fabrikam', artifacts.shardCount)).padStart(3, '0');

  it('writes the sharded table: valid, every tenant once in its own shard, every stamp it names present', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'routing-table-'));
    try {
      for (const f of artifacts.files.filter((f) => f.path.startsWith(`${ROUTING_TABLE_DIR}/`))) await writeFile(join(dir, basename(f.path)), f.content);
      const result = await readRoutingTable(dir);
      if (!result.ok) throw new Error(result.error);
      expect(result.table.revision).toBe(artifacts.revision);
      const ids = fleet.tenantLists.flatMap((t) => t.list.items.map((i) => i.id));
      expect(ids.length).toBeGreaterThanOrEqual(200);
      expect(Object.keys(result.table.tenants)).toEqual([...ids].sort());
      for (const tenant of Object.values(result.table.tenants)) expect(result.table.stamps).toHaveProperty(tenant.stamp);
      expect(Object.keys(result.table.stamps)).toEqual(fleet.stamps.map((s) => s.stamp.metadata.name).sort());
      expect(result.table.stamps['stamp-eu-fabrikam']).toEqual({ endpoint: 'https://stamp-eu-fabrikam.stamps.contoso.example', region: 'westeurope', residency: 'eu', status: 'active' });
      expect(lookupTenant(result.table, 'fabrikam')).toMatchObject({ found: true, stampName: 'stamp-eu-fabrikam' });
      expect(lookupTenant(result.table, 'nobody')).toEqual({ found: false, tenantId: 'nobody', reason: 'unknown-tenant' });
      expect(file(`${ROUTING_TABLE_DIR}/routing-shard-${String(shardOf('fabrikam', artifacts.shardCount)).padStart(3, '0')}.json`)).toContain('\n"fabrikam":{"stamp":"stamp-eu-fabrikam","status":"active"},\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('marks every file as generated, lists them sorted, and is deterministic', () => {
    expect(artifacts.files.every((f) => isGenerated(f.content))).toBe(true);
    const paths = artifacts.files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toContain('rendered/routing/dns/stamps.contoso.example.zone');
    expect(paths).toContain('rendered/routing/nginx/tenant-map.conf');
    expect(paths).toContain('rendered/routing/nginx/stamps.conf');
    expect(paths).toContain(`rendered/routing/dns/endpoints/shard-${fabrikamShard()}.yaml`);
    expect(paths).toContain(`rendered/routing/nginx/tenant-map/shard-${fabrikamShard()}.conf`);
    expect(renderRoutingArtifacts(fleet)).toEqual(artifacts);
  });

  it('maps each tenant host to its stamp host in DNS', () => {
    expect(file('rendered/routing/dns/stamps.contoso.example.zone')).toContain(`\n$INCLUDE zone/shard-${fabrikamShard()}.zone\n`);
    expect(file(`rendered/routing/dns/zone/shard-${fabrikamShard()}.zone`)).toContain('\nfabrikam IN CNAME stamp-eu-fabrikam.stamps.contoso.example.\n');
    expect(file(`rendered/routing/dns/endpoints/shard-${fabrikamShard()}.yaml`)).toContain(
      '    - dnsName: fabrikam.stamps.contoso.example\n      recordType: CNAME\n      recordTTL: 300\n      targets: [stamp-eu-fabrikam.stamps.contoso.example]\n',
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
    expect(() => fleetOf(smallStamps(), [[aTenant({ id: 'stamp-eu-2', stamp: 'stamp-eu-1' })]])).toThrow("items[0].id: 'stamp-eu-2' is also a stamp name (stamps/stamp-eu-2.yaml), so stamp-eu-2.stamps.example.com would mean both; rename the stamp");
  });

  it('carries previousStamp and suspended status', () => {
    const fleet = fleetOf(smallStamps(), [[aTenant({ id: 'a', stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2', status: 'suspended' })]]);
    expect(buildRoutingTable(fleet).tenants).toEqual({ a: { stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2', status: 'suspended' } });
  });

  it('seals the table exactly as sealRoutingTable does: keys sorted, revision of the canonical content', () => {
    const fleet = fleetOf(smallStamps(), [[aTenant({ id: 'b', stamp: 'stamp-eu-2' }), aTenant({ id: 'a', stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2' }), aTenant({ id: '42', stamp: 'stamp-eu-1' })]]);
    const table = buildRoutingTable(fleet);
    const { revision: _revision, ...content } = table;
    expect(JSON.stringify(table)).toBe(JSON.stringify(sealRoutingTable(content)));
    expect(computeRevision(table)).toBe(table.revision);
  });
});

describe('routing ConfigMaps for 100,000 tenants', () => {
  it('keeps every ConfigMap under the shard budget, and the reader reassembles the same tenants', async () => {
    const base = bigFleet(500, 100_000);
    const fleet = { ...base, fleet: { ...base.fleet, spec: { ...base.fleet.spec, routing: { shards: 64 } } } };
    const table = buildRoutingTable(fleet);
    const { configMaps, revision } = renderRoutingArtifacts(fleet);
    expect(configMaps).toHaveLength(65);
    const dir = await mkdtemp(join(tmpdir(), 'routing-shards-'));
    try {
      for (const configMap of configMaps) {
        const serialized = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMap.name }, data: configMap.data });
        expect(Buffer.byteLength(serialized)).toBeLessThan(MIB);
        for (const [name, text] of Object.entries(configMap.data)) {
          expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SHARD_BYTES);
          await writeFile(join(dir, name), text);
        }
      }
      const result = await readRoutingTable(dir);
      if (!result.ok) throw new Error(result.error);
      expect(result.table.revision).toBe(revision);
      expect(result.table.tenants).toEqual(table.tenants);
      expect(Object.keys(result.table.tenants)).toHaveLength(100_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses shards over the budget, naming spec.routing.shards in fleet.yaml and the count that fits', () => {
    const base = bigFleet(50, 40_000);
    const fleet = { ...base, fleet: { ...base.fleet, spec: { ...base.fleet.spec, routing: { shards: 2 } } } };
    let error: unknown;
    try {
      renderRoutingArtifacts(fleet);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map(formatIssue).join('\n')).toMatch(/spec\.routing\.shards: shard \d of the routing table holds \d+ bytes, over the 786432-byte budget per ConfigMap \(75% of 1 MiB\); set spec\.routing\.shards to 4 \(currently 2\)/);
  });
});
