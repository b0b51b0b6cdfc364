// npm run bench:input — time and peak RSS of `stampyard validate` and `synth --check`
// on each hostile input of #13, each in its own child process, against a baseline
// run on the unchanged example fleet. "time" is the command after the CLI's
// modules loaded ("load CLI"). Target: every hostile case refused in < 1 s and
// < 200 MB peak RSS.
import { cpus, loadavg } from 'node:os';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyExampleFleet } from '@stampyard/stamp-spec/testing';
import { runMeasured } from '../src/testing/measure.ts';
import { aliasBomb, deepNesting } from '../src/testing/hostile.ts';

const cases: [string, (root: string) => Promise<void>][] = [
  ['baseline: the example fleet', async () => {}],
  ['alias bomb, 9 levels, metadata.name (606 B class)', (root) => writeFile(join(root, 'stamps/stamp-bomb.yaml'), aliasBomb(9, 'name'))],
  ['alias bomb, 12 levels, spec.region', (root) => writeFile(join(root, 'stamps/stamp-bomb.yaml'), aliasBomb(12, 'region'))],
  ['nesting 100,000 deep', (root) => writeFile(join(root, 'stamps/stamp-deep.yaml'), deepNesting(100_000))],
  ['a 64 MiB file', (root) => writeFile(join(root, 'tenants/huge.yaml'), `# ${'x'.repeat(64 * 1024 * 1024)}\n`)],
  ['a link to /etc/passwd', (root) => symlink('/etc/passwd', join(root, 'stamps/stamp-x.yaml'))],
  ['a folder named x.yaml', (root) => mkdir(join(root, 'stamps/stamp-x.yaml'))],
];

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
console.log(`input bench (node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)\n`);
console.log(
  `${'case'.padEnd(52)} ${'command'.padEnd(26)} exit  ${'time'.padStart(8)}  ${'load CLI'.padStart(8)}  ${'peak RSS'.padStart(8)}`,
);
for (const [name, setup] of cases) {
  const repo = await copyExampleFleet();
  try {
    await setup(repo.root);
    for (const command of [['validate'], ['synth', '--check', '--no-cache']]) {
      const run = await runMeasured([...command, '--root', repo.root], { timeoutMs: 180_000, maxHeapMb: 4096 });
      const time = run.timedOut ? 'timeout' : `${run.ms.toFixed(0)} ms`;
      console.log(
        `${name.padEnd(52)} ${command.join(' ').padEnd(26)} ${String(run.exitCode).padStart(4)}  ${time.padStart(8)}  ${`${run.loadMs.toFixed(0)} ms`.padStart(8)}  ${mb(run.peakRssBytes).padStart(8)}`,
      );
    }
  } finally {
    await repo.cleanup();
  }
}
console.log(`\nload average after: ${loadavg()[0]!.toFixed(1)}`);
