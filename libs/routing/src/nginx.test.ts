// Runs the real nginx (Debian's) with the generated files, in front of loopback
// servers standing in for stamps.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import { createServer as createNetServer, connect } from 'node:net';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aStamp, aTenant, bigFleet, fleetOf } from './private/fixtures.ts';
import { buildRoutingTable } from './build.ts';
import { renderNginxConfig, type NginxOptions } from './nginx.ts';
import type { RoutingTable } from './table.ts';

const hasNginx = spawnSync('nginx', ['-v']).status === 0;
if (!hasNginx && process.env['CI']) {
  // CI's .ci/run installs nginx: its absence there is a broken setup, never a pass.
  throw new Error('nginx is not installed, but CI must run the nginx routing tests; install it with `apt-get install -y nginx`');
}
if (!hasNginx) {
  console.warn(
    '\n!!! nginx is not installed: SKIPPING the nginx routing tests. Install it with `apt-get install -y nginx` (CI does). !!!\n',
  );
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An nginx prefix folder holding a config that includes the generated files. */
async function nginxPrefix(table: RoutingTable, options: NginxOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stampyard-nginx-'));
  const files = renderNginxConfig(table, options);
  await writeFile(join(dir, 'tenant-map.conf'), files.tenantMap);
  await writeFile(join(dir, 'stamps.conf'), files.stamps);
  for (const temp of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, temp));
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  await writeFile(
    join(dir, 'nginx.conf'),
    `${user}worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\ndaemon off;\nevents { worker_connections 64; }\nhttp {\n` +
      `  access_log off;\n  client_body_temp_path ${dir}/client;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n` +
      `  include ${dir}/tenant-map.conf;\n  include ${dir}/stamps.conf;\n}\n`,
  );
  return dir;
}

function nginxTest(dir: string) {
  const run = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
  return { status: run.status, output: run.stderr };
}

function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/hello', headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!hasNginx)('nginx with the generated map and server', () => {
  const stamps = [
    aStamp({ name: 'stamp-eu-1', region: 'westeurope', cidr: '10.1.0.0/16' }),
    aStamp({ name: 'stamp-eu-2', region: 'northeurope', cidr: '10.2.0.0/16' }),
    aStamp({ name: 'stamp-us-1', region: 'eastus', cidr: '10.3.0.0/16' }),
  ];
  const table = buildRoutingTable(
    fleetOf(stamps, [
      [
        aTenant({ id: 'alpha', stamp: 'stamp-eu-1' }),
        aTenant({ id: 'beta', stamp: 'stamp-eu-2' }),
        aTenant({ id: 'gamma', residency: 'us', stamp: 'stamp-us-1' }),
        aTenant({ id: 'delta', residency: 'any', stamp: 'stamp-us-1' }),
        aTenant({ id: 'paused', stamp: 'stamp-eu-1', status: 'suspended' }),
      ],
    ]),
  );
  const servers: Server[] = [];
  const upstreams: Record<string, string> = {};
  let nginx: ChildProcess | undefined;
  let port = 0;
  let dir = '';

  beforeAll(async () => {
    for (const name of Object.keys(table.stamps)) {
      const server = createServer((req, res) => res.end(`stamp=${name} host=${req.headers.host}`));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      upstreams[name] = `127.0.0.1:${(server.address() as { port: number }).port}`;
    }
    port = await freePort();
    dir = await nginxPrefix(table, { upstreams, scheme: 'http', listen: `127.0.0.1:${port}` });
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (let i = 0; i < 200; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) return;
      if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('nginx did not start listening');
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes nginx -t', () => {
    const { status, output } = nginxTest(dir);
    expect(output).toContain('test is successful');
    expect(output).not.toContain('[warn]');
    expect(status).toBe(0);
  });

  it('sends each tenant to its own stamp, keeping the tenant host', async () => {
    for (const [id, tenant] of Object.entries(table.tenants)) {
      if (tenant.status !== 'active') continue;
      const host = `${id}.${table.domain}`;
      expect(await get(port, host)).toEqual({ status: 200, body: `stamp=${tenant.stamp} host=${host}` });
    }
  });

  it('answers 404 for an unknown tenant and 403 for a suspended one, never a default stamp', async () => {
    expect(await get(port, `nobody.${table.domain}`)).toEqual({ status: 404, body: 'unknown tenant\n' });
    expect(await get(port, 'stamp-eu-1.example.org')).toMatchObject({ status: 404 });
    expect(await get(port, `paused.${table.domain}`)).toEqual({ status: 403, body: 'tenant suspended\n' });
  });

  it('loads a 100,000-tenant map without warnings', async () => {
    const big = buildRoutingTable(bigFleet(500, 100_000));
    const upstreamsBig = Object.fromEntries(Object.keys(big.stamps).map((name) => [name, '127.0.0.1:9']));
    const bigDir = await nginxPrefix(big, { upstreams: upstreamsBig, scheme: 'http', listen: `127.0.0.1:${await freePort()}` });
    try {
      const { status, output } = nginxTest(bigDir);
      expect(output).not.toContain('[warn]');
      expect(status).toBe(0);
    } finally {
      await rm(bigDir, { recursive: true, force: true });
    }
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl && process.env['CI'])
  throw new Error('openssl is not installed, but CI must run the nginx TLS test; install it with `apt-get install -y openssl`');

/** Runs openssl in `dir`, throwing its stderr on failure. */
function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.stderr}`);
}

/** A throwaway CA, and certificates it signs for the given host names (plus one signed by nobody). */
async function certificates(dir: string, hosts: Record<string, string>): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=stampyard test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  for (const [name, host] of Object.entries(hosts)) {
    await writeFile(join(dir, `${name}.ext`), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${host}`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ]);
  }
}

