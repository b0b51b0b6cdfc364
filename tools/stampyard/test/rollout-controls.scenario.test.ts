// Issue #11's controls, each through the real CLI on a real git repository with commits at chosen dates
// (GIT_COMMITTER_DATE): approvals, exclusions, abort with and without rollback, converging within the
// progress deadline and failing after it, history, and analyses on a real Prometheus scraping real
// stamp-app processes (passing, failing and without data).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { readRolloutState } from '@stampyard/rollout';
import { eventually, gitAt, startPrometheus, type TestPrometheus } from '@stampyard/rollout/testing';
import { REPOSITORY_ROOT } from '../src/context.ts';
import { runCli } from '../src/testing/run.ts';

const STAMP_APP = join(REPOSITORY_ROOT, 'apps/stamp-app/bin/stampyard-stamp-app.mjs');
const STAMPS = ['stamp-eu-1', 'stamp-eu-2', 'stamp-eu-3', 'stamp-eu-4', 'stamp-eu-fabrikam', 'stamp-us-1', 'stamp-us-2', 'stamp-us-3'];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const at = (hhmm: string) => `2026-12-01T${hhmm}:00Z`;

const gitIn = gitAt;

/** The example fleet with extra rollout policy lines, rendered and committed on branch main. */
class Fleet {
  private constructor(
    readonly root: string,
    private readonly scratch: string,
  ) {}

  static async create(policy: string[] = []): Promise<Fleet> {
    const repo: TempRepo = await copyExampleFleet();
    const scratch = await mkdtemp(join(tmpdir(), 'stampyard-controls-'));
    cleanups.push(
      () => repo.cleanup(),
      () => rm(scratch, { recursive: true, force: true }),
    );
    const fleetFile = join(repo.root, 'fleet.yaml');
    const text = await readFile(fleetFile, 'utf8');
    expect(text).toContain('\n  rollout:\n');
    await writeFile(fleetFile, text.replace('\n  rollout:\n', `\n  rollout:\n${policy.map((l) => `    ${l}\n`).join('')}`));
    const fleet = new Fleet(repo.root, scratch);
    const synth = await runCli(['synth', '--root', repo.root]);
    expect(synth.exitCode, synth.stderr).toBe(0);
    await gitIn(repo.root, ['init', '-q', '-b', 'main'], at('08:00'));
    await fleet.commit(at('08:00'), 'fleet');
    return fleet;
  }

  async commit(date: string, message: string): Promise<void> {
    await gitIn(this.root, ['add', '-A'], date);
    await gitIn(this.root, ['commit', '-q', '--allow-empty', '-m', message], date);
  }

