// The project's end-to-end test: `stampyard dev`'s scenario with real stamp-app and gateway
// processes on 127.0.0.1, real HTTP, a rollout through every wave and a halted one.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet, type LoadedFleet } from '@stampyard/stamp-spec';
import { REPOSITORY_ROOT } from '../src/context.ts';
import { runLocalFleet, type LocalFleetResult } from '../src/dev/scenario.ts';
import type { ProgressReporter } from '../src/dev/progress.ts';
import { isListening } from '../src/dev/http.ts';
import { runCli } from '../src/testing/run.ts';

/** One bake minute takes 50 ms. */
const BAKE_SCALE = 1200;
const E2E_TIMEOUT_MS = 110_000;

async function treeHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (at: string): Promise<void> => {
    if (!existsSync(at)) return;
    if (!statSync(at).isDirectory()) {
      hash.update(at).update(await readFile(at));
      return;
    }
    for (const entry of (await readdir(at, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else hash.update(path).update(await readFile(path));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

const FLEET_DIRS = ['stamps', 'tenants', 'rendered', 'fleet.yaml'];

describe('stampyard dev (end to end)', () => {
  let result: LocalFleetResult;
  let fleet: LoadedFleet;
  let outDir: string;
  const waveLines: string[] = [];
  let hashesBefore: string[];

  beforeAll(async () => {
    fleet = await loadFleet(REPOSITORY_ROOT);
    outDir = await mkdtemp(join(tmpdir(), 'stampyard-dev-e2e-'));
    hashesBefore = await Promise.all(FLEET_DIRS.map((d) => treeHash(join(REPOSITORY_ROOT, d))));
    const reporter: ProgressReporter = {
      step: () => undefined,
      info: () => undefined,
      wave: (scenario, wave, text) => void waveLines.push(`${scenario} ${wave}: ${text}`),
      routes: () => undefined,
      result: () => undefined,
    };
    result = await runLocalFleet(
      { root: REPOSITORY_ROOT, outDir, bakeScale: BAKE_SCALE, tenants: 12, now: new Date('2026-06-01T09:00:00Z') },
      reporter,
    );
  }, E2E_TIMEOUT_MS);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('runs without a problem', () => {
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('routes every sampled tenant to the stamp its tenant file binds it to, before and after the rollout', () => {
    const bound = new Map(fleet.tenantLists.flatMap((t) => t.list.items).map((t) => [t.id, t.stamp]));
    const stampsCovered = new Set(result.routesBefore.map((r) => r.servedStamp));
    expect(result.tenantsSampled.length).toBe(12);
    expect(stampsCovered.size).toBeGreaterThan(1);
    for (const checks of [result.routesBefore, result.routesAfter]) {
      expect(checks.map((c) => c.tenant)).toEqual(result.tenantsSampled);
      for (const c of checks) {
        expect(c, c.tenant).toMatchObject({ status: 200, ok: true, servedStamp: c.expectedStamp });
        if (bound.get(c.tenant)) expect(c.expectedStamp).toBe(bound.get(c.tenant));
      }
    }
    expect(result.routesBefore.every((c) => c.servedVersion === result.rollout?.fromVersion)).toBe(true);
    expect(result.routesAfter.every((c) => c.servedVersion === result.rollout?.toVersion)).toBe(true);
  });

  it("exports every stamp's usage into the copy's lake before and after the rollout, and the heaviest sender tops each zone", () => {
    expect(result.usage?.map((p) => p.phase)).toEqual(['before the rollout', 'after the rollout']);
    for (const phase of result.usage ?? []) {
      expect(phase.written.length).toBeGreaterThanOrEqual(fleet.stamps.length);
      for (const path of phase.written)
        expect(path).toMatch(/^zone=(eu|us)\/stamp=stamp-[a-z0-9-]+\/date=\d{4}-\d{2}-\d{2}\/usage-\d{8}T\d{6}Z\.parquet$/);
      expect(Object.keys(phase.topTenant).sort()).toEqual(['eu', 'us']);
    }
  });

  it('refuses a tenant no table holds', () => {
    expect(result.unknownTenantStatus).toBeGreaterThanOrEqual(400);
    expect(result.unknownTenantStatus).toBeLessThan(500);
  });

  it('walks the rollout to the next release through every wave, baking between them', () => {
    const rollout = result.rollout!;
    expect(rollout.fromVersion).toBe('1.4.0');
    expect(rollout.toVersion).toBe('1.5.0');
    const waves = [...new Set(fleet.stamps.map((s) => s.stamp.spec.wave))].sort((a, b) => a - b);
    const expected = waves.flatMap((wave) => [`promoted ${wave}`, 'waiting']);
    expect(rollout.transitions.map((t) => (t.action === 'promoted' ? `promoted ${t.wave}` : t.action))).toEqual([...expected, 'complete']);
    for (const t of rollout.transitions.filter((t) => t.action === 'promoted')) {
      const inWave = fleet.stamps.filter((s) => s.stamp.spec.wave === t.wave).map((s) => s.stamp.metadata.name);
      expect([...t.stamps].sort()).toEqual(inWave.sort());
    }
    // Virtual time: each wave bakes its policy minutes although the run took seconds.
    const times = rollout.transitions.filter((t) => t.action === 'promoted').map((t) => Date.parse(t.at));
    const policy = fleet.fleet.spec.rollout.bakeMinutes;
    times.slice(1).forEach((time, i) => {
      const bake = policy.waves[String(waves[i])] ?? policy.default;
      expect(time - times[i]!).toBeGreaterThanOrEqual(bake * 60_000);
    });
    for (const s of fleet.stamps) {
      expect(rollout.declared[s.stamp.metadata.name]).toBe('1.5.0');
      expect(rollout.observed[s.stamp.metadata.name]).toBe('1.5.0');
    }
    expect(waveLines.some((l) => l.startsWith('rollout 0: promoted'))).toBe(true);
  });

  it('halts the second rollout on the error-rate analysis of the canary (a real Prometheus), and no later wave changes', () => {
    const failure = result.failure!;
    expect(failure.onFailure).toBe(fleet.fleet.spec.rollout.onFailure);
    expect(failure.canaryWave).toBe(0);
    // Promoted, then waiting (the bake), then halted on the analysis.
    const actions = failure.transitions.map((t) => t.action);
    expect(actions[0]).toBe('promoted');
    expect(actions.at(-1)).toBe(failure.onFailure === 'rollback' ? 'rolled-back' : 'halted');
    expect(actions.slice(1, -1).every((a) => a === 'waiting')).toBe(true);
    expect(failure.transitions[0]!.wave).toBe(0);
    expect(failure.transitions.at(-1)!.reason).toContain(failure.unhealthyStamp);
    expect(failure.transitions.at(-1)!.reason).toMatch(
      new RegExp(
        `${failure.unhealthyStamp} failed: prometheus: analysis error-rate on ${failure.unhealthyStamp}: [0-9.]+ is above the max 0\\.05`,
      ),
    );
    expect(failure.laterWaveStamps.length).toBeGreaterThan(0);
    for (const name of failure.laterWaveStamps) {
      expect(failure.declared[name], name).toBe(failure.declaredBefore[name]);
      expect(failure.observed[name], name).toBe(failure.declaredBefore[name]);
    }
    expect(failure.declared[failure.unhealthyStamp]).toBe(failure.onFailure === 'rollback' ? '1.4.0' : '1.5.0');
  });

  it('writes the report', async () => {
    expect(await readFile(result.report!.html, 'utf8')).toMatch(/<html/i);
    expect((await readFile(result.report!.markdown, 'utf8')).length).toBeGreaterThan(0);
  });

  it('leaves no process, listener or temporary copy behind, and never touches the real fleet', async () => {
    expect(result.pids.length).toBeGreaterThanOrEqual(fleet.stamps.length + 1);
    for (const pid of result.pids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    for (const port of result.ports) expect(await isListening(port), `port ${port}`).toBe(false);
    expect(result.leftovers).toEqual({ pids: [], ports: [] });
    expect(existsSync(result.workDir)).toBe(false);
    expect(await Promise.all(FLEET_DIRS.map((d) => treeHash(join(REPOSITORY_ROOT, d))))).toEqual(hashesBefore);
  });
});

describe('stampyard dev flags', () => {
  it.each([
    { argv: ['dev', '--bake-scale', '0'], error: /--bake-scale: '0' is not a positive number/ },
    { argv: ['dev', '--tenants', '2.5'], error: /--tenants: '2.5' is not a whole number/ },
    { argv: ['dev', '--on-failure', 'explode'], error: /Allowed choices are halt, rollback/ },
  ])('$argv.1 $argv.2 is a usage error', async ({ argv, error }) => {
    const run = await runCli(argv);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(error);
  });
});
