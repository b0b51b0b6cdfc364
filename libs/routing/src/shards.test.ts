// Sharding stability: a tenant's shard is a function of its id and the shard count, forever.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LoadedFleet, Tenant } from '@stampyard/stamp-spec';
import { aTenant, bigFleet } from './private/fixtures.ts';
import { renderRoutingArtifacts } from './artifacts.ts';
import { buildRoutingTable } from './build.ts';
import {
  DEFAULT_ROUTING_SHARDS,
  formatIndex,
  groupTenants,
  isShardCount,
  parseIndex,
  parseShard,
  shardFileName,
  shardOf,
  shardOfHash,
  shardTable,
  sha256Of,
  tenantHash,
  type RoutingIndex,
} from './shards.ts';

// Pinned: checked against an independent implementation (Python) of FNV-1a + fmix32 when written.
// Every committed shard and every running gateway depends on these values; if this table fails,
// the change breaks routing of existing tenants. Don't update the table: revert the change.
const VECTORS: readonly [string, number, number, number][] = [
  ['', 2872998923, 11, 11],
  ['a', 444641715, 3, 179],
  ['contoso', 3633551398, 6, 38],
  ['tenant-0', 469173661, 13, 157],
  ['tenant-999999', 892157970, 2, 18],
  ['adatum-bank', 1566027668, 4, 148],
  ['fabrikam', 2692956501, 5, 85],
  ['xn--bcher-kva', 2107820778, 10, 234],
];

/** A fleet with the given tenants on bigFleet's stamps. */
function withTenants(base: LoadedFleet, items: readonly Tenant[], shards?: number): LoadedFleet {
  const [list] = base.tenantLists;
  const spec = shards === undefined ? base.fleet.spec : { ...base.fleet.spec, routing: { shards } };
  return { ...base, fleet: { ...base.fleet, spec }, tenantLists: [{ ...list!, list: { ...list!.list, items: [...items] } }] };
}

const idArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/).filter((id) => !id.startsWith('stamp-'));

describe('shardOf', () => {
  it.each(VECTORS)('hashes %j to %i (shard %i of 16, %i of 256), forever', (id, hash, of16, of256) => {
    expect(tenantHash(id)).toBe(hash);
    expect(shardOf(id, 16)).toBe(of16);
    expect(shardOf(id, 256)).toBe(of256);
  });

  it('maps the edge hashes to the first and the last shard, for every count', () => {
    for (let count = 1; count <= 4096; count *= 2) {
      expect(shardOfHash(0, count)).toBe(0);
      expect(shardOfHash(0xffffffff, count)).toBe(count - 1);
      expect(shardOfHash(0x80000000, count)).toBe(count === 1 ? 0 : 0);
    }
  });

  it('gives a shard in range that depends on the id and the count only', () => {
    fc.assert(
      fc.property(idArb, fc.integer({ min: 0, max: 12 }), (id, power) => {
        const count = 2 ** power;
        const shard = shardOf(id, count);
        expect(Number.isInteger(shard) && shard >= 0 && shard < count).toBe(true);
        expect(shardOf(`${id}`, count)).toBe(shard);
      }),
    );
  });

  it('doubling the count keeps each tenant in shard s or moves it to s + count, nowhere else', () => {
    fc.assert(
      fc.property(idArb, fc.integer({ min: 0, max: 11 }), (id, power) => {
        const count = 2 ** power;
        expect(shardOf(id, count * 2) % count).toBe(shardOf(id, count));
      }),
    );
  });

  it('spreads 100,000 tenant ids evenly over 256 shards (largest within 25% of the mean: about 5 standard deviations)', () => {
    const sizes = new Array<number>(256).fill(0);
    for (let i = 0; i < 100_000; i++) sizes[shardOf(`tenant-${i}`, 256)]!++;
    expect(Math.max(...sizes) / (100_000 / 256)).toBeLessThan(1.25);
    expect(Math.min(...sizes) / (100_000 / 256)).toBeGreaterThan(0.75);
  });

  it.each([0, 3, 6, 8192, 1.5, -2])('refuses a shard count of %d', (count) => {
    expect(isShardCount(count)).toBe(false);
    expect(() => groupTenants({ domain: 'd', stamps: {}, tenants: {} }, count)).toThrow('must be a power of two');
  });
});

