// Issue #10's nine cases, each on a real git repository with commits at chosen dates (GIT_COMMITTER_DATE),
// through the CLI (in-process where that is enough, the real bin and real SIGKILL where it matters).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, STEP_JOURNAL } from '@stampyard/stamp-spec';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { readRolloutState } from '@stampyard/rollout';
import { gitAt } from '@stampyard/rollout/testing';
import { REPOSITORY_ROOT } from '../src/context.ts';
import { runCli } from '../src/testing/run.ts';
import { runPromote } from '../src/commands/rollout.ts';

const run = promisify(execFile);
const BIN = join(REPOSITORY_ROOT, 'tools/stampyard/bin/stampyard.mjs');
const quiet = { stdout: () => undefined, stderr: () => undefined, isTty: false };

let repo: TempRepo | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await repo?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  repo = undefined;
  scratch = undefined;
});

const day = (hhmm: string) => `2026-11-30T${hhmm}:00Z`;

const git = (root: string, args: readonly string[], date = day('00:00')): Promise<string> => gitAt(root, args, date);

/** The example fleet, rendered and committed at `date` on branch main. */
async function fleetRepo(date = day('08:00')): Promise<string> {
  repo = await copyExampleFleet();
  scratch = await mkdtemp(join(tmpdir(), 'stampyard-scenario-'));
  const root = repo.root;
  expect((await runCli(['synth', '--root', root])).exitCode).toBe(0);
  await git(root, ['init', '-q', '-b', 'main']);
  await commit(root, date, 'fleet');
  return root;
}

async function commit(root: string, date: string, message: string): Promise<void> {
  await git(root, ['add', '-A'], date);
  await git(root, ['commit', '-q', '--allow-empty', '-m', message], date);
}

