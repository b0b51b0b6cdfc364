// loadShardedTable against real files laid out as the kubelet lays out a ConfigMap volume:
// `<name> → ..data/<name>`, `..data → ..<timestamp>`, swapped by renaming a new `..data` link.
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aTenant, bigFleet } from './private/fixtures.ts';
import { renderRoutingArtifacts, type RoutingArtifacts } from './artifacts.ts';
import { flattenShardedTable, loadShardedTable, readRoutingTable, reloadRoutingTable, shardRoutingTable, shardedTenant } from './reader.ts';
import { buildRoutingTable } from './build.ts';
import { shardOf } from './shards.ts';
import type { LoadedFleet, Tenant } from '@stampyard/stamp-spec';

const base = bigFleet(6, 2000);
const items = base.tenantLists[0]!.list.items;
const SHARDS = 16;

function fleetWith(tenants: readonly Tenant[], stampCount = 6): LoadedFleet {
  const [list] = base.tenantLists;
  return {
    ...base,
    stamps: base.stamps.slice(0, stampCount),
    fleet: { ...base.fleet, spec: { ...base.fleet.spec, routing: { shards: SHARDS } } },
    tenantLists: [{ ...list!, list: { ...list!.list, items: [...tenants] } }],
  };
}

let dir = '';
let generation = 0;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'routing-mount-'));
  generation = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Publishes every ConfigMap's files as the kubelet does: a new timestamped folder, then one rename of `..data`. */
