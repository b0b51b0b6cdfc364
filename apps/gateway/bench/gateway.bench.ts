// npm run bench:gateway — the gateway against nginx, with a table of 100,000 tenants.
// Both front the same loopback upstreams (an nginx answering a fixed JSON body, one port per
// stamp), are driven by autocannon at the same concurrency, one after the other, twice each.
// Then: a 100,000-tenant table reload under load, and the gateway's RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { renderNginxConfig } from '@stampyard/routing';
import { request } from 'undici';
import { DOMAIN, buildTable, startGateway, stop, swapFile, tempDir, tenantId } from '../test/harness.ts';

const TENANTS = 100_000;
const STAMPS = Array.from({ length: 10 }, (_, i) => `stamp-${String(i).padStart(2, '0')}`);
const CONNECTIONS = 64;
const DURATION_S = 8;
const ROUNDS = 3;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

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

function nginxMain(prefix: string, http: string): string {
  return [
    'worker_processes 1;',
    'daemon off;',
    'master_process on;',
    'user root;',
    `pid ${prefix}/nginx.pid;`,
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

async function drive(url: string, seconds: number, connections = CONNECTIONS): Promise<Figures> {
  // 2,000 distinct tenants, cycled; Host names the tenant for both nginx and the gateway.
  const requests = Array.from({ length: 2000 }, (_, n) => ({ method: 'GET' as const, path: '/api/orders', headers: { host: `${tenantId((n * 49) % TENANTS)}.${DOMAIN}` } }));
  const result = await autocannon({ url, connections, duration: seconds, requests });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const { dir, cleanup } = await tempDir('gw-bench');
const children: ChildProcess[] = [];
let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
try {
  // Upstreams: one nginx, one port per stamp, answering a fixed body.
  const upstreamPorts = await Promise.all(STAMPS.map(() => freePort()));
  const upstreamHttp = STAMPS.map(
    (s, i) => `    server { listen 127.0.0.1:${upstreamPorts[i]}; location / { default_type application/json; return 200 '{"stamp":"${s}","version":"1.0.0"}'; } }`,
  ).join('\n');
  children.push(await startNginx(dir, nginxMain(dir, upstreamHttp), upstreamPorts[0]!));

  const table = buildTable({ stamps: STAMPS, tenants: TENANTS });
  const tableFile = join(dir, 'table.json');
  await writeFile(tableFile, JSON.stringify(table));
  const upstreams = Object.fromEntries(STAMPS.map((s, i) => [s, `http://127.0.0.1:${upstreamPorts[i]}`]));
  await writeFile(join(dir, 'upstreams.json'), JSON.stringify(upstreams));

  // nginx as the router, from libs/routing's renderNginxConfig (map of tenant host → upstream).
  const nginxPort = await freePort();
  const rendered = renderNginxConfig(table, { scheme: 'http', listen: `127.0.0.1:${nginxPort}`, upstreams: Object.fromEntries(STAMPS.map((s, i) => [s, `127.0.0.1:${upstreamPorts[i]}`])) });
  await writeFile(join(dir, 'tenant-map.conf'), rendered.tenantMap);
  await writeFile(join(dir, 'stamps.conf'), rendered.stamps);
  const nginxStarted = performance.now();
  children.push(await startNginx(dir, nginxMain(dir, `    include ${dir}/tenant-map.conf;\n    include ${dir}/stamps.conf;`), nginxPort));
  const nginxStartMs = performance.now() - nginxStarted;

  const gatewayStarted = performance.now();
  gateway = await startGateway(dir, ['--table', tableFile, '--upstreams', join(dir, 'upstreams.json'), '--max-concurrent-per-stamp', '512']);
  const gatewayStartMs = performance.now() - gatewayStarted;
  const gatewayUrl = gateway.url;
  const nginxUrl = `http://127.0.0.1:${nginxPort}`;
  const probe = await request(`${gatewayUrl}/x`, { headers: { host: `${tenantId(7)}.${DOMAIN}` } });
  const probeBody = await probe.body.text();
  if (probe.statusCode !== 200 || !probeBody.includes('stamp-07')) throw new Error(`gateway probe failed: ${probe.statusCode} ${probeBody}`);

  console.log(`table: ${TENANTS.toLocaleString('en')} tenants, ${STAMPS.length} stamps; nginx up in ${nginxStartMs.toFixed(0)} ms, gateway ready in ${gatewayStartMs.toFixed(0)} ms (process start + table load)`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start (other work on the machine skews every figure)`);
  console.log(`load: autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} rounds alternating; nginx and the gateway each one worker/process; best round reported`);

  await drive(gatewayUrl, 2);
  await drive(nginxUrl, 2);
  const runs: { gateway: Figures[]; nginx: Figures[] } = { gateway: [], nginx: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.gateway.push(await drive(gatewayUrl, DURATION_S));
    runs.nginx.push(await drive(nginxUrl, DURATION_S));
  }
  const best = (figures: Figures[]): Figures => figures.reduce((a, b) => (b.rps > a.rps ? b : a));
  const g = best(runs.gateway);
  const n = best(runs.nginx);
  const row = (name: string, f: Figures) =>
    `${name.padEnd(8)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors}   non-2xx ${f.non2xx}`;
  console.log(row('gateway', g));
  console.log(row('nginx', n));
  for (const [name, figures] of Object.entries(runs)) console.log(`  ${name} rounds: ${figures.map((f) => `${f.rps.toFixed(0)} req/s p99 ${f.p99} ms`).join(', ')}`);
  const throughputRatio = g.rps / n.rps;
  const p99Ratio = g.p99 / Math.max(n.p99, 1);
  console.log(`ratio    throughput ${throughputRatio.toFixed(2)} × nginx (target ≥ 0.5)   p99 ${p99Ratio.toFixed(2)} × nginx (target ≤ 2; nginx p99 floored at 1 ms)`);

  // Reload: swap in a table moving 1,000 tenants, under load; time from the rename to the
  // first answer that carries the new revision, and count failed requests over the whole run.
  const moved = buildTable({ stamps: STAMPS, tenants: TENANTS, stampOf: (i) => STAMPS[(i < 1000 ? i + 1 : i) % STAMPS.length]! });
  const movedText = JSON.stringify(moved);
  const load = drive(gatewayUrl, 6, 16);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const swapped = performance.now();
  const swappedAt = Date.now();
  await swapFile(tableFile, movedText);
  const renamed = performance.now();
  const renamedMs = renamed - swapped;
  let reloadMs = Number.NaN;
  let movedTo = '';
  for (let tries = 0; tries < 100_000; tries++) {
    const res = await request(`${gatewayUrl}/x`, { headers: { host: `${tenantId(0)}.${DOMAIN}` } });
    const text = await res.body.text();
    if (res.headers['x-stampyard-revision'] === moved.revision) {
      // From the moment the new table is in place: writing 5 MB is the writer's time, not the gateway's.
      reloadMs = performance.now() - renamed;
      movedTo = String(res.headers['x-stampyard-stamp']);
      break;
    }
    if (performance.now() - swapped > 10_000) throw new Error(`the new revision never showed up: ${text}`);
  }
  const during = await load;
  const loadedLines = gateway.output.join('').split('\n').filter((line) => line.includes('"msg":"table loaded"'));
  const loadedLine = JSON.parse(loadedLines.at(-1) ?? '{}') as { ms?: number; time?: number };
  const inGatewayMs = loadedLine.ms;
  const loadedAtMs = (loadedLine.time ?? Number.NaN) - swappedAt;
  const rss = await rssMb(gateway.child.pid!);
  const readyz = (await (await request(`${gatewayUrl}/.well-known/stampyard/readyz`)).body.json()) as { revision: string; tenants: number };
  console.log(
    `reload   ${TENANTS.toLocaleString('en')}-tenant table served ${reloadMs.toFixed(0)} ms after the rename (target < 300 ms), timeline: file written and renamed +${renamedMs.toFixed(0)} ms, gateway swapped it in +${loadedAtMs} ms (read+validate+prepare ${inGatewayMs} ms); tenant t000000 now on ${movedTo}; ` +
      `during the reload run: ${during.rps.toFixed(0)} req/s, errors ${during.errors}, non-2xx ${during.non2xx} (target 0)`,
  );
  console.log(`rss      gateway ${rss.toFixed(0)} MB with the ${readyz.tenants.toLocaleString('en')}-tenant table loaded (target < 300 MB)`);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `targets  throughput ${verdict(throughputRatio >= 0.5)}, p99 ${verdict(p99Ratio <= 2)}, reload ${verdict(reloadMs < 300 && during.errors + during.non2xx === 0)}, rss ${verdict(rss < 300)}`,
  );
} finally {
  await stop(gateway);
  for (const child of children) {
    child.kill('SIGQUIT');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
  await cleanup();
}
