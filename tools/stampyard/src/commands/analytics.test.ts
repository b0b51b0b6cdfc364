// The analytics commands end to end: real stamp-app processes, the real export, real DuckDB over real Parquet.
import { appendFile, cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';
import { sendRequests, startStampApp, type RunningStampApp } from '@stampyard/analytics/testing';
import { runCli } from '../testing/run.ts';

let lake: string;
const apps: RunningStampApp[] = [];
const root = ['--root', EXAMPLE_FLEET_ROOT];

beforeAll(async () => {
  lake = await mkdtemp(join(tmpdir(), 'stampyard-cli-lake-'));
  const [eu, us] = await Promise.all([startStampApp('stamp-eu-2', '1.4.0'), startStampApp('stamp-us-1', '1.5.0')]);
  apps.push(eu!, us!);
  await sendRequests(eu!, 'relecloud-sports', 12);
  await sendRequests(eu!, 'consolidated-cloud', 3, { fail: true });
  await sendRequests(us!, 'relecloud-bank', 5);
  for (const app of apps) {
    const zone = app.stamp.includes('-eu-') ? 'eu' : 'us';
    const run = await runCli([
      'analytics',
      'export',
      '--stamp',
      app.stamp,
      '--zone',
      zone,
      '--lake',
      lake,
      '--source',
      app.usageUrl,
      '--include-open',
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^zone=${zone}/stamp=${app.stamp}/date=\\d{4}-\\d{2}-\\d{2}/usage-\\d{8}T\\d{6}Z\\.parquet\\n$`));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await rm(lake, { recursive: true, force: true });
});

const analytics = (...args: string[]) => runCli(['analytics', ...args, ...root]);

describe('stampyard analytics query', () => {
  it('joins usage with the fleet views of one zone, as CSV', async () => {
    const run = await analytics(
      'query',
      'SELECT u.tenant, s.wave, t.weight, sum(u.requests) AS requests, sum(u.errors) AS errors FROM usage u JOIN stamps s ON s.name = u.stamp JOIN tenants t ON t.id = u.tenant GROUP BY ALL ORDER BY 1',
      '--lake',
      lake,
      '--zone',
      'eu',
      '--output',
      'csv',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toBe('tenant,wave,weight,requests,errors\r\nconsolidated-cloud,1,4,3,3\r\nrelecloud-sports,1,8,12,0\r\n');
  });

  it('refuses a lake of two zones without --zone or --allow-cross-zone (exit 1)', async () => {
    const run = await analytics('query', 'SELECT count(*) FROM usage', '--lake', lake);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('the lake holds 2 residency zones (eu, us); pass --zone <zone> to query one, or --allow-cross-zone');
    expect(run.stdout).toBe('');
  });

  it('reads every zone with --allow-cross-zone and prints which it read', async () => {
    const run = await analytics(
      'query',
      'SELECT zone, sum(requests) AS requests FROM usage GROUP BY zone ORDER BY zone',
      '--lake',
      lake,
      '--allow-cross-zone',
      '--output',
      'json',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('read zones: eu, us (--allow-cross-zone)');
    expect(JSON.parse(run.stdout)).toEqual([
      { zone: 'eu', requests: 15 },
      { zone: 'us', requests: 5 },
    ]);
  });

  it('exits 1 with DuckDB’s message on a bad query', async () => {
    const run = await analytics('query', 'SELECT nope FROM usage', '--lake', lake, '--zone', 'eu');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/error: Binder Error: .*nope/);
  });

  it('prints an aligned table by default', async () => {
    const run = await analytics('top-tenants', '--lake', lake, '--zone', 'eu');
    expect(run.exitCode, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^tenant\s+requests\s+errors\s+error_percent\s+mean_latency_ms\s+stamps$/);
    expect(lines[2]).toMatch(/^relecloud-sports\s+12\s+0\s+0\s+[\d.]+\s+stamp-eu-2$/);
    expect(lines[3]).toMatch(/^consolidated-cloud\s+3\s+3\s+100\s+[\d.]+\s+stamp-eu-2$/);
    expect(run.stdout).toContain('(2 rows)');
  });

  it('answers version-errors across zones', async () => {
    const run = await analytics('version-errors', '--lake', lake, '--allow-cross-zone', '--output', 'json');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(
      (JSON.parse(run.stdout) as { version: string; requests: number; errors: number }[]).map(({ version, requests, errors }) => [
        version,
        requests,
        errors,
      ]),
    ).toEqual([
      ['1.4.0', 15, 3],
      ['1.5.0', 5, 0],
    ]);
  });

  it.each([
    { name: '--zone with --allow-cross-zone', args: ['--zone', 'eu', '--allow-cross-zone'], exit: 1, expectedError: 'contradict' },
    {
      name: 'an unknown zone',
      args: ['--zone', 'mars'],
      exit: 1,
      expectedError: "--zone: 'mars' is not a residency zone of the fleet or the lake; use one of eu, us",
    },
    { name: 'a bad --output', args: ['--zone', 'eu', '--output', 'xml'], exit: 2, expectedError: "argument 'xml' is invalid" },
  ])('rejects $name', async ({ args, exit, expectedError }) => {
    const run = await analytics('query', 'SELECT 1', '--lake', lake, ...args);
    expect(run.exitCode).toBe(exit);
    expect(run.stderr).toContain(expectedError);
  });
});

describe('malformed lakes', () => {
  async function lakeCopy(damage: (dir: string, file: string) => Promise<void>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'stampyard-bad-lake-'));
    await cp(lake, dir, { recursive: true });
    const stampDir = join(dir, 'zone=eu', 'stamp=stamp-eu-2');
    const [date] = await readdir(stampDir);
    const [file] = await readdir(join(stampDir, date!));
    await damage(dir, `zone=eu/stamp=stamp-eu-2/${date}/${file}`);
    return dir;
  }

  const cases = [
    {
      name: 'a missing lake',
      damage: async (dir: string) => rm(dir, { recursive: true }),
      expectedError: 'pass the lake folder that holds zone=<zone>/ folders',
      skippable: false,
    },
    {
      name: 'a stray file at the top',
      damage: async (dir: string) => writeFile(join(dir, 'notes.txt'), 'x'),
      expectedError: 'notes.txt: is not a zone=<zone> folder',
      skippable: false,
    },
    {
      name: 'a zone name that escapes its folder',
      damage: async (dir: string) => mkdir(join(dir, 'zone=..')),
      expectedError: 'zone=..: is not a zone=<zone> folder',
      skippable: false,
    },
    {
      name: 'a truncated Parquet file',
      damage: async (dir: string, file: string) => writeFile(join(dir, file), 'PAR1garbage'),
      expectedError: 'is 11 bytes, too small to be a Parquet file',
      skippable: true,
    },
    {
      name: 'a corrupt Parquet file',
      damage: async (dir: string, file: string) => writeFile(join(dir, file), `PAR1${'\u0000'.repeat(64)}PAR1`),
      expectedError: 'DuckDB cannot read it',
      skippable: true,
    },
    {
      name: 'a file outside the layout',
      damage: async (dir: string) => writeFile(join(dir, 'zone=eu', 'stray.parquet'), 'x'),
      expectedError:
        'zone=eu/stray.parquet: is not laid out as zone=<zone>/stamp=<stamp>/date=<yyyy-mm-dd>/usage-<yyyymmddThhmmssZ>.parquet',
      skippable: true,
    },
    {
      name: 'a period on the wrong date',
      damage: async (dir: string) => {
        await mkdir(join(dir, 'zone=eu/stamp=stamp-eu-9/date=2026-01-02'), { recursive: true });
        await writeFile(join(dir, 'zone=eu/stamp=stamp-eu-9/date=2026-01-02/usage-20260101T000000Z.parquet'), 'x');
      },
      expectedError: 'period start 2026-01-01T00:00:00.000Z is not on date=2026-01-02',
      skippable: true,
    },
    {
      name: 'a symbolic link into another zone',
      damage: async (dir: string) => symlink(join(dir, 'zone=us'), join(dir, 'zone=eu', 'stamp=stamp-us-1')),
      expectedError: 'zone=eu/stamp=stamp-us-1: is a symbolic link',
      skippable: true,
    },
    {
      name: 'a Parquet file with other columns',
      damage: async (dir: string, file: string) => {
        const other = await lakeWithOtherColumns();
        await cp(other, join(dir, file));
      },
      expectedError: 'lacks the usage columns zone, stamp, tenant',
      skippable: true,
    },
  ];
  it.each(cases)(
    '$name: exit 1 naming the file; --skip-bad-files names it and answers from the rest',
    async ({ damage, expectedError, skippable }) => {
      const dir = await lakeCopy(damage);
      try {
        const run = await analytics(
          'query',
          'SELECT tenant, sum(requests) AS r FROM usage GROUP BY tenant ORDER BY tenant',
          '--lake',
          dir,
          '--zone',
          'eu',
          '--output',
          'json',
        );
        expect(run.exitCode).toBe(1);
        // With --output json the failure is the JSON problem shape on stdout.
        expect(run.stdout + run.stderr).toContain(expectedError);
        const skip = await analytics(
          'query',
          'SELECT count(*) AS files FROM usage',
          '--lake',
          dir,
          '--zone',
          'eu',
          '--skip-bad-files',
          '--output',
          'json',
        );
        if (!skippable) {
          expect(skip.exitCode).toBe(1);
          return;
        }
        expect(skip.exitCode, skip.stderr).toBe(0);
        expect(skip.stderr).toMatch(/^skipped zone=eu\/\S+: /m);
        expect(skip.stderr).toContain(expectedError);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('appending to a good file still fails (its footer no longer ends it)', async () => {
    const dir = await lakeCopy(async (d, file) => appendFile(join(d, file), 'trailing'));
    try {
      const run = await analytics('query', 'SELECT count(*) FROM usage', '--lake', dir, '--zone', 'eu');
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('no PAR1 magic at both ends');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('stampyard analytics compact', () => {
  it('leaves every answer unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampyard-compact-'));
    try {
      await cp(lake, dir, { recursive: true });
      // A second export period for the EU stamp, so the zone has files to merge.
      const app = apps[0]!;
      await sendRequests(app, 'relecloud-sports', 2);
      const exported = await runCli([
        'analytics',
        'export',
        '--stamp',
        app.stamp,
        '--zone',
        'eu',
        '--lake',
        join(dir, 'second'),
        '--source',
        app.usageUrl,
        '--include-open',
      ]);
      expect(exported.exitCode, exported.stderr).toBe(0);
      const second = join(dir, 'second', exported.stdout.trim());
      const target = join(
        dir,
        exported.stdout.trim().replace(/usage-(\d{8}T\d{6}Z)/, (_, t: string) => `usage-${t.slice(0, 9)}235959Z`),
      );
      await cp(second, target);
      await rm(join(dir, 'second'), { recursive: true });
      const ask = () =>
        analytics(
          'query',
          'SELECT stamp, tenant, version, sum(requests), sum(errors), sum(latency_count) FROM usage GROUP BY ALL ORDER BY ALL',
          '--lake',
          dir,
          '--zone',
          'eu',
          '--output',
          'json',
        );
      const before = await ask();
      expect(before.exitCode, before.stderr).toBe(0);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const run = await runCli(['analytics', 'compact', '--lake', dir, '--before', tomorrow]);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^zone=eu\/compacted\/month=\d{4}-\d{2}\/usage-[0-9a-f]{16}\.parquet: 2 files merged, 2 removed$/m);
      expect((await ask()).stdout).toBe(before.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A valid Parquet file whose columns are not the usage columns. */
async function lakeWithOtherColumns(): Promise<string> {
  const { withDuckDB, writeParquetAtomic } = await import('@stampyard/analytics');
  const path = join(await mkdtemp(join(tmpdir(), 'stampyard-other-')), 'other.parquet');
  await withDuckDB((c) => writeParquetAtomic(c, `SELECT 'x' AS customer, 1 AS hits`, path));
  return path;
}

describe('stampyard report --lake', () => {
  it('adds each zone’s top tenants, noisy neighbours and errors by version to the fleet view', async () => {
    const run = await runCli(['report', '--format', 'json', '--skip-rendered', '--lake', lake, ...root]);
    expect(run.exitCode, run.stderr).toBe(0);
    const view = JSON.parse(run.stdout) as { analytics: { zones: { zone: string; tables: { question: string; rows: unknown[][] }[] }[] } };
    expect(view.analytics.zones.map((z) => z.zone)).toEqual(['eu', 'us']);
    const eu = view.analytics.zones[0]!;
    expect(eu.tables.map((t) => t.question)).toEqual(['top-tenants', 'noisy-neighbours', 'version-errors']);
    expect(eu.tables[0]!.rows.map((r) => r[0])).toEqual(['relecloud-sports', 'consolidated-cloud']);
    // No answer mixes zones: the US tenant is only under us.
    expect(JSON.stringify(eu)).not.toContain('relecloud-bank');
    const markdown = await runCli(['report', '--format', 'markdown', '--skip-rendered', '--lake', lake, ...root]);
    expect(markdown.stdout).toContain('#### Zone us');
  });
});
