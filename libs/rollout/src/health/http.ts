// Health from each stamp's own endpoint: GET <base>/healthz → { "version", "ready" }.
import { stampHost, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import type { HealthReport, StampHealth } from './report.ts';
import { mapLimit, sortRecord } from '../private/map-limit.ts';

export interface HttpHealthOptions {
  readonly spec: FleetSpec;
  readonly stamps: readonly Stamp[];
  /** Base URL per stamp name, overriding `https://<stamp host>`. @default {} */
  readonly baseUrls?: Readonly<Record<string, string>>;
  /** Path of the health endpoint. @default '/healthz' */
  readonly path?: string;
  /** Per-request timeout. @default 5000 */
  readonly timeoutMs?: number;
  /** Requests at once. @default 16 */
  readonly concurrency?: number;
}

/** The health URL of a stamp. */
export function healthUrl(options: Pick<HttpHealthOptions, 'spec' | 'baseUrls' | 'path'>, stamp: Stamp): string {
  const own =
    options.baseUrls !== undefined && Object.hasOwn(options.baseUrls, stamp.metadata.name)
      ? options.baseUrls[stamp.metadata.name]
      : undefined;
  const base = own ?? `https://${stampHost(options.spec, stamp)}`;
  return `${base.replace(/\/+$/, '')}${options.path ?? '/healthz'}`;
}

/** GETs every stamp's health endpoint. An unreachable stamp, a timeout or an unreadable answer is unknown. */
export async function httpHealth(options: HttpHealthOptions): Promise<HealthReport> {
  const stamps: Record<string, StampHealth> = {};
  const unknown: Record<string, string> = {};
  await mapLimit(options.stamps, options.concurrency ?? 16, async (stamp) => {
    const name = stamp.metadata.name;
    const url = healthUrl(options, stamp);
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        headers: { accept: 'application/json' },
      });
      const text = await response.text();
      let body: { ready?: unknown; version?: unknown } | undefined;
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = undefined;
      }
      if (typeof body?.ready !== 'boolean') {
        unknown[name] = `${url} answered HTTP ${response.status} without { "ready", "version" }`;
        return;
      }
      const ready = body.ready && response.ok;
      stamps[name] = {
        ready,
        ...(typeof body.version === 'string' ? { version: body.version } : {}),
        ...(ready ? {} : { detail: `${url} answered HTTP ${response.status}, ready ${String(body.ready)}` }),
      };
    } catch (error) {
      const cause =
        (error as Error).name === 'TimeoutError' ? 'timed out' : ((error as { cause?: Error }).cause?.message ?? (error as Error).message);
      unknown[name] = `${url} unreachable: ${cause}`;
    }
  });
  return { source: 'http', stamps: sortRecord(stamps), unknown: sortRecord(unknown) };
}