/** A health file: every stamp ready on what its file declares (what Flux shows once it applied git), with overrides. */
async function health(root: string, overrides: Record<string, { ready: boolean; version: string }> = {}): Promise<string> {
  const stamps: Record<string, { ready: boolean; version: string }> = {};
  for (const name of [
    'stamp-eu-1',
    'stamp-eu-2',
    'stamp-eu-3',
    'stamp-eu-4',
    'stamp-eu-fabrikam',
    'stamp-us-1',
    'stamp-us-2',
    'stamp-us-3',
  ]) {
    const text = await readFile(join(root, `stamps/${name}.yaml`), 'utf8');
    stamps[name] = overrides[name] ?? { ready: true, version: /version: (\S+)/.exec(text)![1]! };
  }
  const path = join(scratch!, `health-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify({ stamps }));
  return path;
}

async function cli(argv: readonly string[]) {
  return runCli(argv);
}

async function setVersion(root: string, stamp: string, version: string): Promise<void> {
  const path = join(root, `stamps/${stamp}.yaml`);
  await writeFile(path, (await readFile(path, 'utf8')).replace(/version: \S+/, `version: ${version}`));
}

describe('issue #10, on real git history', () => {
  it("1. a later commit never restarts an earlier wave's bake, and the message names the waves", async () => {
    const root = await fleetRepo();
    expect((await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('16:00')])).exitCode).toBe(0);
    const first = await cli([
      'rollout',
      'promote',
      '--root',
      root,
      '--now',
      day('16:00'),
      '--health',
      await health(root),
      '--output',
      'json',
    ]);
    expect(JSON.parse(first.stdout)).toMatchObject({ action: 'promoted', wave: 0 });
    await commit(root, day('17:00'), 'rollout: wave 0');
    // Wave 0 bakes 120 minutes from its landing at 17:00.
    const early = await cli([
      'rollout',
      'promote',
      '--root',
      root,
      '--now',
      day('18:59'),
      '--health',
      await health(root),
      '--dry-run',
      '--output',
      'json',
    ]);
    expect(JSON.parse(early.stdout)).toMatchObject({ action: 'waiting', wave: 1, until: '2026-11-30T19:00:00.000Z' });
    expect(JSON.parse(early.stdout).reason).toBe('wave 0 bakes until 2026-11-30T19:00:00.000Z; then wave 1 gets 1.5.0');
    const second = await cli([
      'rollout',
      'promote',
      '--root',
      root,
      '--now',
      day('19:01'),
      '--health',
      await health(root),
      '--output',
      'json',
    ]);
    expect(JSON.parse(second.stdout)).toMatchObject({ action: 'promoted', wave: 1 });
    await commit(root, day('19:02'), 'rollout: wave 1');
    const waiting = await cli([
      'rollout',
      'promote',
      '--root',
      root,
      '--now',
      day('20:01'),
      '--health',
      await health(root),
      '--dry-run',
      '--output',
      'json',
    ]);
    expect(JSON.parse(waiting.stdout).reason).toBe('wave 1 bakes until 2026-11-30T20:02:00.000Z; then wave 2 gets 1.5.0');
    const next = await cli([
      'rollout',
      'promote',
      '--root',
      root,
      '--now',
      day('20:03'),
      '--health',
      await health(root),
      '--dry-run',
      '--output',
      'json',
    ]);
    expect(JSON.parse(next.stdout)).toMatchObject({ action: 'promoted', wave: 2 });
  });

  it('2. status, drift, the report and promote --dry-run give the same verdict on every wave after a late merge', async () => {
    const root = await fleetRepo();
    await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('16:00')]);
    await cli(['rollout', 'promote', '--root', root, '--now', day('16:00'), '--health', await health(root)]);
    await commit(root, day('17:30'), 'rollout: wave 0, merged late');
    const h = await health(root);
    // 18:10: two hours after promotedAt, but only 40 minutes after it landed: wave 0 still bakes.
    const args = ['--root', root, '--now', day('18:10'), '--health', h];
    const dry = JSON.parse((await cli(['rollout', 'promote', ...args, '--dry-run', '--output', 'json'])).stdout);
    const status = JSON.parse((await cli(['rollout', 'status', ...args, '--output', 'json'])).stdout);
    const drift = JSON.parse((await cli(['drift', ...args, '--skip-rendered', '--output', 'json'])).stdout);
    const report = JSON.parse((await cli(['report', ...args, '--skip-rendered', '--format', 'json'])).stdout);
    expect(dry).toMatchObject({ action: 'waiting', wave: 1, until: '2026-11-30T19:30:00.000Z' });
    expect(status.next).toMatchObject({ action: 'waiting', until: '2026-11-30T19:30:00.000Z' });
    const verdicts = (waves: { wave: number; state: string }[]) => waves.map((w) => `${w.wave}:${w.state}`);
    expect(verdicts(status.waves)).toEqual(['0:baking', '1:waiting', '2:waiting']);
    expect(verdicts(drift.waves)).toEqual(verdicts(status.waves));
    expect(verdicts(report.waves)).toEqual(verdicts(status.waves));
    expect(report.waves[0].bakeEndsAt).toBe('2026-11-30T19:30:00.000Z');
    // Healthy in the report means what it means to promote: ready and on the declared version.
    const wrong = await health(root, { 'stamp-eu-1': { ready: true, version: '1.3.0' } });
    const reportWrong = JSON.parse(
      (await cli(['report', '--root', root, '--now', day('18:10'), '--health', wrong, '--skip-rendered', '--format', 'json'])).stdout,
    );
    expect(reportWrong.stamps.find((s: { name: string }) => s.name === 'stamp-eu-1').health).not.toBe('healthy');
  });

  it('3. a stamp named constructor gets its full bake, and region/size names that are Object keys are validation errors', async () => {
    const root = await fleetRepo();
    // Rename stamp-eu-3 (wave 1) to constructor.
    const text = await readFile(join(root, 'stamps/stamp-eu-3.yaml'), 'utf8');
    await rm(join(root, 'stamps/stamp-eu-3.yaml'));
    await writeFile(join(root, 'stamps/constructor.yaml'), text.replace('name: stamp-eu-3', 'name: constructor'));
    const tenants = await run('grep', ['-rl', 'stamp-eu-3', join(root, 'tenants')]).then(
      (r) => r.stdout.split('\n').filter(Boolean),
      () => [],
    );
    for (const file of tenants) await writeFile(file, (await readFile(file, 'utf8')).replaceAll('stamp-eu-3', 'constructor'));
    const synth = await cli(['synth', '--root', root]);
    expect(synth.exitCode, synth.stderr).toBe(0);
    await commit(root, day('09:00'), 'constructor');
    await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('10:00')]);
    await cli(['rollout', 'promote', '--root', root, '--now', day('10:00'), '--health', await health2(root)]);
    const wave1 = await cli([
      'rollout',
      'promote',
      '--root',
      root,
      '--now',
      day('12:00'),
      '--health',
      await health2(root),
      '--output',
      'json',
    ]);
    expect(JSON.parse(wave1.stdout)).toMatchObject({ action: 'promoted', wave: 1 });
    const oneMinuteLater = await cli([
      'rollout',
      'promote',
      '--root',
      root,
      '--now',
      day('12:01'),
      '--health',
      await health2(root),
      '--dry-run',
      '--output',
      'json',
    ]);
    expect(JSON.parse(oneMinuteLater.stdout)).toMatchObject({ action: 'waiting', until: '2026-11-30T13:00:00.000Z' });

    for (const [field, value] of [
      ['region', 'constructor'],
      ['region', 'hasOwnProperty'],
      ['size', 'toString'],
      ['size', '__proto__'],
      ['size', 'constructor'],
    ] as const) {
      const path = join(root, 'stamps/stamp-eu-4.yaml');
      const before = await readFile(path, 'utf8');
      await writeFile(path, before.replace(new RegExp(`${field}: \\S+`), `${field}: ${value}`));
      const validate = await cli(['validate', '--root', root]);
      expect(validate.exitCode, `${field}: ${value}`).toBe(1);
      expect(validate.stderr + validate.stdout).toMatch(new RegExp(`stamps/stamp-eu-4\\.yaml:\\d+:\\d+ spec\\.${field}`));
      expect((await cli(['synth', '--root', root])).exitCode, `synth with ${field}: ${value}`).toBe(1);
      await writeFile(path, before);
    }
  });

  it('4. synth started 0.4 s after promote (real processes) never reverts the promotion', async () => {
    const root = await fleetRepo();
    await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('10:00')]);
    const promote = bin(['rollout', 'promote', '--root', root, '--now', day('10:00'), '--health', await health(root)]);
    await new Promise((r) => setTimeout(r, 400));
    const synth = bin(['synth', '--root', root]);
    const [p, s] = await Promise.all([promote, synth]);
    expect(p.code, p.stderr).toBe(0);
    expect(s.code, s.stderr).toBe(0);
    expect(await readFile(join(root, 'stamps/stamp-eu-1.yaml'), 'utf8')).toContain('version: 1.5.0');
    const check = await cli(['synth', '--check', '--root', root]);
    expect(check.exitCode, check.stderr).toBe(0);
    // The render matches the stamp files at 1.5.0, so it carries the new version.
    expect((await run('grep', ['-rl', '1.5.0', join(root, 'rendered/stamps/stamp-eu-1')])).stdout).not.toBe('');
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
  });

  it('5. a step interrupted at any write leaves the old state whole or completes, and never halts the rollout', async () => {
    const root = await fleetRepo();
    await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('10:00')]);
    await commit(root, day('10:00'), 'start');
    // Count the step's writes once.
    let writes = 0;
    await runPromote({ root, output: 'json', now: day('10:00'), health: await health(root) }, quiet, {
      step: { beforeWrite: (n) => void (writes = n) },
    });
    expect(writes).toBeGreaterThan(5);
    const failAt = [...new Set([1, 2, 3, 4, 5, Math.floor(writes / 2), writes - 2, writes - 1, writes])];
    for (const n of failAt) {
      await git(root, ['reset', '-q', '--hard', 'HEAD']);
      await git(root, ['clean', '-qfdx', '-e', 'node_modules']);
      const h = await health(root);
      const crashed = runPromote({ root, output: 'json', now: day('10:00'), health: h }, quiet, {
        step: {
          beforeWrite: (i) => {
            if (i === n) throw new Error(`crash at write ${n}`);
          },
        },
      });
      await expect(crashed, `write ${n}`).rejects.toThrow(`crash at write ${n}`);
      await expectWholeOrComplete(root, n === 1 ? 'old' : 'complete', `write ${n}`);
    }
  });

  it('5. a real SIGKILL mid-step: the lock is taken over with a warning, the step completes, the rollout goes on', async () => {
    const root = await fleetRepo();
    await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('10:00')]);
    await commit(root, day('10:00'), 'start');
    for (const n of [1, 3, 40]) {
      await git(root, ['reset', '-q', '--hard', 'HEAD']);
      await git(root, ['clean', '-qfdx', '-e', 'node_modules']);
      const killed = await bin(['rollout', 'promote', '--root', root, '--now', day('10:00'), '--health', await health(root)], {
        STAMPYARD_TEST_CRASH_AT_WRITE: String(n),
      });
      expect(killed.signal, `write ${n}`).toBe('SIGKILL');
      expect(existsSync(join(root, LOCK_FILE)), 'the lock is left behind').toBe(true);
      const status = await cli(['rollout', 'status', '--root', root, '--now', day('10:05'), '--output', 'json']);
      if (n > 1) expect(status.stderr).toMatch(/was interrupted at .*shown here with its step complete/);
      const synth = await cli(['synth', '--root', root]);
      expect(synth.exitCode, synth.stderr).toBe(0);
      expect(synth.stderr).toMatch(
        new RegExp(
          `warning: \\.stampyard\\.lock was left by pid \\d+ \\(stampyard rollout promote\\), which is no longer running; took it over`,
        ),
      );
      if (n > 1) expect(synth.stderr).toMatch(/recovered: `stampyard rollout promote` \(pid \d+\) was interrupted/);
      await expectWholeOrComplete(root, n === 1 ? 'old' : 'complete', `SIGKILL at write ${n}`);
    }
  }, 120_000);

  it('6. a downgrade is refused, naming the stamps, unless --allow-downgrade, which is recorded and shown', async () => {
    const root = await fleetRepo();
    const plan = await cli(['rollout', 'plan', '1.3.0', '--root', root, '--now', day('10:00')]);
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout).toMatch(/1\.3\.0 is a downgrade for 8 stamp\(s\): stamp-eu-1 \(1\.4\.0\), .*--allow-downgrade/);
    const start = await cli(['rollout', 'start', '1.3.0', '--root', root, '--now', day('10:00')]);
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toMatch(/downgrade for 8 stamp\(s\)/);
    expect(existsSync(join(root, 'rollout.yaml'))).toBe(false);
    const allowed = await cli(['rollout', 'start', '1.3.0', '--allow-downgrade', '--root', root, '--now', day('10:00')]);
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect((await readRolloutState(root))?.target.allowDowngrade).toBe(true);
    const status = JSON.parse((await cli(['rollout', 'status', '--root', root, '--now', day('10:01'), '--output', 'json'])).stdout);
    expect(status.allowDowngrade).toBe(true);
    expect((await cli(['rollout', 'status', '--root', root, '--now', day('10:01')])).stdout).toMatch(/downgrade allowed/);
    const report = await cli(['report', '--root', root, '--now', day('10:01'), '--skip-rendered']);
    expect(report.stdout).toMatch(/downgrade/i);
  });

  it('7. with no rollout running, drift names the hand-edited stamp as an unplanned version, not the waves before it', async () => {
    const root = await fleetRepo();
    await setVersion(root, 'stamp-us-3', '1.5.0');
    const drift = await cli(['drift', '--root', root, '--skip-rendered', '--output', 'json']);
    expect(drift.exitCode).toBe(1);
    const findings = JSON.parse(drift.stdout).findings as { stamp: string; kind: string; message: string }[];
    expect(findings.filter((f) => f.kind === 'straggler')).toEqual([]);
    expect(findings.filter((f) => f.kind === 'unplanned-version')).toEqual([
      expect.objectContaining({
        stamp: 'stamp-us-3',
        message: expect.stringMatching(/declares 1\.5\.0, but no rollout put it there.*set it back to 1\.4\.0/),
      }),
    ]);
  });

  it('8. exit codes: plan of an unknown release and status of a halted rollout exit 1', async () => {
    const root = await fleetRepo();
    const plan = await cli(['rollout', 'plan', '9.9.9', '--root', root]);
    expect(plan.stdout).toMatch(/blocked/);
    expect(plan.exitCode).toBe(1);
    await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('10:00')]);
    expect((await cli(['rollout', 'status', '--root', root, '--now', day('10:01')])).exitCode).toBe(0);
    await cli(['rollout', 'halt', '--reason', 'pager', '--root', root, '--now', day('10:02')]);
    expect((await cli(['rollout', 'status', '--root', root, '--now', day('10:03')])).exitCode).toBe(1);
    expect((await cli(['rollout', 'promote', '--root', root, '--now', day('10:03')])).exitCode).toBe(1);
  });

  it('9. halts keep the first reason as the headline, phase follows, and a rolled-back rollout refuses resume without --force', async () => {
    const root = await fleetRepo();
    await cli(['rollout', 'start', '1.5.0', '--root', root, '--now', day('10:00')]);
    await cli(['rollout', 'promote', '--root', root, '--now', day('10:00'), '--health', await health(root)]);
    const bad = await health(root, { 'stamp-eu-1': { ready: false, version: '1.5.0' } });
    // 10 minutes after the promotion it is converging; at the 15-minute progress deadline it fails.
    expect(
      JSON.parse((await cli(['rollout', 'promote', '--root', root, '--now', day('10:10'), '--health', bad, '--output', 'json'])).stdout),
    ).toMatchObject({ action: 'waiting' });
    const halted = await cli(['rollout', 'promote', '--root', root, '--now', day('10:15'), '--health', bad, '--output', 'json']);
    expect(halted.exitCode).toBe(1);
    expect(JSON.parse(halted.stdout)).toMatchObject({ action: 'halted', wave: 0 });
    await cli(['rollout', 'halt', '--reason', 'second opinion', '--root', root, '--now', day('10:16')]);
    let state = (await readRolloutState(root))!;
    expect(state.phase).toBe('halted');
    expect(state.halted?.reason).toMatch(/^stamp-eu-1 is not ready/);
    expect(state.history.filter((e) => e.event === 'halted').map((e) => e.message)).toEqual([
      expect.stringMatching(/^stamp-eu-1 is not ready/),
      'second opinion',
    ]);
    expect((await cli(['rollout', 'rollback', '--root', root, '--now', day('10:17')])).exitCode).toBe(0);
    state = (await readRolloutState(root))!;
    expect(state.phase).toBe('rolled-back');
    const status = await cli(['rollout', 'status', '--root', root, '--now', day('10:18')]);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/start a new one with `stampyard rollout start <version>`/);
    expect(status.stdout).not.toMatch(/then run `stampyard rollout resume`/);
    const resume = await cli(['rollout', 'resume', '--root', root, '--now', day('10:19')]);
    expect(resume.exitCode).toBe(1);
    expect(resume.stderr).toMatch(/resuming would promote 1\.5\.0 again.*--force/);
    const forced = await cli(['rollout', 'resume', '--force', '--root', root, '--now', day('10:20')]);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect((await readRolloutState(root))?.phase).toBe('progressing');
  });
});

/** Health for the fleet with a stamp named constructor in place of stamp-eu-3. */
async function health2(root: string): Promise<string> {
  const names = ['stamp-eu-1', 'stamp-eu-2', 'constructor', 'stamp-eu-4', 'stamp-eu-fabrikam', 'stamp-us-1', 'stamp-us-2', 'stamp-us-3'];
  const stamps: Record<string, { ready: boolean; version: string }> = {};
  for (const name of names)
    stamps[name] = { ready: true, version: /version: (\S+)/.exec(await readFile(join(root, `stamps/${name}.yaml`), 'utf8'))![1]! };
  const path = join(scratch!, `health-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify({ stamps }));
  return path;
}

