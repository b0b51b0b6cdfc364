// npm run bench:rollout — times `rollout plan`, `rollout promote --dry-run` and `drift` on a
// 1000-stamp fleet with a git history of 50 rollout commits, excluding re-rendering. Two figures each:
// the pure planner alone, and the command's whole read path (read + parse 1000 stamp files and
// rollout.yaml, the landing history from git, health file, plan, render).
import { performance } from 'node:perf_hooks';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFleet, readFleetSources, ValidationError } from '@stampyard/stamp-spec';
import { aFleet, makeTempFleetRepo } from '@stampyard/stamp-spec/testing';
import {
  fleetView,
  gitRunner,
  parseHealthFile,
  readLandings,
  readFileVersions,
  planRolloutHistory,
  renderRolloutHistory,
  planDrift,
  planPromotion,
  planRollout,
  readRolloutState,
  renderDrift,
  renderPromotion,
  renderRolloutPlan,
  serializeRolloutState,
  newRolloutState,
  type FleetView,
  type RolloutState,
} from '../src/index.ts';
import { applyChanges, convergedHealth } from '../src/testing/index.ts';
import { NO_HEALTH } from '../src/index.ts';

const STAMPS = 1000;
const HISTORY = 50;
const HISTORY_START = '2026-11-02T08:00:00Z';
const exec = promisify(execFile);