describe('a one-tenant change rewrites one shard of each artifact', () => {
  const base = bigFleet(8, 0);
  const stamps = base.stamps.map((s) => s.stamp.metadata.name);
  const tenantArb = fc.record({ id: idArb, stamp: fc.constantFrom(...stamps), suspended: fc.boolean() });
  const fleetArb = fc.uniqueArray(tenantArb, { selector: (t) => t.id, minLength: 1, maxLength: 60 });
  const toTenant = (t: { id: string; stamp: string; suspended: boolean }) =>
    aTenant({ id: t.id, residency: 'any', stamp: t.stamp, ...(t.suspended ? { status: 'suspended' as const } : {}) });
  // Files that name every shard or the revision: small, and rewritten by any change.
  const indexFiles = (path: string) => /(routing-index\.json|tenant-map\.conf|\.zone)$/.test(path) && !path.includes('/zone/');
  const shardOfPath = (path: string) => /shard-(\d+)/.exec(path)?.[1];

  type Change = { kind: 'add'; tenant: { id: string; stamp: string; suspended: boolean } } | { kind: 'move' | 'suspend' | 'remove'; at: number; stamp: string };
  const changeArb: fc.Arbitrary<Change> = fc.oneof(
    tenantArb.map((tenant) => ({ kind: 'add' as const, tenant })),
    fc.record({ kind: fc.constantFrom('move' as const, 'suspend' as const, 'remove' as const), at: fc.nat(), stamp: fc.constantFrom(...stamps) }),
  );

  it('changes only the changed tenant\'s shard files and the index files, for any fleet and any change', () => {
    fc.assert(
      fc.property(fleetArb, changeArb, fc.constantFrom(1, 4, 16), (tenants, change, count) => {
        const before = tenants.map(toTenant);
        let after: Tenant[];
        let id: string;
        if (change.kind === 'add') {
          if (tenants.some((t) => t.id === change.tenant.id)) return;
          id = change.tenant.id;
          after = [...before, toTenant(change.tenant)];
        } else {
          const i = change.at % before.length;
          id = before[i]!.id;
          after = change.kind === 'remove' ? before.filter((_, j) => j !== i) : before.map((t, j) => (j !== i ? t : change.kind === 'move' ? { ...t, stamp: change.stamp } : { ...t, status: 'suspended' as const }));
        }
        const a = renderRoutingArtifacts(withTenants(base, before, count));
        const b = renderRoutingArtifacts(withTenants(base, after, count));
        const aFiles = new Map(a.files.map((f) => [f.path, f.content]));
        const bFiles = new Map(b.files.map((f) => [f.path, f.content]));
        const changed = [...new Set([...aFiles.keys(), ...bFiles.keys()])].filter((p) => aFiles.get(p) !== bFiles.get(p));
        const expected = shardFileName(shardOf(id, count), count).match(/shard-(\d+)/)![1];
        for (const path of changed) {
          if (indexFiles(path)) continue;
          expect(shardOfPath(path), path).toBe(expected);
        }
        const changedMaps = b.configMaps.filter((m, i) => JSON.stringify(m) !== JSON.stringify(a.configMaps[i])).map((m) => m.name);
        for (const name of changedMaps) if (!name.endsWith('-index')) expect(name).toBe(`stampyard-routing-shard-${expected}`);
        if (changed.length > 0) expect(a.revision).not.toBe(b.revision);
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same bytes for the same tenants in any file order', () => {
    fc.assert(
      fc.property(fleetArb, (tenants) => {
        const items = tenants.map(toTenant);
        expect(renderRoutingArtifacts(withTenants(base, [...items].reverse()))).toEqual(renderRoutingArtifacts(withTenants(base, items)));
      }),
      { numRuns: 20 },
    );
  });
});

describe('the default shard count', () => {
  it(`is ${DEFAULT_ROUTING_SHARDS} when fleet.yaml sets none`, () => {
    expect(renderRoutingArtifacts(bigFleet(4, 10)).shardCount).toBe(DEFAULT_ROUTING_SHARDS);
  });
});

describe('parseIndex and parseShard', () => {
  const table = buildRoutingTable(bigFleet(4, 200));
  const sharded = shardTable(groupTenants(table, 4), 'c');
  const reindexed = (index: RoutingIndex, shard: number, text: string): RoutingIndex => ({
    ...index,
    shards: index.shards.map((ref, i) => (i === shard ? { ...ref, sha256: sha256Of(text) } : ref)),
  });

  it('accepts what shardTable writes, and its revision is the index hash', () => {
    const parsed = parseIndex(sharded.indexText);
    expect(parsed).toMatchObject({ ok: true, revision: sha256Of(sharded.indexText) });
    sharded.shards.forEach((text, i) => expect(parseShard(sharded.index, i, text).ok).toBe(true));
    expect(formatIndex(sharded.index)).toBe(sharded.indexText);
  });

  it.each<[string, (index: Record<string, unknown>) => unknown, string]>([
    ['an old schema version', (i) => ({ ...i, schemaVersion: 1 }), 'schemaVersion must be 2'],
    ['a count that is not a power of two', (i) => ({ ...i, shardCount: 3 }), 'shardCount must be a power of two'],
    ['fewer shards than the count', (i) => ({ ...i, shards: (i['shards'] as unknown[]).slice(1) }), 'shards must list 4 shards, received 3'],
    ['a shard file out of place', (i) => ({ ...i, shards: [...(i['shards'] as unknown[])].reverse() }), 'shards[0].file must be routing-shard-000.json'],
    ['a path in a shard file name', (i) => ({ ...i, shards: (i['shards'] as { file: string }[]).map((s, n) => (n === 0 ? { ...s, file: '../etc/passwd' } : s)) }), 'shards[0].file must be routing-shard-000.json'],
    ['a bad stamp endpoint', (i) => ({ ...i, stamps: { ...(i['stamps'] as object), 'stamp-0': { endpoint: 'ftp://x', region: 'r', residency: 'z', status: 'active' } } }), 'stamps.stamp-0.endpoint must be an http(s) URL'],
  ])('refuses an index with %s', (_name, tamper, error) => {
    const text = JSON.stringify(tamper(JSON.parse(sharded.indexText) as Record<string, unknown>));
    expect(parseIndex(text)).toMatchObject({ ok: false, error: expect.stringContaining(error) });
  });

  it.each<[string, () => [RoutingIndex, number, string], string]>([
    ['of another revision (hash differs)', () => [sharded.index, 1, sharded.shards[1]!.replace('"active"', '"suspended"')], 'but the index expects'],
    ['that is another shard', () => [reindexed(sharded.index, 1, sharded.shards[2]!), 1, sharded.shards[2]!], 'must be shard 1 of 4'],
    ['naming a tenant that belongs elsewhere', () => {
      const stranger = Object.keys(table.tenants).find((id) => shardOf(id, 4) !== 1)!;
      const text = sharded.shards[1]!.replace('"tenants":{\n', `"tenants":{\n"${stranger}":{"stamp":"stamp-0","status":"active"},\n`);
      return [reindexed({ ...sharded.index, shards: sharded.index.shards.map((r, i) => (i === 1 ? { ...r, tenants: r.tenants + 1 } : r)) }, 1, text), 1, text];
    }, 'belongs in shard'],
    ['naming a tenant whose id is not a DNS label', () => {
      const text = sharded.shards[1]!.replace('"tenants":{\n', '"tenants":{\n"__proto__":{"stamp":"stamp-0","status":"active"},\n');
      return [reindexed(sharded.index, 1, text), 1, text];
    }, 'tenant id "__proto__" is not a DNS label'],
    ['naming a stamp the index lacks', () => {
      const text = sharded.shards[0]!.replace(/"stamp":"stamp-\d"/, '"stamp":"stamp-x"');
      return [reindexed(sharded.index, 0, text), 0, text];
    }, 'is not in stamps'],
    ['with a tenant count the index does not expect', () => [{ ...sharded.index, shards: sharded.index.shards.map((r, i) => (i === 0 ? { ...r, tenants: r.tenants + 1 } : r)) }, 0, sharded.shards[0]!], 'tenants but the index expects'],
    ['beyond the index', () => [sharded.index, 9, sharded.shards[0]!], 'shard 9 is not in the index'],
  ])('refuses a shard %s', (_name, make, error) => {
    const [index, shard, text] = make();
    expect(parseShard(index, shard, text)).toMatchObject({ ok: false, error: expect.stringContaining(error) });
  });
});