/** After an interrupted promote of wave 0: the next commands see the old state whole, or the step complete, rendered included. */
async function expectWholeOrComplete(root: string, expected: 'old' | 'complete', label: string): Promise<void> {
  // A writer (synth) finishes any interrupted step first, then the render must match the stamp files.
  const synth = await cli(['synth', '--root', root]);
  expect(synth.exitCode, `${label}: ${synth.stderr}`).toBe(0);
  expect(existsSync(join(root, STEP_JOURNAL)), label).toBe(false);
  const check = await cli(['synth', '--check', '--root', root]);
  expect(check.exitCode, `${label}: ${check.stderr}`).toBe(0);
  const state = (await readRolloutState(root))!;
  const eu1 = await readFile(join(root, 'stamps/stamp-eu-1.yaml'), 'utf8');
  if (expected === 'old') {
    expect(state.revision, label).toBe(1);
    expect(eu1, label).toContain('version: 1.4.0');
  } else {
    expect(state.revision, label).toBe(2);
    expect(Object.keys(state.stamps).sort(), label).toEqual(['stamp-eu-1', 'stamp-us-1']);
    expect(eu1, label).toContain('version: 1.5.0');
  }
  // Never halted by the crash: the next step, with the clusters converged, waits for the bake.
  const next = await cli([
    'rollout',
    'promote',
    '--root',
    root,
    '--now',
    day('10:30'),
    '--health',
    await health(root),
    '--dry-run',
    '--output',
    'json',
  ]);
  expect(next.exitCode, `${label}: ${next.stdout}`).toBe(0);
  expect(JSON.parse(next.stdout).action, label).toBe(expected === 'old' ? 'promoted' : 'waiting');
}

function bin(
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
