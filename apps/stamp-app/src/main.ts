// The stamp app's entry: parse config, listen, print one startup line, stop on SIGTERM.
import type { AddressInfo } from 'node:net';
import { STAMP_APP_USAGE, parseStampAppConfig } from './config.ts';
import { createStampApp } from './server.ts';
import { listenAdmin } from './admin.ts';

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
  const admin = listenAdmin(config);
  const server = createStampApp(config, admin?.counters);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    io.stderr(`stampyard-stamp-app: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`);
    admin?.server.close();
    return 1;
  }
  const adminPort = admin ? await admin.listening.catch((error: Error) => error) : undefined;
  if (adminPort instanceof Error) {
    io.stderr(`stampyard-stamp-app: cannot listen on ${config.host}:${config.adminPort}: ${adminPort.message}\n`);
    server.close();
    return 1;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  io.stdout(`${JSON.stringify({ msg: 'listening', stamp: config.stamp, version: config.version, host: config.host, port, url: `http://${host}:${port}`, ...(adminPort === undefined ? {} : { adminPort, adminUrl: `http://${host}:${adminPort}` }) })}\n`);
  return await new Promise<number>((resolve) => {
    const stop = (): void => {
      admin?.server.close();
      admin?.server.closeAllConnections();
      server.close(() => resolve(0));
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
