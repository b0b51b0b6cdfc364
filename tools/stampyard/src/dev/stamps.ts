// One stamp-app process per stamp, kept at the version each stamp file declares:
// the local stand-in for Flux applying rendered/ to each stamp's cluster.
import type { ScrapeTarget } from '@stampyard/rollout';
import { adminPortFromStartupLine, stampAppSpec } from './apps.ts';
import { httpGet, jsonObject, LOOPBACK } from './http.ts';
import type { RunningProcess, Supervisor } from './supervisor.ts';

/** What a stamp should run. */
export interface DesiredStamp {
  readonly version: string;
  /** Start it with `--unhealthy`. @default false */
  readonly unhealthy?: boolean;
  /** Start it with `--error-percent`: the percentage of requests it answers 500. @default 0 */
  readonly errorPercent?: number;
}

interface RunningStamp {
  readonly process: RunningProcess;
  readonly version: string;
  readonly unhealthy: boolean;
  readonly errorPercent: number;
}

/** What `/healthz` of a stamp-app says. */
export interface ObservedStamp {
  readonly status: number;
  readonly version?: string;
  readonly ready?: boolean;
}

export class LocalStamps {
  private readonly running = new Map<string, RunningStamp>();
  /** Each stamp keeps its first port across restarts, so the gateway's upstreams stay valid. */
  private readonly ports = new Map<string, number>();
  /** And its first admin (metrics) port, so Prometheus keeps scraping the same address. */
  private readonly adminPorts = new Map<string, number>();

  /** @param script the stamp-app file node runs @default - the app's bin */
  constructor(
    private readonly supervisor: Supervisor,
    private readonly script?: string,
  ) {}

  /** Base URL of every stamp started so far, by name (sorted). */
  upstreams(): Record<string, string> {
    return Object.fromEntries([...this.ports.keys()].sort().map((name) => [name, `http://${LOOPBACK}:${this.ports.get(name)!}`]));
  }

  /** The usage endpoint (admin port, GET /usage) of every running stamp, from its startup line. */
  usageUrls(): Record<string, string> {
    const urls: Record<string, string> = {};
    for (const [name, { process }] of this.running) {
      const started = process
        .recentOutput()
        .split('\n')
        .map(jsonObject)
        .find((line) => typeof line?.['adminUrl'] === 'string');
      if (started) urls[name] = `${String(started['adminUrl'])}/usage`;
    }
    return urls;
  }

  /** Every port a stamp listened on. */
  allPorts(): number[] {
    return [...this.ports.values(), ...this.adminPorts.values()];
  }

  /** Where Prometheus scrapes each stamp started so far: its admin port (sorted by name). */
  metricsTargets(): ScrapeTarget[] {
    return [...this.adminPorts.keys()].sort().map((stamp) => ({ stamp, address: `${LOOPBACK}:${this.adminPorts.get(stamp)!}` }));
  }

  /**
   * Starts or restarts every stamp whose process differs from `desired` (version or health);
   * returns the names restarted, sorted.
   */
  async reconcile(desired: ReadonlyMap<string, DesiredStamp>): Promise<string[]> {
    const changed = [...desired.entries()]
      .filter(([name, want]) => {
        const have = this.running.get(name);
        return (
          !have ||
          have.version !== want.version ||
          have.unhealthy !== (want.unhealthy ?? false) ||
          have.errorPercent !== (want.errorPercent ?? 0)
        );
      })
      .map(([name]) => name)
      .sort();
    await Promise.all(changed.map((name) => this.restart(name, desired.get(name)!)));
    return changed;
  }

  private async restart(name: string, want: DesiredStamp): Promise<void> {
    const previous = this.running.get(name);
    if (previous) {
      this.running.delete(name);
      await this.supervisor.stop(previous.process);
    }
    const spec = stampAppSpec({
      stamp: name,
      version: want.version,
      port: this.ports.get(name) ?? 0,
      unhealthy: want.unhealthy ?? false,
      adminPort: this.adminPorts.get(name) ?? 0,
      errorPercent: want.errorPercent ?? 0,
      ...(this.script ? { script: this.script } : {}),
    });
    let adminPort: number | undefined;
    const process = await this.supervisor.start({
      ...spec,
      readPort: (line) => {
        const port = spec.readPort(line);
        if (port !== undefined) adminPort = adminPortFromStartupLine(line);
        return port;
      },
    });
    if (adminPort !== undefined) this.adminPorts.set(name, adminPort);
    this.ports.set(name, process.port);
    this.running.set(name, { process, version: want.version, unhealthy: want.unhealthy ?? false, errorPercent: want.errorPercent ?? 0 });
  }

  /** What every stamp's `/healthz` reports now, by name. */
  async observe(): Promise<Record<string, ObservedStamp>> {
    const names = [...this.running.keys()].sort();
    const answers = await Promise.all(
      names.map(async (name): Promise<ObservedStamp> => {
        try {
          const answer = await httpGet(this.ports.get(name)!, '/healthz');
          const body = jsonObject(answer.body);
          return {
            status: answer.status,
            ...(typeof body?.['version'] === 'string' ? { version: body['version'] } : {}),
            ...(typeof body?.['ready'] === 'boolean' ? { ready: body['ready'] } : {}),
          };
        } catch {
          return { status: 0 };
        }
      }),
    );
    return Object.fromEntries(names.map((name, i) => [name, answers[i]!]));
  }
}
