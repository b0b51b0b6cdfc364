// npm run bench:scale — the issue #17 figures: for each size, a temporary fleet repository with
// N unplaced tenants on S stamps, driven through the real CLI in child processes (wall time and
// peak RSS from /usr/bin/time): place, synth from scratch, a one-tenant change re-rendered with
// the cache warm and its git diff, artifact sizes, `nginx -t` on the generated map, and at 1000
// stamps `synth --check` with one stamp changed. Prints the load average beside every figure.
//   BENCH_SIZES=10000x100,100000x400,1000000x400   (tenants x stamps; default: 10000x100,100000x400)
//   BENCH_CHECK_STAMPS=1000                           (0 skips the 1000-stamp check)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aFleet, aTenant, makeTempFleetRepo } from '@stampyard/stamp-spec/testing';
import { MAX_SHARD_BYTES, ROUTING_DIR } from '../src/index.ts';

const WORKSPACE = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(WORKSPACE, 'tools/stampyard/bin/stampyard.mjs');
const SIZES = (process.env['BENCH_SIZES'] ?? '10000x100,100000x400').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const CHECK_STAMPS = Number(process.env['BENCH_CHECK_STAMPS'] ?? 1000);
/** Bytes one tenant takes in a shard (measured: ~60), for picking a shard count with headroom. */
const BYTES_PER_TENANT = 64;

const load = () => loadavg()[0]!.toFixed(1);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface Run {
  readonly seconds: number;
  readonly peakMb: number;
  readonly status: number;
  readonly load: string;
}

/** Runs the CLI under /usr/bin/time: wall seconds and peak RSS. */
function cli(root: string, args: readonly string[]): Run {
  const before = load();
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, CLI, ...args, '--root', root], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const last = run.stderr.trim().split('\n').pop() ?? '';
  const [seconds, kb] = last.split(' ').map(Number);
  if (run.status !== 0 && !(args.includes('--check') && run.status === 1)) throw new Error(`stampyard ${args.join(' ')} exited ${run.status}:\n${run.stderr.slice(-2000)}`);
  return { seconds: seconds!, peakMb: Math.round(kb! / 1024), status: run.status ?? -1, load: before };
}

async function folderBytes(dir: string): Promise<{ bytes: number; files: number; largest: number }> {
  let bytes = 0;
  let files = 0;
  let largest = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const size = (await stat(join(entry.parentPath, entry.name))).size;
    bytes += size;
    files++;
    largest = Math.max(largest, size);
  }
  return { bytes, files, largest };
}

function git(root: string, args: readonly string[]): string {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
}

/** The smallest power of two ≥ 16 keeping an average shard at half the budget. */
function shardsFor(tenants: number): number {
  let shards = 16;
  while ((tenants * BYTES_PER_TENANT) / shards > MAX_SHARD_BYTES / 2) shards *= 2;
  return shards;
}

