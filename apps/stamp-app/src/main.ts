// The stamp app's entry: parse config, listen, print one startup line, stop on SIGTERM.
import type { AddressInfo } from 'node:net';
import { STAMP_APP_USAGE, parseStampAppConfig } from './config.ts';
import type { Server } from 'node:http';
import { createStampApp, type StampTenancy } from './server.ts';
import { TenantListFile } from './tenancy.ts';
import { WriteLog, createAdminServer, migrationAdminHandler } from './write-log.ts';

/** Writes where main reports; tests pass their own. */
export interface StampAppIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: StampAppIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/**
 * Starts the app. Resolves with the exit code once it has stopped (SIGTERM/SIGINT → 0),
 * or right away on a usage error (2) or a listen failure (1).
 * Startup line on stdout (one JSON line): {"msg":"listening","stamp":…,"version":…,"host":…,"port":…,"url":…}
 * With an admin port it also carries "adminPort" and "adminUrl"; with a tenant list, "tenantListRevision".
 */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, io: StampAppIo = processIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${STAMP_APP_USAGE}\n`);
    return 0;
  }
  const parsed = parseStampAppConfig(argv, env);
  if (!parsed.ok) {
    io.stderr(`stampyard-stamp-app: ${parsed.error}\n\n${STAMP_APP_USAGE}\n`);
    return 2;
  }
  const { config } = parsed;
  let tenancy: StampTenancy | undefined;
  const log = new WriteLog(config.stamp);
  if (config.tenantList !== undefined) {
    try {
      tenancy = { lists: new TenantListFile(config.tenantList, config.stamp, (m) => io.stderr(`stampyard-stamp-app: ${m}\n`)), log };
    } catch (error) {
      io.stderr(`stampyard-stamp-app: cannot read the tenant list: ${(error as Error).message}; mount the stamp's stampyard-tenant-list ConfigMap or fix --tenant-list\n`);
      return 1;
    }
  }
  const server = createStampApp(config, tenancy);
  let admin: Server | undefined;
  let listening = `${config.host}:${config.port}`;
  try {
    await listen(server, config.port, config.host);
    if (config.adminPort !== undefined) {
      listening = `${config.host}:${config.adminPort} (admin)`;
      admin = createAdminServer([migrationAdminHandler(log, tenancy?.lists)]);
      await listen(admin, config.adminPort, config.host);
    }
  } catch (error) {
    server.close();
    io.stderr(`stampyard-stamp-app: cannot listen on ${listening}: ${(error as Error).message}\n`);
    return 1;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const adminPort = admin ? (admin.address() as AddressInfo).port : undefined;
  const extra = {
    ...(adminPort !== undefined ? { adminPort, adminUrl: `http://${host}:${adminPort}` } : {}),
    ...(tenancy ? { tenantListRevision: tenancy.lists.current().revision } : {}),
  };
  // Handle SIGTERM before saying we listen: a supervisor may stop us the moment it reads the line.
  const stopped = new Promise<number>((resolve) => {
    const stop = (): void => {
      admin?.close();
      admin?.closeAllConnections();
      server.close(() => resolve(0));
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  io.stdout(`${JSON.stringify({ msg: 'listening', stamp: config.stamp, version: config.version, host: config.host, port, url: `http://${host}:${port}`, ...extra })}\n`);
  return await stopped;
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
