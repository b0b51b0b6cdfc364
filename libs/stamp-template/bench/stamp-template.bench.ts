// Prints how long synthesizeStamp and validateManifest take on this machine (one core).
// Run: npx tsx libs/stamp-template/bench/stamp-template.bench.ts [stamps]
import { aFleet } from '@stampyard/stamp-spec/testing';
import { LAYERS, synthesizeStamp, type ApiObjectJson } from '../src/index.ts';
import { validateManifest } from '../src/testing/index.ts';

const count = Number(process.argv[2] ?? 1000);
const { fleet, stamps } = aFleet(count);
for (const stamp of stamps.slice(0, 50)) synthesizeStamp(fleet, stamp); // warm up

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const started = performance.now();
const synthCpu = process.cpuUsage();
const objects: ApiObjectJson[] = [];
for (const stamp of stamps) {
  const manifests = synthesizeStamp(fleet, stamp);
  for (const layer of LAYERS) objects.push(...manifests[layer]);
}
const synthMs = performance.now() - started;
const synthCpuMs = cpuMs(synthCpu);

const validateStarted = performance.now();
const validateCpu = process.cpuUsage();
let problems = 0;
for (const object of objects) problems += validateManifest(object).length;
const validateMs = performance.now() - validateStarted;
const validateCpuMs = cpuMs(validateCpu);

const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
// CPU time next to wall time: on a busy machine the wall clock counts other processes too.
console.log(
  `synthesizeStamp: ${count} stamps in ${(synthMs / 1000).toFixed(2)} s wall, ${(synthMs / count).toFixed(2)} ms/stamp wall, ` +
    `${(synthCpuMs / count).toFixed(2)} ms/stamp CPU, ${objects.length / count} objects/stamp`,
);
console.log(
  `validateManifest: ${objects.length} objects in ${(validateMs / 1000).toFixed(2)} s wall, ${((validateMs * 1000) / objects.length).toFixed(0)} µs/object wall, ` +
    `${((validateCpuMs * 1000) / objects.length).toFixed(0)} µs/object CPU, ${problems} problems`,
);
console.log(`heap used: ${heapMb.toFixed(0)} MB`);