async function publish(artifacts: RoutingArtifacts, tamper?: (name: string, text: string) => string | undefined): Promise<void> {
  const folder = `..${++generation}`;
  await mkdir(join(dir, folder));
  for (const configMap of artifacts.configMaps) {
    for (const [name, text] of Object.entries(configMap.data)) {
      const content = tamper ? tamper(name, text) : text;
      if (content !== undefined) await writeFile(join(dir, folder, name), content);
      if (generation === 1) await symlink(join('..data', name), join(dir, name));
    }
  }
  await symlink(folder, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

describe('loadShardedTable', () => {
  it('reads every shard once, then only the shard a one-tenant change touched', async () => {
    const first = renderRoutingArtifacts(fleetWith(items));
    await publish(first);
    const loaded = await loadShardedTable(dir);
    if (!loaded.ok) throw new Error(loaded.error);
    expect(loaded.shardsRead).toBe(SHARDS);
    expect(loaded.table.revision).toBe(first.revision);

    const moved = items.map((t) => (t.id === 'tenant-7' ? { ...t, stamp: 'stamp-5', status: 'suspended' as const } : t));
    const second = renderRoutingArtifacts(fleetWith(moved));
    await publish(second);
    const reloaded = await loadShardedTable(dir, loaded.table);
    if (!reloaded.ok) throw new Error(reloaded.error);
    expect(reloaded.shardsRead).toBe(1);
    expect(reloaded.table.revision).toBe(second.revision);
    expect(shardedTenant(reloaded.table, 'tenant-7')).toEqual({ stamp: 'stamp-5', status: 'suspended' });
    expect(shardedTenant(loaded.table, 'tenant-7')).toEqual({ stamp: 'stamp-1', status: 'active' });
    // Unchanged shards are shared, not copied; the changed one is new.
    const changed = shardOf('tenant-7', SHARDS);
    reloaded.table.shards.forEach((shard, i) => (i === changed ? expect(shard).not.toBe(loaded.table.shards[i]) : expect(shard).toBe(loaded.table.shards[i])));
    // The same revision again reads nothing.
    expect(await loadShardedTable(dir, reloaded.table)).toMatchObject({ ok: true, shardsRead: 0, table: reloaded.table });
    // And the flat view equals a full read.
    const full = await readRoutingTable(dir);
    expect(full.ok && full.table).toEqual(flattenShardedTable(reloaded.table));
  });

  it('finds every tenant and no one else', async () => {
    await publish(renderRoutingArtifacts(fleetWith(items)));
    const loaded = await loadShardedTable(dir);
    if (!loaded.ok) throw new Error(loaded.error);
    for (const tenant of items) expect(shardedTenant(loaded.table, tenant.id)?.stamp).toBe(tenant.stamp);
    for (const id of ['nobody', 'constructor', '__proto__', 'toString', '']) expect(shardedTenant(loaded.table, id)).toBeUndefined();
  });

  it('refuses a torn update (new index, a shard still old) and keeps nothing of it', async () => {
    const first = renderRoutingArtifacts(fleetWith(items));
    const second = renderRoutingArtifacts(fleetWith([...items, aTenant({ id: 'newcomer', residency: 'any', stamp: 'stamp-0' })]));
    const shard = shardOf('newcomer', SHARDS);
    const oldShard = first.configMaps[shard + 1]!.data;
    // A ConfigMap applied before the others: the index is new, the newcomer's shard is not yet.
    await publish(second, (name, text) => (Object.hasOwn(oldShard, name) ? oldShard[name] : text));
    const torn = await loadShardedTable(dir);
    expect(torn).toMatchObject({ ok: false, error: expect.stringContaining('but the index expects') });
  });

  it('refuses an index naming a shard that is missing from the volume', async () => {
    const artifacts = renderRoutingArtifacts(fleetWith(items));
    await publish(artifacts, (name, text) => (name === 'routing-shard-003.json' ? undefined : text));
    expect(await loadShardedTable(dir)).toMatchObject({ ok: false, error: expect.stringContaining('the index names routing-shard-003.json, which cannot be read') });
  });

  it('re-reads an unchanged shard whose stamp left the index, and refuses it', async () => {
    const first = renderRoutingArtifacts(fleetWith(items));
    await publish(first);
    const loaded = await loadShardedTable(dir);
    if (!loaded.ok) throw new Error(loaded.error);
    // Hand-made: a new index without stamp-5, every shard hash unchanged.
    const index = JSON.parse(first.configMaps[0]!.data['routing-index.json']!) as { stamps: Record<string, unknown> };
    delete index.stamps['stamp-5'];
    await publish(first, (name, text) => (name === 'routing-index.json' ? JSON.stringify(index) : text));
    expect(await loadShardedTable(dir, loaded.table)).toMatchObject({ ok: false, error: expect.stringContaining('"stamp-5" is not in stamps') });
  });

  it('reads a plain folder (no ..data) too', async () => {
    const artifacts = renderRoutingArtifacts(fleetWith(items.slice(0, 10)));
    for (const configMap of artifacts.configMaps) for (const [name, text] of Object.entries(configMap.data)) await writeFile(join(dir, name), text);
    expect(await loadShardedTable(dir)).toMatchObject({ ok: true, shardsRead: SHARDS });
    await unlink(join(dir, 'routing-index.json'));
    expect(await loadShardedTable(dir)).toMatchObject({ ok: false, error: expect.stringContaining('cannot read') });
  });
});

describe('readRoutingTable and the layout before schemaVersion 2', () => {
  it('still reads it, so a gateway can be upgraded before the table it reads', async () => {
    const table = buildRoutingTable(fleetWith(items.slice(0, 300)));
    const { index, shards } = shardRoutingTable(JSON.stringify(table), table.revision, 5000);
    await writeFile(join(dir, 'routing-index.json'), `${JSON.stringify(index, null, 2)}\n`);
    for (const [name, text] of shards) await writeFile(join(dir, name), text);
    expect(await readRoutingTable(dir)).toEqual({ ok: true, table });
  });
});

describe('reloadRoutingTable', () => {
  it('reads a sharded folder whole the first time, then only the changed shard, and equals a full read', async () => {
    await publish(renderRoutingArtifacts(fleetWith(items)));
    const first = await reloadRoutingTable(dir);
    if (!first.ok) throw new Error(first.error);
    expect(first.shardsRead).toBe(SHARDS);
    await publish(renderRoutingArtifacts(fleetWith(items.filter((t) => t.id !== 'tenant-11'))));
    const second = await reloadRoutingTable(dir, first.sharded);
    if (!second.ok) throw new Error(second.error);
    expect(second.shardsRead).toBe(1);
    expect(second.table).toEqual((await readRoutingTable(dir)).ok && ((await readRoutingTable(dir)) as { table: unknown }).table);
    expect(second.table.tenants['tenant-11']).toBeUndefined();
  });

  it('reads a single file whole', async () => {
    const table = buildRoutingTable(fleetWith(items.slice(0, 5)));
    await writeFile(join(dir, 'table.json'), JSON.stringify(table));
    expect(await reloadRoutingTable(join(dir, 'table.json'))).toEqual({ ok: true, table });
  });
});
