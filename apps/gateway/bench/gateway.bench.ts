// npm run bench:gateway — the gateway against nginx, both driven by wrk (C, not Node: a Node load
// generator takes CPU from the proxy under test), with a table of 100,000 tenants on 40 stamps.
// Both front the same loopback upstreams (one nginx answering a fixed JSON body, one port per
// stamp). wrk's Lua request() picks a random Host among 20,000 tenants per request.
// Figures: throughput and p99 against nginx with one worker each (rounds alternate), a
// 100,000-tenant table change under load, RSS, and scaling to 2 gateway workers beside nginx
// with `worker_processes auto`. The load average is printed with every figure.
// BENCH_CPU_PROF=<dir> runs the gateway under `node --cpu-prof` and prints its hottest functions.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { renderNginxConfig } from '@stampyard/routing';
import { request } from 'undici';
import { DOMAIN, buildTable, startGateway, stop, swapFile, tempDir, tenantId, type RunningGateway } from '../test/harness.ts';

const TENANTS = 100_000;
const SPREAD = 20_000;
const STAMPS = Array.from({ length: 40 }, (_, i) => `stamp-${String(i).padStart(2, '0')}`);
const CONNECTIONS = 64;
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 8);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const CPU_PROF = process.env['BENCH_CPU_PROF'];

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  load: string;
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await request(`http://127.0.0.1:${port}/`).then(
      async (res) => (await res.body.dump(), true),
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing listens on ${port}`);
}

function nginxMain(prefix: string, workers: string, http: string): string {
  return [
    `worker_processes ${workers};`,
    'daemon off;',
    'master_process on;',
    'user root;',
    `pid ${prefix}/nginx-${Math.random().toString(36).slice(2)}.pid;`,
    'error_log stderr warn;',
    'events { worker_connections 4096; }',
    'http {',
    '    access_log off;',
    '    keepalive_requests 1000000;',
    `    client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;`,
    http,
    '}',
    '',
  ].join('\n');
}

async function startNginx(prefix: string, conf: string, port: number): Promise<ChildProcess> {
  const file = join(prefix, `${port}.conf`);
  await writeFile(file, conf);
  const child = spawn('nginx', ['-p', prefix, '-c', file, '-e', 'stderr'], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForPort(port, child);
  return child;
}

async function stopNginx(child: ChildProcess): Promise<void> {
  child.kill('SIGQUIT');
  await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
}

/** wrk's duration text (`1.23ms`, `850.00us`, `1.02s`) in ms. */
function ms(text: string): number {
  const match = /([\d.]+)(us|ms|s|m)/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 'ms' ? value : match[2] === 's' ? value * 1000 : value * 60_000;
}

async function drive(script: string, url: string, seconds: number, connections = CONNECTIONS): Promise<Figures> {
  const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${out}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50: ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99: ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    load: load(),
  };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const row = (name: string, f: Figures): string =>
  `${name.padEnd(18)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${f.p50.toFixed(2).padStart(6)} ms   p99 ${f.p99.toFixed(2).padStart(6)} ms   errors ${f.errors}   non-2xx ${f.non2xx}   (load ${f.load})`;

/** The hottest functions of a V8 CPU profile, by self time. */
async function summarizeProfile(dir: string): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
      samples: number[];
    };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    for (const id of profile.samples) {
      const frame = byId.get(id)!.callFrame;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/apps\//, 'apps/')}:${frame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + 1);
    }
    console.log(`cpu profile ${file}: top self time (${profile.samples.length} samples)`);
    for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
      console.log(`  ${((100 * n) / profile.samples.length).toFixed(1).padStart(5)}%  ${key}`);
  }
}

const { dir, cleanup } = await tempDir('gw-bench');
const children: ChildProcess[] = [];
let gateway: RunningGateway | undefined;
try {
  // Upstreams: one nginx, one port per stamp, answering a fixed body.
  const upstreamPorts = await Promise.all(STAMPS.map(() => freePort()));
  const upstreamHttp = STAMPS.map(
    (s, i) =>
      `    server { listen 127.0.0.1:${upstreamPorts[i]}; location / { default_type application/json; return 200 '{"stamp":"${s}","version":"1.0.0"}'; } }`,
  ).join('\n');
  children.push(await startNginx(dir, nginxMain(dir, '1', upstreamHttp), upstreamPorts[0]!));

  const table = buildTable({ stamps: STAMPS, tenants: TENANTS });
  const tableFile = join(dir, 'table.json');
  await writeFile(tableFile, JSON.stringify(table));
  await writeFile(
    join(dir, 'upstreams.json'),
    JSON.stringify(Object.fromEntries(STAMPS.map((s, i) => [s, `http://127.0.0.1:${upstreamPorts[i]}`]))),
  );

  const script = join(dir, 'tenants.lua');
  await writeFile(
    script,
    [
      'local hosts = {}',
      `for i = 0, ${SPREAD - 1} do hosts[#hosts + 1] = string.format("t%06d.${DOMAIN}", (i * ${Math.floor(TENANTS / SPREAD)}) % ${TENANTS}) end`,
      'math.randomseed(os.time())',
      'request = function() return wrk.format("GET", "/api/orders", { ["Host"] = hosts[math.random(#hosts)] }) end',
      '',
    ].join('\n'),
  );

  // nginx as the router, from libs/routing's renderNginxConfig (map of tenant host → upstream).
  const rendered = renderNginxConfig(table, {
    scheme: 'http',
    listen: '127.0.0.1:PORT',
    upstreams: Object.fromEntries(STAMPS.map((s, i) => [s, `127.0.0.1:${upstreamPorts[i]}`])),
  });
  await writeFile(join(dir, 'tenant-map.conf'), rendered.tenantMap);
  const nginxRouter = async (workers: string): Promise<{ child: ChildProcess; url: string }> => {
    const port = await freePort();
    await writeFile(join(dir, `stamps-${port}.conf`), rendered.stamps.replace('127.0.0.1:PORT', `127.0.0.1:${port}`));
    const child = await startNginx(
      dir,
      nginxMain(dir, workers, `    include ${dir}/tenant-map.conf;\n    include ${dir}/stamps-${port}.conf;`),
      port,
    );
    return { child, url: `http://127.0.0.1:${port}` };
  };
  const gatewayArgs = [
    '--table',
    tableFile,
    '--upstreams',
    join(dir, 'upstreams.json'),
    '--max-concurrent-per-stamp',
    '512',
    '--max-concurrent-per-client',
    '1024',
    '--log-level',
    'warn',
  ];
  const nodeArgs = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];

  const nginxStarted = performance.now();
  const nginx = await nginxRouter('1');
  children.push(nginx.child);
  const nginxStartMs = performance.now() - nginxStarted;
  const gatewayStarted = performance.now();
  gateway = await startGateway(dir, gatewayArgs, 'ready', nodeArgs);
  const gatewayStartMs = performance.now() - gatewayStarted;
  const probe = await request(`${gateway.url}/x`, { headers: { host: `${tenantId(7)}.${DOMAIN}` } });
  const probeBody = await probe.body.text();
  if (probe.statusCode !== 200 || !probeBody.includes('stamp-07'))
    throw new Error(`gateway probe failed: ${probe.statusCode} ${probeBody}`);

  console.log(
    `table: ${TENANTS.toLocaleString('en')} tenants on ${STAMPS.length} stamps, requests spread over ${SPREAD.toLocaleString('en')} tenants by Host; nginx up in ${nginxStartMs.toFixed(0)} ms, gateway ready in ${gatewayStartMs.toFixed(0)} ms`,
  );
  console.log(
    `machine: ${cpus().length} cores, load average ${load()} at start (other work on the machine skews every figure; compare the ratios, measured in one run)`,
  );
  console.log(
    `load: wrk 1 thread, ${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} rounds alternating; median round reported`,
  );

  await drive(script, gateway.url, 2);
  await drive(script, nginx.url, 2);
  const runs: { gateway: Figures[]; nginx: Figures[] } = { gateway: [], nginx: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.gateway.push(await drive(script, gateway.url, DURATION_S));
    runs.nginx.push(await drive(script, nginx.url, DURATION_S));
  }
  const pick = (figures: Figures[]): Figures => {
    const rps = median(figures.map((f) => f.rps));
    return figures.find((f) => f.rps === rps)!;
  };
  const g = pick(runs.gateway);
  const n = pick(runs.nginx);
  console.log(row('gateway 1 worker', g));
  console.log(row('nginx 1 worker', n));
  for (const [name, figures] of Object.entries(runs))
    console.log(`  ${name} rounds: ${figures.map((f) => `${f.rps.toFixed(0)} req/s p99 ${f.p99.toFixed(2)} ms`).join(', ')}`);
  const throughputRatio = g.rps / n.rps;
  const p99Ratio = g.p99 / n.p99;
  console.log(
    `ratio              throughput ${throughputRatio.toFixed(2)} × nginx (target ≥ 0.6)   p99 ${p99Ratio.toFixed(2)} × nginx (target ≤ 2)`,
  );

  // Reload: swap in a table moving 1,000 tenants, under load; time from the rename to the first
  // answer that carries the new revision; every failed request of the whole run is counted.
  const moved = buildTable({ stamps: STAMPS, tenants: TENANTS, stampOf: (i) => STAMPS[(i < 1000 ? i + 1 : i) % STAMPS.length]! });
  const movedText = JSON.stringify(moved);
  const during = drive(script, gateway.url, 6, 16);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const swapped = performance.now();
  const swappedAt = Date.now();
  await swapFile(tableFile, movedText);
  const renamed = performance.now();
  let reloadMs = Number.NaN;
  let movedTo = '';
  for (;;) {
    const res = await request(`${gateway.url}/x`, { headers: { host: `${tenantId(0)}.${DOMAIN}` } });
    const text = await res.body.text();
    if (res.headers['x-stampyard-revision'] === moved.revision) {
      // From the moment the new table is in place: writing 5 MB is the writer's time, not the gateway's.
      reloadMs = performance.now() - renamed;
      movedTo = String(res.headers['x-stampyard-stamp']);
      break;
    }
    if (performance.now() - swapped > 10_000) throw new Error(`the new revision never showed up: ${text}`);
  }
  const reloadLoad = load();
  const reloadRun = await during;
  const loaded = (await (await request(`${gateway.adminUrl}/metrics`)).body.text()).includes(moved.revision);
  const rss = await rssMb(gateway.child.pid!);
  console.log(
    `reload             ${TENANTS.toLocaleString('en')}-tenant table served ${reloadMs.toFixed(0)} ms after the rename (target < 250 ms; rename itself +${(renamed - swapped).toFixed(0)} ms, at ${new Date(swappedAt).toISOString()}); tenant t000000 now on ${movedTo}; ` +
      `during the run: ${reloadRun.rps.toFixed(0)} req/s, errors ${reloadRun.errors}, non-2xx ${reloadRun.non2xx} (target 0); metrics show the new revision: ${loaded} (load ${reloadLoad})`,
  );
  console.log(
    `rss                gateway ${rss.toFixed(0)} MB with the ${TENANTS.toLocaleString('en')}-tenant table loaded, after the reload (target < 250 MB) (load ${load()})`,
  );
  await stop(gateway);
  gateway = undefined;
  if (CPU_PROF) await summarizeProfile(CPU_PROF);

  // Scaling: 2 gateway workers, and nginx with worker_processes auto, one run each.
  gateway = await startGateway(dir, [...gatewayArgs, '--workers', '2']);
  const nginxAuto = await nginxRouter('auto');
  children.push(nginxAuto.child);
  await drive(script, gateway.url, 2);
  const g2 = await drive(script, gateway.url, DURATION_S);
  const nAuto = await drive(script, nginxAuto.url, DURATION_S);
  console.log(row('gateway 2 workers', g2));
  console.log(row('nginx auto', nAuto));
  console.log(
    `scaling            gateway 1 → 2 workers: ${(g2.rps / g.rps).toFixed(2)}× throughput; 2 workers at ${(g2.rps / nAuto.rps).toFixed(2)} × nginx auto (${cpus().length} cores shared with wrk and the upstream nginx)`,
  );

  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `targets            throughput ${verdict(throughputRatio >= 0.6)}, p99 ${verdict(p99Ratio <= 2)}, reload ${verdict(reloadMs < 250 && reloadRun.errors + reloadRun.non2xx === 0)}, rss ${verdict(rss < 250)}`,
  );
} finally {
  await stop(gateway);
  for (const child of children) await stopNginx(child);
  await cleanup();
}
