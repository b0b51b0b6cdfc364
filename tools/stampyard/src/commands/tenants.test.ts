import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFleet, type Stamp, type Tenant } from '@stampyard/stamp-spec';
import { aStamp, aTenant, copyExampleFleet, makeTempFleetRepo, type TempRepo } from '@stampyard/stamp-spec/testing';
import { runCli } from '../testing/run.ts';

const repos: TempRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});

function stamps(): Stamp[] {
  return [
    aStamp({ name: 'stamp-eu-1', region: 'westeurope', capacity: 10, cidr: '10.1.0.0/16' }),
    aStamp({ name: 'stamp-eu-2', region: 'northeurope', capacity: 10, cidr: '10.2.0.0/16' }),
    aStamp({ name: 'stamp-us-1', region: 'eastus', capacity: 10, cidr: '10.3.0.0/16' }),
    aStamp({ name: 'stamp-eu-solo', region: 'westeurope', capacity: 5, cidr: '10.4.0.0/16', dedicatedTo: 'solo' }),
    aStamp({ name: 'stamp-eu-old', region: 'westeurope', capacity: 50, cidr: '10.5.0.0/16', status: 'draining' }),
  ];
}

async function repoWith(tenants: Tenant[]): Promise<string> {
  const repo = await makeTempFleetRepo({ stamps: stamps(), tenantFiles: [tenants] });
  repos.push(repo);
  return repo.root;
}

/** A hash of every file under stamps/ and tenants/, to prove nothing was written. */
async function treeHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of ['stamps', 'tenants']) {
    for (const name of (await readdir(join(root, dir))).sort())
      hash.update(`${dir}/${name}\0`).update(await readFile(join(root, dir, name)));
  }
  return hash.digest('hex');
}

const boundTo = async (root: string) =>
  Object.fromEntries(
    (await loadFleet(root)).tenantLists.flatMap((t) => t.list.items).map((t) => [t.id, [t.stamp ?? null, t.previousStamp ?? null]]),
  );

