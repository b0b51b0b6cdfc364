// The admin port: endpoints for the platform, never for tenants (not routed by the gateway).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StampAppConfig } from './config.ts';
import { createUsageCounters, handleUsageRequest, type UsageCounters } from './usage.ts';

/** Builds the admin server; the caller listens. Today it serves /usage; anything else is 404. */
export function createAdminServer(counters: UsageCounters, now: () => number = Date.now): Server {
  return createServer((req, res) => {
    if (handleUsageRequest(req, res, counters, now)) return;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found; the admin port serves /usage' }));
  });
}

/** Starts the admin server when the config asks for one; `listening` resolves with its port. */
export function listenAdmin(config: StampAppConfig, now: () => number = Date.now): { counters: UsageCounters; server: Server; listening: Promise<number> } | undefined {
  if (config.adminPort === undefined) return undefined;
  const counters = createUsageCounters({ stamp: config.stamp, version: config.version, periodSeconds: config.usagePeriodSeconds, startedAt: now() });
  const server = createAdminServer(counters, now);
  const listening = new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.adminPort, config.host, () => resolve((server.address() as AddressInfo).port));
  });
  return { counters, server, listening };
}