async function git(root: string, args: readonly string[], date: string): Promise<void> {
  const who = {
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
  await exec('git', ['-C', root, ...args], {
    env: { ...process.env, ...who, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    maxBuffer: 64 * 1024 * 1024,
  });
}
const RUNS = 7;
const now = new Date('2026-11-02T12:00:00Z');

async function time(fn: () => unknown | Promise<unknown>): Promise<{ median: number; max: number }> {
  for (let i = 0; i < 2; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(RUNS / 2)]!, max: samples[RUNS - 1]! };
}

// A fleet mid-rollout: waves 0 and 1 of 5 promoted and healthy, wave 1 baking.
const { fleet: spec, stamps } = aFleet(STAMPS, { waves: 5 });
let fleet: FleetView = { spec, stamps };
let state: RolloutState = { ...newRolloutState('1.5.0', new Date('2026-11-02T09:00:00Z')), revision: 1 };
for (const at of ['2026-11-02T09:00:00Z', '2026-11-02T10:00:00Z']) {
  const plan = planPromotion({ fleet, state, health: convergedHealth(fleet), now: new Date(at) });
  if (plan.action !== 'promoted' || !plan.state) throw new Error(`setup: expected a promotion, got ${plan.action}: ${plan.reason}`);
  state = plan.state;
  fleet = applyChanges(fleet, plan.changes);
}
// The controls in play: wave 3 approved ahead of time, two stamps of wave 4 excluded.
const wave4 = fleet.stamps.filter((s) => s.spec.wave === 4).map((s) => s.metadata.name);
state = {
  ...state,
  approvals: [{ wave: 3, by: 'bench', at: '2026-11-02T10:30:00.000Z' }],
  excluded: Object.fromEntries(wave4.slice(0, 2).map((name) => [name, { reason: 'bench', at: '2026-11-02T10:30:00.000Z' }])),
};
const health = convergedHealth(fleet);

const repo = await makeTempFleetRepo({ fleet: spec, stamps: [...fleet.stamps] });
try {
  // A git history of 50 first-parent commits that changed rollout.yaml, one a minute, the last one the
  // state above: the commands read it for every wave's bake clock.
  await writeFile(join(repo.root, 'health.json'), JSON.stringify({ stamps: health.stamps }));
  await git(repo.root, ['init', '-q', '-b', 'main'], HISTORY_START);
  await git(repo.root, ['add', '-A'], HISTORY_START);
  await git(repo.root, ['commit', '-q', '-m', 'fleet'], HISTORY_START);
  for (let i = 1; i <= HISTORY; i++) {
    const at = new Date(Date.parse(HISTORY_START) + i * 60_000).toISOString();
    const text = serializeRolloutState(i === HISTORY ? { ...state, revision: i + state.revision } : { ...state, revision: i });
    await writeFile(join(repo.root, 'rollout.yaml'), text);
    await git(repo.root, ['add', 'rollout.yaml'], at);
    await git(repo.root, ['commit', '-q', '-m', `rollout: step ${i}`], at);
  }
  const landingsOf = () => readLandings(gitRunner(repo.root));
  const history = await landingsOf();
  if (history.length < HISTORY) throw new Error(`setup: expected ${HISTORY} landings, read ${history.length}`);
  const load = async () => {
    const [sources, state, landings] = await Promise.all([readFleetSources(repo.root), readRolloutState(repo.root), landingsOf()]);
    const { fleet: loaded, issues } = parseFleet(sources);
    if (!loaded) throw new ValidationError(issues);
    return { view: fleetView(loaded), state, landings };
  };
  const loadHealth = async () => parseHealthFile(await readFile(join(repo.root, 'health.json'), 'utf8'), 'health.json');

  const rows: [string, { median: number; max: number }, { median: number; max: number }][] = [
    [
      'rollout plan',
      await time(() => renderRolloutPlan(planRollout({ fleet, state, health, now, target: '1.5.0' }), 'text')),
      await time(async () => {
        const ctx = await load();
        return renderRolloutPlan(
          planRollout({ fleet: ctx.view, state: ctx.state, health: NO_HEALTH, now, landings: ctx.landings, target: '1.5.0' }),
          'text',
        );
      }),
    ],
    [
      'rollout promote --dry-run',
      await time(() => renderPromotion(planPromotion({ fleet, state, health, now }), 'json')),
      await time(async () => {
        const ctx = await load();
        return renderPromotion(
          planPromotion({ fleet: ctx.view, state: ctx.state, health: await loadHealth(), now, landings: ctx.landings }),
          'json',
        );
      }),
    ],
    [
      'rollout history',
      await time(async () =>
        renderRolloutHistory(planRolloutHistory(await readFileVersions(gitRunner(repo.root), 'rollout.yaml')), 'json'),
      ),
      await time(async () =>
        renderRolloutHistory(planRolloutHistory(await readFileVersions(gitRunner(repo.root), 'rollout.yaml')), 'json'),
      ),
    ],
    [
      'drift (no re-render)',
      await time(() =>
        renderDrift(planDrift({ spec, stamps: fleet.stamps, state, health, rendered: { stale: [], missing: [], extra: [] }, now }), 'json'),
      ),
      await time(async () => {
        const ctx = await load();
        return renderDrift(
          planDrift({
            spec: ctx.view.spec,
            stamps: ctx.view.stamps,
            ...(ctx.state ? { state: ctx.state } : {}),
            health: await loadHealth(),
            now,
            landings: ctx.landings,
          }),
          'json',
        );
      }),
    ],
  ];

  const step = planPromotion({ fleet, state, health, now });
  const ms = (t: { median: number; max: number }) => `${t.median.toFixed(1)} ms (max ${t.max.toFixed(1)})`;
  const table = [
    `rollout benchmark: ${STAMPS} stamps, 5 waves, ${HISTORY} rollout commits in git, mid-rollout (promote would say: ${step.action}); median of ${RUNS} runs after 2 warm-ups; target < 1000 ms each`,
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (figures above ~1 per core are inflated by other work)`,
    '',
    '| command | pure planner | read + parse + plan + render |',
    '| --- | --- | --- |',
    ...rows.map(([name, pure, full]) => `| ${name} | ${ms(pure)} | ${ms(full)} |`),
  ];
  console.log(table.join('\n'));
  const slow = rows.filter(([, , full]) => full.median >= 1000);
  if (slow.length > 0) {
    console.log(
      `\nover the 1 s target on this run: ${slow.map(([n]) => n).join(', ')} (the time is stamp-spec's read and parse of 1000 stamp files; the planners above take milliseconds)`,
    );
  }
} finally {
  await repo.cleanup();
}