  /** A health file: every stamp ready on what its file declares, with overrides. */
  async health(overrides: Record<string, { ready: boolean; version: string; failure?: string }> = {}): Promise<string> {
    const stamps: Record<string, { ready: boolean; version: string; failure?: string }> = {};
    for (const name of STAMPS) stamps[name] = overrides[name] ?? { ready: true, version: await this.declared(name) };
    const path = join(this.scratch, `health-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, JSON.stringify({ stamps }));
    return path;
  }

  async declared(stamp: string): Promise<string> {
    return /version: (\S+)/.exec(await readFile(join(this.root, `stamps/${stamp}.yaml`), 'utf8'))![1]!;
  }

  /** Runs `stampyard <args> --root <root>`, parsing JSON output when asked for. */
  async cli(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string; json: () => Record<string, unknown> }> {
    const result = await runCli([...args, '--root', this.root]);
    return { ...result, json: () => JSON.parse(result.stdout) as Record<string, unknown> };
  }

  /** `rollout promote` at `now` with every stamp healthy on what it declares, committed at `commitAt`. */
  async promote(now: string, commitAt = now): Promise<Record<string, unknown>> {
    const step = await this.cli(['rollout', 'promote', '--now', at(now), '--health', await this.health(), '--output', 'json']);
    await this.commit(at(commitAt), `rollout at ${now}`);
    return step.json();
  }
}

describe('issue #11 controls, on real git history', () => {
  it('approval: promote answers waiting-approval for a listed wave until someone approves it, and an approval never carries over to the next rollout', async () => {
    const fleet = await Fleet.create(['approval: { waves: [1] }']);
    expect((await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('10:00')])).exitCode).toBe(0);
    expect(await fleet.promote('10:00')).toMatchObject({ action: 'promoted', wave: 0 });
    // Still baking (wave 0 bakes 120 minutes): the bake is named, and the approval the wave will need.
    const baking = await fleet.cli([
      'rollout',
      'promote',
      '--dry-run',
      '--now',
      at('11:00'),
      '--health',
      await fleet.health(),
      '--output',
      'json',
    ]);
    expect(baking.json()).toMatchObject({ action: 'waiting', wave: 1 });
    expect(baking.json()['reason']).toMatch(/wave 0 bakes until 2026-12-01T12:00:00\.000Z; wave 1 needs approval/);
    const waiting = await fleet.cli(['rollout', 'promote', '--now', at('12:01'), '--health', await fleet.health(), '--output', 'json']);
    expect(waiting.exitCode).toBe(0);
    expect(waiting.json()).toMatchObject({ action: 'waiting-approval', wave: 1, stamps: [] });
    expect(waiting.json()['reason']).toBe(
      'wave 1 needs approval: run `stampyard rollout approve --wave 1 --by <name>`; then wave 1 gets 1.5.0',
    );
    expect(await fleet.declared('stamp-eu-2')).toBe('1.4.0');

    const refusals = [
      { args: ['--wave', '0', '--by', 'alice'], error: /wave 0 needs no approval: fleet.yaml rollout.approval.waves lists 1/ },
      { args: ['--wave', '7', '--by', 'alice'], error: /wave 7 has no stamps; the fleet's waves are 0, 1, 2/ },
      { args: ['--wave', 'one', '--by', 'alice'], error: /--wave: 'one' is not a wave number/, exitCode: 2 },
    ];
    for (const { args, error, exitCode } of refusals) {
      const refused = await fleet.cli(['rollout', 'approve', ...args, '--now', at('12:02')]);
      expect(refused.exitCode, refused.stderr).toBe(exitCode ?? 1);
      expect(refused.stderr).toMatch(error);
    }
    const approved = await fleet.cli([
      'rollout',
      'approve',
      '--wave',
      '1',
      '--by',
      'alice',
      '--reason',
      'CAB-42',
      '--now',
      at('12:05'),
      '--output',
      'json',
    ]);
    expect(approved.exitCode, approved.stderr).toBe(0);
    expect(approved.json()).toMatchObject({ action: 'approved', message: 'wave 1 of the rollout of 1.5.0 approved by alice: CAB-42' });
    await fleet.commit(at('12:06'), 'approve wave 1');
    expect((await fleet.cli(['rollout', 'approve', '--wave', '1', '--by', 'bob', '--now', at('12:07')])).stderr).toMatch(
      /already approved by alice at 2026-12-01T12:05:00\.000Z/,
    );
    expect((await readRolloutState(fleet.root))?.approvals).toEqual([
      { wave: 1, by: 'alice', at: '2026-12-01T12:05:00.000Z', reason: 'CAB-42' },
    ]);
    expect(await fleet.promote('12:10')).toMatchObject({ action: 'promoted', wave: 1 });

    // A new rollout starts without approvals.
    expect((await fleet.cli(['rollout', 'abort', '--rollback', '--now', at('12:20')])).exitCode).toBe(0);
    await fleet.commit(at('12:20'), 'abort');
    expect((await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('13:00')])).exitCode).toBe(0);
    expect((await readRolloutState(fleet.root))?.approvals).toEqual([]);
    expect(await fleet.promote('13:00')).toMatchObject({ action: 'promoted', wave: 0 });
    const again = await fleet.cli([
      'rollout',
      'promote',
      '--dry-run',
      '--now',
      at('15:01'),
      '--health',
      await fleet.health(),
      '--output',
      'json',
    ]);
    expect(again.json()).toMatchObject({ action: 'waiting-approval', wave: 1 });

    const history = await fleet.cli(['rollout', 'history', '--output', 'json']);
    expect(history.exitCode, history.stderr).toBe(0);
    const rollouts = history.json()['rollouts'] as {
      version: string;
      startedAt: string;
      outcome: string;
      finishedAt: string | null;
      approvals: unknown[];
    }[];
    expect(rollouts.map((r) => [r.startedAt, r.outcome, r.finishedAt])).toEqual([
      ['2026-12-01T13:00:00.000Z', 'progressing', null],
      ['2026-12-01T10:00:00.000Z', 'aborted', '2026-12-01T12:20:00.000Z'],
    ]);
    expect(rollouts[1]!.approvals).toEqual([{ wave: 1, by: 'alice', at: '2026-12-01T12:05:00.000Z', reason: 'CAB-42' }]);
    expect(rollouts[0]!.approvals).toEqual([]);
  });

  it('exclusion: an excluded stamp is never promoted, never blocks its wave, the rollout completes without it and says so; drift and the report show it as excluded, not a straggler', async () => {
    const fleet = await Fleet.create();
    await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('10:00')]);
    const excluded = await fleet.cli(['rollout', 'exclude', 'stamp-eu-2', '--reason', 'cluster upgrade in progress', '--now', at('10:00')]);
    expect(excluded.exitCode, excluded.stderr).toBe(0);
    expect(excluded.stdout).toMatch(/stamp-eu-2 \(wave 1\) excluded from the rollout of 1\.5\.0: cluster upgrade in progress/);
    expect((await fleet.cli(['rollout', 'exclude', 'stamp-eu-2', '--reason', 'again', '--now', at('10:00')])).stderr).toMatch(
      /stamp-eu-2 is already excluded/,
    );
    expect((await fleet.cli(['rollout', 'exclude', 'stamp-nowhere', '--reason', 'x', '--now', at('10:00')])).stderr).toMatch(
      /no stamp named 'stamp-nowhere'/,
    );
    await fleet.commit(at('10:00'), 'exclude stamp-eu-2');

    expect(await fleet.promote('10:01')).toMatchObject({ action: 'promoted', wave: 0 });
    const wave1 = await fleet.promote('12:02');
    expect(wave1).toMatchObject({ action: 'promoted', wave: 1 });
    expect(wave1['stamps']).not.toContain('stamp-eu-2');
    expect(await fleet.promote('13:03')).toMatchObject({ action: 'promoted', wave: 2 });
    const done = await fleet.promote('14:04');
    expect(done).toMatchObject({ action: 'complete' });
    expect(done['reason']).toBe('every stamp runs 1.5.0, healthy and baked, except 1 excluded: stamp-eu-2 (cluster upgrade in progress)');
    expect(await fleet.declared('stamp-eu-2')).toBe('1.4.0');

    const drift = await fleet.cli(['drift', '--skip-rendered', '--now', at('14:05'), '--output', 'json']);
    const findings = drift.json()['findings'] as { stamp: string; kind: string; severity: string; message: string }[];
    expect(findings.filter((f) => f.stamp === 'stamp-eu-2')).toEqual([
      {
        stamp: 'stamp-eu-2',
        kind: 'excluded',
        severity: 'warning',
        message: expect.stringMatching(/^excluded from the rollout of 1\.5\.0: cluster upgrade in progress; it stays on 1\.4\.0/),
      },
    ]);
    const report = await fleet.cli(['report', '--skip-rendered', '--now', at('14:05'), '--format', 'json']);
    const stamp = (report.json()['stamps'] as { name: string; straggler: boolean; excluded?: string }[]).find(
      (s) => s.name === 'stamp-eu-2',
    );
    expect(stamp).toMatchObject({ straggler: false, excluded: 'cluster upgrade in progress' });
    const markdown = await fleet.cli(['report', '--skip-rendered', '--now', at('14:05'), '--format', 'markdown']);
    expect(markdown.stdout).toContain('stamp-eu-2 ⏸️ excluded: cluster upgrade in progress');
  });

  it('include takes an excluded stamp back: promote gives it the target with its wave', async () => {
    const fleet = await Fleet.create();
    await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('10:00')]);
    await fleet.cli(['rollout', 'exclude', 'stamp-us-1', '--reason', 'maintenance', '--now', at('10:00')]);
    const first = await fleet.promote('10:01');
    expect(first).toMatchObject({ action: 'promoted', wave: 0, stamps: ['stamp-eu-1'] });
    expect((await fleet.cli(['rollout', 'include', 'stamp-eu-1', '--now', at('10:02')])).stderr).toMatch(
      /stamp-eu-1 is not excluded .*; excluded: stamp-us-1/,
    );
    expect((await fleet.cli(['rollout', 'include', 'stamp-us-1', '--now', at('10:02')])).exitCode).toBe(0);
    await fleet.commit(at('10:02'), 'include stamp-us-1');
    expect(await fleet.promote('10:03')).toMatchObject({ action: 'promoted', wave: 0, stamps: ['stamp-us-1'] });
  });

  it('abort leaves stamps where they are; abort --rollback returns them; either way a new start is allowed', async () => {
    const fleet = await Fleet.create();
    await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('10:00')]);
    await fleet.promote('10:00');
    const aborted = await fleet.cli(['rollout', 'abort', '--reason', 'wrong build', '--now', at('10:30'), '--output', 'json']);
    expect(aborted.exitCode, aborted.stderr).toBe(0);
    expect(aborted.json()).toMatchObject({
      action: 'aborted',
      stamps: [],
      message: 'rollout of 1.5.0 aborted: wrong build; 2 promoted stamp(s) stay on 1.5.0',
    });
    expect((await readRolloutState(fleet.root))?.phase).toBe('aborted');
    expect(await fleet.declared('stamp-eu-1')).toBe('1.5.0');
    const status = await fleet.cli(['rollout', 'status', '--now', at('10:31'), '--output', 'json']);
    expect(status.exitCode).toBe(0);
    expect((await fleet.cli(['rollout', 'abort', '--now', at('10:32')])).stderr).toMatch(/already aborted; nothing to abort/);
    await fleet.commit(at('10:32'), 'abort');

    // Wave 0 already runs 1.5.0 (the aborted rollout left it there), so this rollout promotes wave 1.
    expect((await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('11:00')])).exitCode).toBe(0);
    expect(await fleet.promote('11:00')).toMatchObject({ action: 'promoted', wave: 1 });
    const back = await fleet.cli(['rollout', 'abort', '--rollback', '--now', at('11:10'), '--output', 'json']);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(back.json()).toMatchObject({
      action: 'aborted',
      stamps: ['stamp-eu-2', 'stamp-eu-3', 'stamp-us-2'],
      message: 'rollout of 1.5.0 aborted; 3 stamp(s) returned to their previous versions',
    });
    expect(await fleet.declared('stamp-eu-2')).toBe('1.4.0');
    // Only what this rollout promoted goes back.
    expect(await fleet.declared('stamp-eu-1')).toBe('1.5.0');
    const check = await fleet.cli(['synth', '--check']);
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect((await readRolloutState(fleet.root))?.phase).toBe('aborted');
    await fleet.commit(at('11:11'), 'abort --rollback');
    expect((await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('12:00')])).exitCode).toBe(0);
  });

  it('converging versus failed: a promoted stamp still on its previous version or not ready waits until the progress deadline, then halts; an explicit failure halts at once', async () => {
    const fleet = await Fleet.create(['progressDeadlineMinutes: 20']);
    await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('10:00')]);
    await fleet.cli(['rollout', 'promote', '--now', at('10:00'), '--health', await fleet.health(), '--output', 'json']);
    // The promotion lands at 10:05: the deadline counts from there.
    await fleet.commit(at('10:05'), 'wave 0');
    const flux = await fleet.health({ 'stamp-eu-1': { ready: true, version: '1.4.0' }, 'stamp-us-1': { ready: false, version: '1.5.0' } });
    const converging = await fleet.cli(['rollout', 'promote', '--now', at('10:24'), '--health', flux, '--output', 'json']);
    expect(converging.exitCode).toBe(0);
    expect(converging.json()).toMatchObject({ action: 'waiting', wave: 1 });
    expect(converging.json()['reason']).toMatch(/stamp-eu-1 \(ready, running 1\.4\.0; converging until 2026-12-01T10:25:00\.000Z\)/);
    const late = await fleet.cli(['rollout', 'promote', '--dry-run', '--now', at('10:25'), '--health', flux, '--output', 'json']);
    expect(late.exitCode).toBe(1);
    expect(late.json()['action']).toBe('halted');
    expect(late.json()['reason']).toMatch(
      /stamp-eu-1 still runs 1\.4\.0 and the progress deadline \(20 minutes after its promotion landed\) passed at 2026-12-01T10:25:00\.000Z/,
    );
    expect(late.json()['reason']).toMatch(/stamp-us-1 is not ready and the progress deadline/);

    const crash = await fleet.health({
      'stamp-us-1': { ready: false, version: '1.5.0', failure: 'CrashLoopBackOff: api restarted 5 times' },
    });
    const failed = await fleet.cli(['rollout', 'promote', '--now', at('10:06'), '--health', crash, '--output', 'json']);
    expect(failed.exitCode).toBe(1);
    expect(failed.json()).toMatchObject({ action: 'halted', wave: 0 });
    expect((await readRolloutState(fleet.root))?.halted?.reason).toBe('stamp-us-1 failed: CrashLoopBackOff: api restarted 5 times');
  });
});

interface App {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminUrl: string;
  readonly adminPort: number;
}

async function startApp(stamp: string, version: string): Promise<App> {
  const child = spawn(process.execPath, [STAMP_APP, '--stamp', stamp, '--version', version, '--port', '0', '--admin-port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const started = JSON.parse(line) as { url: string; adminUrl: string; adminPort: number };
  return { child, ...started };
}

describe('issue #11 analysis on a real Prometheus scraping real stamp-apps', () => {
  it('an analysis without data holds the next wave, passing analyses let it go, and an error rate above the bound on the canary halts the rollout, naming analysis, stamp, value and bound', async () => {
    const fleet = await Fleet.create([
      'analysis:',
      '  - name: error-rate',
      '    query: sum(rate(http_errors_total{stamp="$stamp"}[$window])) / sum(rate(http_requests_total{stamp="$stamp"}[$window]))',
      '    max: 0.05',
      '    window: 15s',
    ]);
    const apps = new Map<string, App>();
    for (const stamp of STAMPS) apps.set(stamp, await startApp(stamp, '1.5.0'));
    let prometheus: TestPrometheus | undefined;
    prometheus = await startPrometheus(STAMPS.map((stamp) => ({ stamp, address: `127.0.0.1:${apps.get(stamp)!.adminPort}` })));
    cleanups.push(() => prometheus!.stop());
    // Traffic to stamp-eu-1 only, at first: stamp-us-1, the other canary, has no data.
    const served = new Set(['stamp-eu-1']);
    const traffic = setInterval(() => {
      for (const stamp of served)
        void fetch(`${apps.get(stamp)!.url}/orders`, { headers: { 'x-stampyard-tenant': 'acme' } }).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
    }, 40);
    cleanups.push(async () => clearInterval(traffic));

    await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('10:00')]);
    await fleet.promote('10:00');
    const dryRun = async () => {
      const h = await fleet.health();
      return fleet.cli([
        'rollout',
        'promote',
        '--dry-run',
        '--now',
        at('13:00'),
        '--health',
        `prometheus,${h}`,
        '--prometheus-url',
        prometheus!.url,
        '--output',
        'json',
      ]);
    };
    // Wait (no fixed sleep) until stamp-eu-1 has data; stamp-us-1 still has none, so wave 1 waits.
    const noData = await eventually(
      'stamp-eu-1 analysed',
      async () => {
        const r = await dryRun();
        return /stamp-eu-1 \(/.test(String(r.json()['reason'])) ? undefined : r;
      },
      90_000,
      500,
    );
    expect(noData.exitCode).toBe(0);
    expect(noData.json()).toMatchObject({ action: 'waiting', wave: 1 });
    expect(noData.json()['reason']).toMatch(/stamp-us-1 \(health unknown \(prometheus: analysis error-rate on stamp-us-1: no data/);

    served.add('stamp-us-1');
    const passing = await eventually(
      'both canaries pass',
      async () => {
        const r = await dryRun();
        return r.json()['action'] === 'promoted' ? r : undefined;
      },
      90_000,
      500,
    );
    expect(passing.json()).toMatchObject({ action: 'promoted', wave: 1 });

    // The canary starts failing half its requests.
    const set = await fetch(`${apps.get('stamp-eu-1')!.adminUrl}/error-percent`, { method: 'PUT', body: '50' });
    expect(set.status).toBe(200);
    const failing = await eventually(
      'the error-rate analysis fails on stamp-eu-1',
      async () => {
        const r = await dryRun();
        return r.json()['action'] === 'halted' ? r : undefined;
      },
      90_000,
      500,
    );
    expect(failing.exitCode).toBe(1);
    expect(failing.json()['reason']).toMatch(
      /^stamp-eu-1 failed: prometheus: analysis error-rate on stamp-eu-1: 0\.\d+ is above the max 0\.05/,
    );

    // The real step writes the halt.
    const h = await fleet.health();
    const halted = await fleet.cli([
      'rollout',
      'promote',
      '--now',
      at('13:00'),
      '--health',
      `prometheus,${h}`,
      '--prometheus-url',
      prometheus.url,
      '--output',
      'json',
    ]);
    expect(halted.exitCode).toBe(1);
    expect((await readRolloutState(fleet.root))?.phase).toBe('halted');
    expect((await readRolloutState(fleet.root))?.halted?.reason).toMatch(/analysis error-rate on stamp-eu-1: .* is above the max 0\.05/);
    prometheus = prometheus!;
  }, 240_000);

  it('refuses --health prometheus without a URL or without analyses (exit 2)', async () => {
    const fleet = await Fleet.create();
    await fleet.cli(['rollout', 'start', '1.5.0', '--now', at('10:00')]);
    const noUrl = await fleet.cli(['rollout', 'promote', '--dry-run', '--now', at('10:00'), '--health', 'prometheus']);
    expect(noUrl.exitCode).toBe(2);
    expect(noUrl.stderr).toMatch(/--health prometheus needs --prometheus-url <url>/);
    const noAnalyses = await fleet.cli([
      'rollout',
      'promote',
      '--dry-run',
      '--now',
      at('10:00'),
      '--health',
      'prometheus',
      '--prometheus-url',
      'http://127.0.0.1:9',
    ]);
    expect(noAnalyses.exitCode).toBe(2);
    expect(noAnalyses.stderr).toMatch(/fleet.yaml lists no analyses; add them under spec.rollout.analysis/);
    const twice = await fleet.cli(['rollout', 'promote', '--dry-run', '--now', at('10:00'), '--health', 'http,http']);
    expect(twice.exitCode).toBe(2);
  });
});
