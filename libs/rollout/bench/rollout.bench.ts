// npm run bench:rollout — times `rollout plan`, `rollout promote --dry-run` and `drift` on a
// 1000-stamp fleet, excluding re-rendering. Two figures each: the pure planner alone, and the
// command's whole read path (read + parse 1000 stamp files and rollout.yaml, health file, plan, render).
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFleet, readFleetSources, ValidationError } from '@stampyard/stamp-spec';
import { aFleet, makeTempFleetRepo } from '@stampyard/stamp-spec/testing';
import {
  fleetView,
  parseHealthFile,
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
const health = convergedHealth(fleet);

const repo = await makeTempFleetRepo({ fleet: spec, stamps: [...fleet.stamps] });
try {
  await writeFile(join(repo.root, 'rollout.yaml'), serializeRolloutState(state));
  await writeFile(join(repo.root, 'health.json'), JSON.stringify({ stamps: health.stamps }));
  const load = async () => {
    const { fleet: loaded, issues } = parseFleet(await readFleetSources(repo.root));
    if (!loaded) throw new ValidationError(issues);
    return { view: fleetView(loaded), state: await readRolloutState(repo.root) };
  };
  const loadHealth = async () => parseHealthFile(await readFile(join(repo.root, 'health.json'), 'utf8'), 'health.json');

  const rows: [string, { median: number; max: number }, { median: number; max: number }][] = [
    [
      'rollout plan',
      await time(() => renderRolloutPlan(planRollout({ fleet, state, health, now, target: '1.5.0' }), 'text')),
      await time(async () => {
        const ctx = await load();
        return renderRolloutPlan(planRollout({ fleet: ctx.view, state: ctx.state, health: NO_HEALTH, now, target: '1.5.0' }), 'text');
      }),
    ],
    [
      'rollout promote --dry-run',
      await time(() => renderPromotion(planPromotion({ fleet, state, health, now }), 'json')),
      await time(async () => {
        const ctx = await load();
        return renderPromotion(planPromotion({ fleet: ctx.view, state: ctx.state, health: await loadHealth(), now }), 'json');
      }),
    ],
    [
      'drift (no re-render)',
      await time(() => renderDrift(planDrift({ spec, stamps: fleet.stamps, state, health, rendered: { stale: [], missing: [], extra: [] }, now }), 'json')),
      await time(async () => {
        const ctx = await load();
        return renderDrift(planDrift({ spec: ctx.view.spec, stamps: ctx.view.stamps, ...(ctx.state ? { state: ctx.state } : {}), health: await loadHealth(), now }), 'json');
      }),
    ],
  ];

  const step = planPromotion({ fleet, state, health, now });
  const ms = (t: { median: number; max: number }) => `${t.median.toFixed(1)} ms (max ${t.max.toFixed(1)})`;
  const table = [
    `rollout benchmark: ${STAMPS} stamps, 5 waves, mid-rollout (promote would say: ${step.action}); median of ${RUNS} runs after 2 warm-ups; target < 1000 ms each`,
    `machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (figures above ~1 per core are inflated by other work)`,
    '',
    '| command | pure planner | read + parse + plan + render |',
    '| --- | --- | --- |',
    ...rows.map(([name, pure, full]) => `| ${name} | ${ms(pure)} | ${ms(full)} |`),
  ];
  console.log(table.join('\n'));
  const slow = rows.filter(([, , full]) => full.median >= 1000);
  if (slow.length > 0) {
    console.log(`\nover the 1 s target on this run: ${slow.map(([n]) => n).join(', ')} (the time is stamp-spec's read and parse of 1000 stamp files; the planners above take milliseconds)`);
  }
} finally {
  await repo.cleanup();
}