describe.skipIf(!hasNginx || !hasOpenssl)("nginx verifies each stamp's certificate for the stamp's host", () => {
  // Three stamps, each served by a loopback TLS server: one with a certificate for its own host,
  // one with a certificate from the same CA for another stamp's host, one self-signed for its host.
  const stamps = [
    aStamp({ name: 'stamp-eu-1', region: 'westeurope', cidr: '10.1.0.0/16' }),
    aStamp({ name: 'stamp-eu-2', region: 'northeurope', cidr: '10.2.0.0/16' }),
    aStamp({ name: 'stamp-us-1', region: 'eastus', cidr: '10.3.0.0/16' }),
  ];
  const table = buildRoutingTable(
    fleetOf(stamps, [
      [
        aTenant({ id: 'right', stamp: 'stamp-eu-1' }),
        aTenant({ id: 'wrong', stamp: 'stamp-eu-2' }),
        aTenant({ id: 'untrusted', residency: 'us', stamp: 'stamp-us-1' }),
      ],
    ]),
  );
  const host = (stamp: string) => new URL(table.stamps[stamp]!.endpoint).hostname;
  const servers: TlsServer[] = [];
  let nginx: ChildProcess | undefined;
  let port = 0;
  let dir = '';
  let stderr = '';

  beforeAll(async () => {
    const certs = await mkdtemp(join(tmpdir(), 'stampyard-tls-'));
    await certificates(certs, { right: host('stamp-eu-1'), wrong: host('stamp-eu-1') });
    // stamp-eu-2 presents stamp-eu-1's certificate: valid, trusted, for the wrong host.
    const selfSigned = [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'self.key',
      '-out',
      'self.crt',
      '-days',
      '1',
      '-subj',
      `/CN=${host('stamp-us-1')}`,
      '-addext',
      `subjectAltName=DNS:${host('stamp-us-1')}`,
    ];
    openssl(certs, selfSigned);
    const served: Record<string, string> = { 'stamp-eu-1': 'right', 'stamp-eu-2': 'wrong', 'stamp-us-1': 'self' };
    const upstreams: Record<string, string> = {};
    for (const [stamp, cert] of Object.entries(served)) {
      const server = createTlsServer(
        { key: await readFile(join(certs, `${cert}.key`)), cert: await readFile(join(certs, `${cert}.crt`)) },
        (req, res) => res.end(`stamp=${stamp} sni=${String((req.socket as { servername?: unknown }).servername)}`),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      upstreams[stamp] = `127.0.0.1:${(server.address() as { port: number }).port}`;
    }
    port = await freePort();
    dir = await nginxPrefix(table, { upstreams, scheme: 'https', listen: `127.0.0.1:${port}`, trustedCaFile: join(certs, 'ca.crt') });
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    for (let i = 0; i < 200; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) return;
      if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('nginx did not start listening');
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx!.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("renders SNI and verification with the stamp's host, not the upstream name", () => {
    const { stamps: conf } = renderNginxConfig(table, { trustedCaFile: '/etc/stampyard/ca.crt' });
    expect(conf).toContain('proxy_ssl_server_name on;');
    expect(conf).toContain('proxy_ssl_name $stampyard_stamp_host;');
    expect(conf).toContain('proxy_ssl_verify on;');
    expect(conf).toContain('proxy_ssl_trusted_certificate /etc/stampyard/ca.crt;');
    expect(conf).toContain(`    stamp-eu-1 ${host('stamp-eu-1')};`);
    expect(renderNginxConfig(table).stamps).toContain('proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;');
  });

  it('accepts a stamp whose certificate is for its host and chains to the trusted CA, sending that host as SNI', async () => {
    expect(await get(port, `right.${table.domain}`)).toEqual({ status: 200, body: `stamp=stamp-eu-1 sni=${host('stamp-eu-1')}` });
  });

  it('refuses a trusted certificate for another host', async () => {
    expect(await get(port, `wrong.${table.domain}`)).toMatchObject({ status: 502 });
    expect(stderr + (await readFile(join(dir, 'error.log'), 'utf8'))).toMatch(/upstream SSL certificate does not match "stamp-eu-2\./);
  });

  it('refuses a certificate for the right host that no trusted CA signed', async () => {
    expect(await get(port, `untrusted.${table.domain}`)).toMatchObject({ status: 502 });
    expect(await readFile(join(dir, 'error.log'), 'utf8')).toMatch(/upstream SSL certificate verify error/);
  });
});