describe('stampyard tenants place', () => {
  it('binds unplaced tenants, writes them back, and a second run has nothing to do', async () => {
    const root = await repoWith([
      aTenant({ id: 'a', weight: 4 }),
      aTenant({ id: 'b', residency: 'us' }),
      aTenant({ id: 'solo', isolation: 'dedicated' }),
      aTenant({ id: 'c', stamp: 'stamp-eu-2' }),
    ]);
    const run = await runCli(['tenants', 'place', '--root', root]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('placed 3 tenants:\n  stamp-eu-1: +1 tenant, 4/10 units (40%)\n');
    expect(await boundTo(root)).toEqual({
      a: ['stamp-eu-1', null],
      b: ['stamp-us-1', null],
      solo: ['stamp-eu-solo', null],
      c: ['stamp-eu-2', null],
    });
    const again = await runCli(['tenants', 'place', '--root', root]);
    expect([again.exitCode, again.stdout]).toEqual([0, 'every tenant already has a stamp; nothing to do\n']);
  });

  it('--dry-run and --output json report the plan and write nothing', async () => {
    const root = await repoWith([aTenant({ id: 'a' })]);
    const before = await treeHash(root);
    const run = await runCli(['tenants', 'place', '--root', root, '--dry-run', '--output', 'json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      dryRun: true,
      written: [],
      scaffolded: [],
      assignments: [{ tenant: 'a', stamp: 'stamp-eu-1', file: 'tenants/tenants-000.yaml' }],
      unplaced: [],
    });
    expect(await treeHash(root)).toBe(before);
  });

  it('exits 1 naming each zone that lacks room, and writes nothing', async () => {
    const root = await repoWith([
      aTenant({ id: 'a', weight: 9 }),
      aTenant({ id: 'b', weight: 9 }),
      aTenant({ id: 'c', weight: 5 }),
      aTenant({ id: 'u', residency: 'us', weight: 12 }),
      aTenant({ id: 'fits', residency: 'us' }),
    ]);
    const before = await treeHash(root);
    const run = await runCli(['tenants', 'place', '--root', root]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      'error: not every tenant fits; nothing was written\n' +
        "  zone 'eu' lacks room: 5 more capacity units needed for 1 tenant (c); add a stamp (stampyard tenants place --scaffold-stamps) or raise a stamp's capacity\n" +
        "  zone 'us' lacks room: 12 more capacity units needed for 1 tenant (u); add a stamp (stampyard tenants place --scaffold-stamps) or raise a stamp's capacity\n",
    );
    expect(await treeHash(root)).toBe(before);
  });

  it('--scaffold-stamps creates the stamps that are missing, places everybody, and the fleet validates', async () => {
    const root = await repoWith([
      aTenant({ id: 'a', weight: 9 }),
      aTenant({ id: 'b', weight: 9 }),
      aTenant({ id: 'c', weight: 5 }),
      aTenant({ id: 'big', residency: 'us', weight: 12 }),
    ]);
    const run = await runCli(['tenants', 'place', '--root', root, '--scaffold-stamps']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      'created stamps/stamp-eu-3.yaml (northeurope, capacity 10)\ncreated stamps/stamp-us-2.yaml (westus2, capacity 12)\n',
    );
    expect((await runCli(['validate', '--root', root])).exitCode).toBe(0);
    expect(await boundTo(root)).toMatchObject({ c: ['stamp-eu-3', null], big: ['stamp-us-2', null] });
  });

  it.each([
    {
      name: 'tenant pinned to an unknown stamp',
      tenants: [aTenant({ id: 'a', stamp: 'stamp-xx' })],
      message: "items[0].stamp: stamp 'stamp-xx' does not exist",
    },
    {
      name: 'tenant pinned outside its residency',
      tenants: [aTenant({ id: 'a', stamp: 'stamp-us-1' })],
      message: "'stamp-us-1' is in zone 'us' but the tenant's residency is 'eu'",
    },
    {
      name: 'pinned tenants over capacity',
      tenants: [aTenant({ id: 'a', weight: 11, stamp: 'stamp-eu-1' })],
      message: 'stamp-eu-1 holds tenants of total weight 11 but its capacity is 10',
    },
    {
      name: 'shared tenant pinned on a dedicated stamp',
      tenants: [aTenant({ id: 'a', stamp: 'stamp-eu-solo' })],
      message: "shared tenant is on 'stamp-eu-solo', which is dedicated to 'solo'",
    },
    {
      name: 'dedicated tenant without its stamp',
      tenants: [aTenant({ id: 'lonely', isolation: 'dedicated' })],
      message: "zone 'eu': dedicated tenant lonely needs 1 capacity units on a stamp of their own",
    },
    {
      name: 'zone with only full or draining stamps',
      tenants: [
        aTenant({ id: 'a', weight: 10, stamp: 'stamp-eu-1' }),
        aTenant({ id: 'b', weight: 10, stamp: 'stamp-eu-2' }),
        aTenant({ id: 'c' }),
      ],
      message: "zone 'eu' lacks room: 1 more capacity units needed for 1 tenant (c)",
    },
    {
      name: 'unknown residency zone',
      tenants: [aTenant({ id: 'a', residency: 'mars' })],
      message: "'mars' is not a residency zone; use one of eu, us, any",
    },
  ])('refuses: $name (exit 1) and writes nothing', async ({ tenants, message }) => {
    const root = await repoWith(tenants);
    const before = await treeHash(root);
    const run = await runCli(['tenants', 'place', '--root', root]);
    expect(run.stderr).toContain(message);
    expect(run.exitCode).toBe(1);
    expect(await treeHash(root)).toBe(before);
  });

  it('has nothing to do on the example fleet: every example tenant is placed', async () => {
    const repo = await copyExampleFleet();
    repos.push(repo);
    const run = await runCli(['tenants', 'place', '--root', repo.root, '--dry-run']);
    expect([run.exitCode, run.stdout]).toEqual([0, 'every tenant already has a stamp; nothing to do\n']);
  });
});

describe('stampyard tenants move', () => {
  const tenants = () => [
    aTenant({ id: 'a', weight: 7, stamp: 'stamp-eu-1' }),
    aTenant({ id: 'b', weight: 3, stamp: 'stamp-eu-2' }),
    aTenant({ id: 'c', weight: 5, stamp: 'stamp-eu-2' }),
    aTenant({ id: 'solo', isolation: 'dedicated', stamp: 'stamp-eu-solo' }),
  ];

  it('moves the tenant in phased commits: fenced, copying (waits for the copy), expand, contract, done; each step re-renders', async () => {
    const root = await repoWith(tenants());
    const cli = (...args: string[]) => runCli([...args, '--root', root, '--now', '2026-12-01T10:00:00Z']);
    const list = async (stamp: string) => {
      const after = (await readFile(join(root, `rendered/stamps/${stamp}/apps/manifests.yaml`), 'utf8'))
        .split('tenants.json: |\n')[1]!
        .split('\n');
      const block = after.slice(
        0,
        after.findIndex((line) => !line.startsWith('    ')),
      );
      return JSON.parse(block.map((line) => line.slice(4)).join('\n')) as { tenants: Record<string, unknown> };
    };

    const started = await cli('tenants', 'move', 'b', '--to', 'stamp-eu-1');
    expect([started.exitCode, started.stderr]).toEqual([0, '']);
    expect(started.stdout).toContain('started moving b from stamp-eu-2 to stamp-eu-1');
    expect(await readFile(join(root, 'migrations/b.yaml'), 'utf8')).toContain('phase: fenced');
    expect((await list('stamp-eu-2')).tenants['b']).toEqual({ epoch: 0, phase: 'fenced' });

    const again = await cli('tenants', 'move', 'b', '--to', 'stamp-eu-1');
    expect([again.exitCode, again.stderr]).toEqual([
      1,
      expect.stringContaining("a migration of 'b' from stamp-eu-2 to stamp-eu-1 is already in phase fenced"),
    ]);

    expect((await cli('tenants', 'migration', 'advance', 'b')).stdout).toContain('copying b');
    const waiting = await cli('tenants', 'migration', 'advance', 'b');
    expect([waiting.exitCode, waiting.stdout]).toEqual([
      0,
      expect.stringContaining('waiting for the export Job on stamp-eu-2 and the import Job on stamp-eu-1'),
    ]);
    await writeFile(join(root, 'copy.json'), JSON.stringify({ migrations: { b: { exported: true, imported: true } } }));
    expect((await cli('tenants', 'migration', 'advance', 'b', '--health', join(root, 'copy.json'))).stdout).toContain('expand');
    expect((await list('stamp-eu-1')).tenants['b']).toEqual({ epoch: 1, phase: 'cutover-expand' });
    expect((await list('stamp-eu-2')).tenants['b']).toEqual({ epoch: 0, phase: 'cutover-expand' });

    expect((await cli('tenants', 'migration', 'advance', 'b')).stdout).toContain('contract');
    expect((await boundTo(root))['b']).toEqual(['stamp-eu-1', 'stamp-eu-2']);
    expect((await list('stamp-eu-2')).tenants['b']).toBeUndefined();

    const status = await runCli(['tenants', 'migration', 'status', '--root', root, '--now', '2026-12-01T12:00:00Z']);
    expect([status.exitCode, status.stdout]).toEqual([
      1,
      expect.stringContaining('b: stamp-eu-2 → stamp-eu-1, cutover-contract since 2026-12-01T10:00:00.000Z (epoch 0); STUCK'),
    ]);
    const drift = await runCli(['drift', '--root', root, '--skip-rendered', '--now', '2026-12-01T12:00:00Z']);
    expect([drift.exitCode, drift.stdout]).toEqual([
      1,
      expect.stringContaining(
        'error: b stamp-eu-2 → stamp-eu-1, cutover-contract since 2026-12-01T10:00:00.000Z; in phase cutover-contract for 120 minutes',
      ),
    ]);

    expect((await cli('tenants', 'migration', 'advance', 'b')).stdout).toContain('done: b is served by stamp-eu-1 at epoch 1');
    await expect(readFile(join(root, 'migrations/b.yaml'), 'utf8')).rejects.toThrow();
    expect(await readFile(join(root, 'migrations/archive/b-1.yaml'), 'utf8')).toContain('phase: done');
    expect((await list('stamp-eu-1')).tenants['b']).toEqual({ epoch: 1 });
    expect((await cli('tenants', 'migration', 'status')).stdout).toBe('no migration in flight\n');
  });

  it('aborts back to where the migration began', async () => {
    const root = await repoWith(tenants());
    const before = (await boundTo(root))['b'];
    expect((await runCli(['tenants', 'move', 'b', '--to', 'stamp-eu-1', '--root', root])).exitCode).toBe(0);
    const aborted = await runCli(['tenants', 'migration', 'abort', 'b', '--root', root]);
    expect([aborted.exitCode, aborted.stdout]).toEqual([0, expect.stringContaining('aborted in phase fenced: b stays on stamp-eu-2')]);
    expect((await boundTo(root))['b']).toEqual(before);
    expect(await readdir(join(root, 'migrations/archive'))).toEqual([expect.stringMatching(/^b-0-aborted\.yaml$/)]);
  });

  it.each([
    {
      name: 'unknown tenant',
      args: ['nobody', '--to', 'stamp-eu-1'],
      code: 1,
      message: "(command line):1:1 <tenant>: no tenant 'nobody' in tenants/*.yaml",
    },
    {
      name: 'unknown stamp',
      args: ['b', '--to', 'stamp-xx'],
      code: 1,
      message: "(command line):1:1 --to: stamp 'stamp-xx' does not exist; pick one of stamp-eu-1",
    },
    {
      name: 'residency mismatch',
      args: ['b', '--to', 'stamp-us-1'],
      code: 1,
      message: "cannot move 'b' to stamp-us-1: stamp-us-1 is in zone 'us' but tenant 'b' must stay in 'eu'",
    },
    {
      name: 'full stamp',
      args: ['a', '--to', 'stamp-eu-2'],
      code: 1,
      message: "cannot move 'a' to stamp-eu-2: stamp-eu-2 has 2 of 10 capacity units free and tenant 'a' needs 7",
    },
    { name: 'draining stamp', args: ['b', '--to', 'stamp-eu-old'], code: 1, message: 'stamp-eu-old is draining and takes no new tenants' },
    {
      name: 'shared tenant on a dedicated stamp',
      args: ['b', '--to', 'stamp-eu-solo'],
      code: 1,
      message: "stamp-eu-solo is dedicated to 'solo' and takes no shared tenants",
    },
    {
      name: 'dedicated tenant on a shared stamp',
      args: ['solo', '--to', 'stamp-eu-2'],
      code: 1,
      message: "tenant 'solo' is dedicated and stamp-eu-2 is shared",
    },
    { name: 'missing --to', args: ['b'], code: 2, message: "required option '--to <stamp>' not specified" },
  ])('refuses: $name (exit $code) and writes nothing', async ({ args, code, message }) => {
    const root = await repoWith(tenants());
    const before = await treeHash(root);
    const run = await runCli(['tenants', 'move', ...args, '--root', root]);
    expect(run.stderr).toContain(message);
    expect(run.exitCode).toBe(code);
    expect(await treeHash(root)).toBe(before);
  });
});