/** `nginx -t` on the generated map and server, with the include paths pointed at the rendered folder. */
async function nginxCheck(root: string): Promise<string> {
  if (spawnSync('nginx', ['-v']).status !== 0) return 'nginx not installed: skipped';
  const nginxDir = join(root, ROUTING_DIR, 'nginx');
  const prefix = join(root, 'nginx-prefix');
  await mkdir(prefix, { recursive: true });
  const map = (await readFile(join(nginxDir, 'tenant-map.conf'), 'utf8')).replaceAll('/etc/nginx/stampyard/', `${nginxDir}/`);
  await writeFile(join(prefix, 'tenant-map.conf'), map);
  // The stamps' hosts don't resolve here: point every upstream at a loopback port.
  const stamps = (await readFile(join(nginxDir, 'stamps.conf'), 'utf8')).replace(/server \S+:(443|80);/g, 'server 127.0.0.1:9;');
  await writeFile(join(prefix, 'stamps.conf'), stamps);
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  await writeFile(
    join(prefix, 'nginx.conf'),
    `${user}pid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log warn;\nevents {}\nhttp {\n  access_log off;\n  include ${prefix}/tenant-map.conf;\n  include ${prefix}/stamps.conf;\n}\n`,
  );
  const before = load();
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', 'nginx', '-t', '-p', prefix, '-c', join(prefix, 'nginx.conf')], { encoding: 'utf8' });
  const [seconds, kb] = (run.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  const ok = run.stderr.includes('test is successful') && !run.stderr.includes('[warn]');
  return `${ok ? 'ok' : `FAILED: ${run.stderr.slice(0, 500)}`}, ${seconds} s, peak ${Math.round(kb! / 1024)} MB (load ${before})`;
}

async function benchSize(tenants: number, stamps: number): Promise<void> {
  const shards = shardsFor(tenants);
  const { fleet, stamps: stampList } = aFleet(stamps, { capacity: Math.ceil((tenants * 1.5) / stamps) });
  const zones = ['eu', 'us', 'any'];
  const files = Math.max(1, Math.ceil(tenants / 100_000));
  const perFile = Math.ceil(tenants / files);
  const tenantFiles = Array.from({ length: files }, (_, f) =>
    Array.from({ length: Math.min(perFile, tenants - f * perFile) }, (_, i) => {
      const n = f * perFile + i;
      return aTenant({ id: `tenant-${n}`, residency: zones[n % 10 === 0 ? 2 : n % 2]!, weight: 1 });
    }),
  );
  const repo = await makeTempFleetRepo({ fleet: { ...fleet, routing: { shards } }, stamps: stampList, tenantFiles });
  try {
    console.log(`\n## ${tenants.toLocaleString('en')} tenants on ${stamps} stamps, ${shards} shards (${files} tenant file${files === 1 ? '' : 's'}, ${mib((await folderBytes(join(repo.root, 'tenants'))).bytes)})`);
    const place = cli(repo.root, ['tenants', 'place']);
    console.log(`tenants place             ${place.seconds.toFixed(1)} s, peak ${place.peakMb} MB (load ${place.load})`);
    const synth = cli(repo.root, ['synth', '--refresh-cache']);
    console.log(`synth from scratch        ${synth.seconds.toFixed(1)} s, peak ${synth.peakMb} MB (load ${synth.load})`);
    console.log(`place + synth             ${(place.seconds + synth.seconds).toFixed(1)} s, peak ${Math.max(place.peakMb, synth.peakMb)} MB   goal at 1M/400: < 10 s, < 1 GB`);
    for (const [name, dir] of [['table', 'table'], ['nginx map', 'nginx'], ['DNS', 'dns']] as const) {
      const size = await folderBytes(join(repo.root, ROUTING_DIR, dir));
      console.log(`${name.padEnd(25)} ${mib(size.bytes)} in ${size.files} files, largest ${(size.largest / 1024).toFixed(0)} KiB`);
    }
    const configMaps = await folderBytes(join(repo.root, 'rendered/global/routing'));
    console.log(`gateway ConfigMaps        ${mib(configMaps.bytes)} in ${configMaps.files} files, largest ${(configMaps.largest / 1024).toFixed(0)} KiB (budget ${MAX_SHARD_BYTES / 1024} KiB of table per shard)`);
    console.log(`nginx -t                  ${await nginxCheck(repo.root)}`);

    git(repo.root, ['init', '-q']);
    git(repo.root, ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', 'add', '-A']);
    git(repo.root, ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', 'commit', '-qm', 'fleet']);
    // One tenant changes: suspended, edited in its file as a pull request would.
    const file = join(repo.root, 'tenants/tenants-000.yaml');
    const text = await readFile(file, 'utf8');
    const found = text.indexOf('id: tenant-7\n');
    const at = text.lastIndexOf('\n  - ', found);
    const end = text.indexOf('\n  - ', found);
    const item = text.slice(at, end);
    if (!item.includes('status: active')) throw new Error(`tenant-7's item has no status to change:\n${item}`);
    await writeFile(file, text.slice(0, at) + item.replace('status: active', 'status: suspended') + text.slice(end));
    const change = cli(repo.root, ['synth']);
    const diff = git(repo.root, ['diff']);
    const changed = git(repo.root, ['diff', '--name-only']).trim().split('\n').filter(Boolean);
    console.log(`one-tenant change, synth  ${change.seconds.toFixed(1)} s, peak ${change.peakMb} MB (load ${change.load})   goal: < 2 s`);
    console.log(`  git diff                ${(Buffer.byteLength(diff) / 1024).toFixed(1)} KiB in ${changed.length} files   goal: < 1 MiB`);
    console.log(`  files changed           ${changed.join(', ')}`);
  } finally {
    await repo.cleanup();
  }
}

async function benchCheck(stampCount: number): Promise<void> {
  const { fleet, stamps } = aFleet(stampCount);
  const repo = await makeTempFleetRepo({ fleet, stamps, tenantFiles: [[aTenant({ id: 'only', stamp: stamps[0]!.metadata.name })]] });
  try {
    console.log(`\n## synth --check at ${stampCount} stamps, one stamp changed, cache warm`);
    const full = cli(repo.root, ['synth', '--refresh-cache']);
    console.log(`synth from scratch        ${full.seconds.toFixed(1)} s, peak ${full.peakMb} MB (load ${full.load})`);
    const path = join(repo.root, 'stamps', `${stamps[1]!.metadata.name}.yaml`);
    await writeFile(path, (await readFile(path, 'utf8')).replace(/capacity: \d+/, 'capacity: 77'));
    const check = cli(repo.root, ['synth', '--check']);
    console.log(`synth --check             ${check.seconds.toFixed(1)} s, peak ${check.peakMb} MB, exit ${check.status} (stale files found) (load ${check.load})   goal: < 1 s`);
  } finally {
    await repo.cleanup();
  }
}

console.log(`# bench:scale — Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
for (const [tenants, stamps] of SIZES) await benchSize(tenants, stamps);
if (CHECK_STAMPS > 0) await benchCheck(CHECK_STAMPS);
console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
