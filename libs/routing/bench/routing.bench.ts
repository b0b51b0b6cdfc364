// npm run bench:routing — validate, place and write the routing table for
// 100,000 tenants on 500 stamps, generated in a temp folder. Prints a table.
// Targets: under 5 s in total and under 500 MB peak memory.
import { performance } from 'node:perf_hooks';
import { applyFileChanges, parseFleet, readFleetSources, ValidationError, type LoadedFleet } from '@stampyard/stamp-spec';
import { aFleet, aTenant, makeTempFleetRepo } from '@stampyard/stamp-spec/testing';
import { planPlacement, renderRoutingArtifacts, tenantFileChanges } from '../src/index.ts';

const TENANTS = Number(process.env['BENCH_TENANTS'] ?? 100_000);
const STAMPS = Number(process.env['BENCH_STAMPS'] ?? 500);
const FILES = 100;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rows: { step: string; ms: number; rss: number; peak: number; note: string }[] = [];

async function step<T>(name: string, note: (value: T) => string, run: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  const value = await run();
  const ms = performance.now() - start;
  rows.push({ step: name, ms, rss: process.memoryUsage().rss, peak: process.resourceUsage().maxRSS * 1024, note: note(value) });
  return value;
}

const { fleet, stamps } = aFleet(STAMPS, { capacity: Math.ceil((TENANTS * 1.5) / STAMPS) });
const zones = ['eu', 'us', 'any'];
const perFile = Math.ceil(TENANTS / FILES);
const tenantFiles = Array.from({ length: FILES }, (_, f) =>
  Array.from({ length: Math.min(perFile, TENANTS - f * perFile) }, (_, i) => {
    const n = f * perFile + i;
    return aTenant({ id: `tenant-${n}`, residency: zones[n % 10 === 0 ? 2 : n % 2]!, weight: 1 });
  }),
);
const repo = await makeTempFleetRepo({ fleet, stamps, tenantFiles });
const setupPeak = process.resourceUsage().maxRSS * 1024;
try {
  const loaded = await step<LoadedFleet>('validate', (f) => `${f.stamps.length} stamps, ${f.tenantLists.length} tenant files`, async () => {
    const { fleet: parsed, issues } = parseFleet(await readFleetSources(repo.root));
    if (!parsed) throw new ValidationError(issues);
    return parsed;
  });
  const placed = await step('place', (n) => `${n} tenants placed, tenant files written`, async () => {
    const plan = planPlacement(loaded);
    if (plan.unplaced.length > 0) throw new Error(`unplaced: ${JSON.stringify(plan.unplaced.map((g) => g.zone))}`);
    await applyFileChanges(repo.root, tenantFileChanges(loaded, plan.assignments));
    return plan.assignments.length;
  });
  const reloaded = parseFleet(await readFleetSources(repo.root)).fleet!;
  await step('write table', (n) => `${n} files + ConfigMap shards written`, async () => {
    const artifacts = renderRoutingArtifacts(reloaded);
    const shardFiles = artifacts.configMaps.flatMap((c) => Object.entries(c.data).map(([file, content]) => ({ path: `configmaps/${file}`, content })));
    await applyFileChanges(repo.root, [...artifacts.files, ...shardFiles]);
    return artifacts.files.length;
  });
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  console.log(`\nrouting bench: ${TENANTS.toLocaleString('en')} tenants on ${STAMPS} stamps (node ${process.version}; setup peak ${mb(setupPeak)}; the re-read between place and write is not timed)\n`);
  console.log('| step | time | rss after | peak rss | |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const r of rows) console.log(`| ${r.step} | ${(r.ms / 1000).toFixed(2)} s | ${mb(r.rss)} | ${mb(r.peak)} | ${r.note} |`);
  const peak = Math.max(...rows.map((r) => r.peak));
  console.log(`| total | ${(total / 1000).toFixed(2)} s | | ${mb(peak)} | target < 5 s, < 500 MB: ${total < 5000 && peak < 500 * 1024 * 1024 ? 'met' : 'NOT met'} |`);
  void placed;
} finally {
  await repo.cleanup();
}
