// npm run bench:synth — renders generated fleets of 10, 100 and 1000 stamps through the same
// path as `stampyard synth` (loadFleet → planSynth → applySynth), each size in its own process so
// peak RSS (process.resourceUsage().maxRSS, worker threads included) is per size. Then times
// `kubectl kustomize` on a sample of rendered stamp folders and extrapolates to all of them.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import { loadFleet } from '@stampyard/stamp-spec';
import { aFleet, copyExampleFleet, writeFleetRepo } from '@stampyard/stamp-spec/testing';
import { applySynth, MAX_DEFAULT_WORKERS, planSynth, stampRenderedDir, WORKER_THRESHOLD } from '../src/index.ts';

const run = promisify(execFile);
const HERE = fileURLToPath(import.meta.url);
const REPO = resolve(dirname(HERE), '../../..');
const SIZES = (process.env['BENCH_SIZES'] ?? '10,100,1000').split(',').map(Number);
const KUSTOMIZE_SAMPLE = 10;

interface ChildResult {
  readonly stamps: number;
  readonly files: number;
  readonly synthMs: number;
  readonly maxRssMb: number;
  readonly cpuMs: number;
  readonly threads: number;
}

/** In a child: render the fleet at `root` and report. */
async function child(root: string): Promise<void> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const fleet = await loadFleet(root);
  const plan = await planSynth(fleet);
  await applySynth(root, plan);
  const synthMs = performance.now() - started;
  // User + system time of every thread of the process: what the machine spent, whatever else runs on it.
  const cpu = process.cpuUsage(cpuBefore);
  const result: ChildResult = {
    stamps: plan.stamps.length,
    files: plan.files.size,
    synthMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cpuMs: (cpu.user + cpu.system) / 1000,
    threads: plan.stamps.length < WORKER_THRESHOLD ? 1 : Math.min(MAX_DEFAULT_WORKERS, availableParallelism()),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function timeProcess(args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0 ? resolvePromise({ ms: performance.now() - started, stdout }) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

async function kubectlPath(): Promise<string | undefined> {
  try {
    return (await run('sh', ['-c', 'command -v kubectl'])).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function timeKustomize(kubectl: string, root: string, stamps: readonly string[]): Promise<number> {
  const sample = stamps.slice(0, KUSTOMIZE_SAMPLE);
  const started = performance.now();
  for (const name of sample) await run(kubectl, ['kustomize', join(root, stampRenderedDir(name))], { maxBuffer: 64 * 1024 * 1024 });
  return (performance.now() - started) / sample.length;
}

async function parent(): Promise<void> {
  const kubectl = await kubectlPath();
  const rows: string[][] = [];
  process.stderr.write(
    `bench:synth on ${availableParallelism()} cores, Node ${process.version}${kubectl ? '' : '; kubectl not on PATH, kustomize comparison skipped'}\n`,
  );
  for (const size of SIZES) {
    const root = await mkdtemp(join(tmpdir(), `stampyard-bench-${size}-`));
    try {
      await writeFleetRepo(root, aFleet(size));
      process.stderr.write(`rendering ${size} stamps…\n`);
      const { ms: processMs, stdout } = await timeProcess(['--import', 'tsx', HERE, '--child', root]);
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
      let kustomize = ['-', '-', '-'];
      if (kubectl) {
        const perFolder = await timeKustomize(
          kubectl,
          root,
          Array.from({ length: size }, (_, i) => aFleet(size).stamps[i]!.metadata.name),
        );
        const extrapolated = perFolder * size;
        kustomize = [perFolder.toFixed(0), (extrapolated / 1000).toFixed(1), `${(extrapolated / result.synthMs).toFixed(1)}×`];
      }
      rows.push([
        String(size),
        String(result.files),
        String(result.threads),
        (result.synthMs / 1000).toFixed(2),
        (processMs / 1000).toFixed(2),
        (result.synthMs / size).toFixed(2),
        (result.cpuMs / 1000).toFixed(2),
        result.maxRssMb.toFixed(0),
        ...kustomize,
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
  const example = await copyExampleFleet();
  let check = '-';
  let checkNoCache = '-';
  const cli = join(REPO, 'tools/stampyard/bin/stampyard.mjs');
  try {
    await timeProcess([cli, 'synth', '--root', example.root]);
    check = ((await timeProcess([cli, 'synth', '--check', '--root', example.root])).ms / 1000).toFixed(2);
    checkNoCache = ((await timeProcess([cli, 'synth', '--check', '--no-cache', '--root', example.root])).ms / 1000).toFixed(2);
  } finally {
    await example.cleanup();
  }
  const header = [
    'stamps',
    'files',
    'threads',
    'synth s',
    'process s',
    'ms/stamp',
    'cpu s (all threads)',
    'peak RSS MB',
    'kustomize ms/folder',
    'kustomize s (extrapolated)',
    'synth speed-up',
  ];
  const table = [header, header.map(() => '---'), ...rows];
  process.stdout.write(`${table.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\n`);
  process.stdout.write(
    `stampyard synth --check on the example fleet (whole process, incl. Node and tsx start): ${check} s after a synth (plan cache hit), ${checkNoCache} s with --no-cache\n`,
  );
  process.stdout.write(
    `load average while measuring: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores (wall times stretch with it; cpu s doesn't)\n`,
  );
  process.stdout.write(
    'synth s: loadFleet + planSynth + applySynth in the child; process s: the child from spawn to exit (imports included).\n',
  );
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) await child(process.argv[childIndex + 1]!);
else await parent();
