// The stamp app's entry: parse config, listen, print one startup line, stop on SIGTERM.
import type { AddressInfo } from 'node:net';
import { STAMP_APP_USAGE, parseStampAppConfig } from './config.ts';
import { createStampApp, type StampTenancy } from './server.ts';
import { createStampAppMetrics, listenAdmin, metricsAdminHandler, type AdminListener } from './metrics.ts';
import { createUsageCounters, usageAdminHandler } from './usage.ts';
import { TenantListFile } from './tenancy.ts';
import { WriteLog, migrationAdminHandler } from './write-log.ts';

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
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  io: StampAppIo = processIo,
): Promise<number> {
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
      io.stderr(
        `stampyard-stamp-app: cannot read the tenant list: ${(error as Error).message}; mount the stamp's stampyard-tenant-list ConfigMap or fix --tenant-list\n`,
      );
      return 1;
    }
  }
  const metrics = createStampAppMetrics(config);
  const usage =
    config.adminPort === undefined
      ? undefined
      : createUsageCounters({
          stamp: config.stamp,
          version: config.version,
          periodSeconds: config.usagePeriodSeconds,
          startedAt: Date.now(),
        });
  const server = createStampApp(config, metrics, usage, tenancy);
  let admin: AdminListener | undefined;
  let listening = `${config.host}:${config.port}`;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    listening = `${config.host}:${config.adminPort} (admin)`;
    if (config.adminPort !== undefined) {
      // One admin listener: metrics, usage and the migration routes (export, import, copy status, write logs, cleanup).
      admin = await listenAdmin(config.adminPort, config.host, [
        metricsAdminHandler(metrics),
        ...(usage ? [usageAdminHandler(usage)] : []),
        migrationAdminHandler(log, tenancy?.lists),
      ]);
    }
  } catch (error) {
    server.close();
    io.stderr(`stampyard-stamp-app: cannot listen on ${listening}: ${(error as Error).message}\n`);
    return 1;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const extra = {
    ...(admin ? { adminPort: admin.port, adminUrl: `http://${host}:${admin.port}` } : {}),
    ...(tenancy ? { tenantListRevision: tenancy.lists.current().revision } : {}),
  };
  // Handle SIGTERM before saying we listen: a supervisor may stop us the moment it reads the line,
  // and a signal that arrives before the handler kills the process instead of stopping it.
  const stopped = new Promise<number>((resolve) => {
    const stop = (): void => {
      admin?.server.close();
      admin?.server.closeAllConnections();
      server.close(() => resolve(0));
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  io.stdout(
    `${JSON.stringify({ msg: 'listening', stamp: config.stamp, version: config.version, host: config.host, port, url: `http://${host}:${port}`, ...extra })}\n`,
  );
  return await stopped;
}
