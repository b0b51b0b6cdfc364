// npm run bench:routing — validate, place and write the routing table for
// 100,000 tenants on 500 stamps, generated in a temp folder. Prints a table.
// Targets: under 5 s in total and under 500 MB peak memory.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { applyFileChanges, parseFleet, readFleetSources, ValidationError, type LoadedFleet } from '@stampyard/stamp-spec';
import { aFleet, aTenant, makeTempFleetRepo } from '@stampyard/stamp-spec/testing';
import { planPlacement, renderRoutingArtifacts, tenantFileChanges } from '../src/index.ts';

const TENANTS = Number(process.env['BENCH_TENANTS'] ?? 100_000);
const STAMPS = Number(process.env['BENCH_STAMPS'] ?? 500);
const FILES = 100;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rows: { step: string; ms: number; cpuMs: number; rss: number; peak: number; note: string }[] = [];

async function step<T>(name: string, note: (value: T) => string, run: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const value = await run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  rows.push({
    step: name,
    ms,
    cpuMs: (used.user + used.system) / 1000,
    rss: process.memoryUsage().rss,
    peak: process.resourceUsage().maxRSS * 1024,
    note: note(value),
  });
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
  // Each step reads what it needs, so only one parsed fleet is alive at a time.
  const placeOnDisk = async (): Promise<LoadedFleet> => {
    const { fleet: parsed, issues } = parseFleet(await readFleetSources(repo.root));
    if (!parsed) throw new ValidationError(issues);
    return parsed;
  };
  let loaded: LoadedFleet | undefined = await step<LoadedFleet>(
    'validate',
    (f) => `parseFleet: ${f.stamps.length} stamps, ${f.tenantLists.length} tenant files`,
    placeOnDisk,
  );
  await step(
    'place',
    (n) => `planPlacement + tenant files written: ${n} tenants placed`,
    async () => {
      const plan = planPlacement(loaded!);
      if (plan.unplaced.length > 0) throw new Error(`unplaced: ${JSON.stringify(plan.unplaced.map((g) => g.zone))}`);
      await applyFileChanges(repo.root, tenantFileChanges(loaded!, plan.assignments));
      return plan.assignments.length;
    },
  );
  loaded = undefined;
  const reloaded = await placeOnDisk();
  await step(
    'write table',
    (n) => `renderRoutingArtifacts + ${n} files and the ConfigMap shards written`,
    async () => {
      const artifacts = renderRoutingArtifacts(reloaded);
      const shardFiles = artifacts.configMaps.flatMap((c) =>
        Object.entries(c.data).map(([file, content]) => ({ path: `configmaps/${file}`, content })),
      );
      await applyFileChanges(repo.root, [...artifacts.files, ...shardFiles]);
      return artifacts.files.length;
    },
  );
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  console.log(
    `\nrouting bench: ${TENANTS.toLocaleString('en')} tenants on ${STAMPS} stamps (node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; setup peak ${mb(setupPeak)}; the re-read between place and write is not timed)\n`,
  );
  console.log('| step | wall time | cpu time | rss after | peak rss | |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows)
    console.log(
      `| ${r.step} | ${(r.ms / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${mb(r.rss)} | ${mb(r.peak)} | ${r.note} |`,
    );
  const peak = Math.max(...rows.map((r) => r.peak));
  const cpuTotal = rows.reduce((sum, r) => sum + r.cpuMs, 0);
  console.log(
    `| total | ${(total / 1000).toFixed(2)} s | ${(cpuTotal / 1000).toFixed(2)} s | | ${mb(peak)} | target < 5 s, < 500 MB: ${total < 5000 && peak < 500 * 1024 * 1024 ? 'met' : 'NOT met'} |`,
  );
} finally {
  await repo.cleanup();
}
