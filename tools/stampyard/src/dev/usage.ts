// The local fleet's usage demo: skewed tenant traffic through the gateway, each stamp's usage exported into
// the temporary copy's lake (the same export code the CronJob runs), and top-tenants and version-errors asked
// of each zone, before and after the rollout.
import { join } from 'node:path';
import { stampZone, type LoadedFleet } from '@stampyard/stamp-spec';
import type { RoutingTable } from '@stampyard/routing';
import { httpGet } from './http.ts';
import type { ProgressReporter } from './progress.ts';

/**
 * How many requests each sampled tenant sends in one phase: a Zipf-like skew, so the first tenant of the
 * (sorted) sample sends `heaviest` and the n-th about heaviest / n. Pure.
 */
export function skewedRequestCounts(tenants: readonly string[], heaviest = 60): Map<string, number> {
  return new Map(tenants.map((tenant, i) => [tenant, Math.max(1, Math.round(heaviest / (i + 1)))]));
}

export interface UsagePhaseResult {
  readonly phase: string;
  /** Objects written into the lake, relative to it. */
  readonly written: readonly string[];
  /** Per zone, the tenant with most requests in the lake. */
  readonly topTenant: Readonly<Record<string, string | undefined>>;
}

/** Runs the demo's phases against the running fleet. Problems are pushed, never thrown. */
export class UsageDemo {
  readonly lake: string;
  readonly phases: UsagePhaseResult[] = [];

  constructor(
    workDir: string,
    private readonly reporter: ProgressReporter,
    private readonly problems: string[],
  ) {
    this.lake = join(workDir, 'lake');
  }

  /**
   * Sends the skewed traffic through the gateway, exports every stamp (its open period too: the rollout is
   * about to restart the stamp-apps, and their counters with them), then prints each zone's answers.
   */
  async phase(
    name: string,
    input: {
      fleet: LoadedFleet;
      table: RoutingTable;
      gatewayPort: number;
      tenants: readonly string[];
      usageUrls: Readonly<Record<string, string>>;
    },
  ): Promise<void> {
    const { exportUsage, openLake, topTenants, versionErrors, formatTable } = await import('@stampyard/analytics');
    const counts = skewedRequestCounts(input.tenants);
    for (const [tenant, count] of counts) {
      for (let i = 0; i < count; i++) {
        const answer = await httpGet(input.gatewayPort, `/orders/${i}`, { host: `${tenant}.${input.table.domain}` });
        if (answer.status !== 200) this.problems.push(`usage traffic ${name}: ${tenant} got HTTP ${answer.status}`);
      }
    }
    const written: string[] = [];
    for (const { stamp } of input.fleet.stamps) {
      const url = input.usageUrls[stamp.metadata.name];
      const zone = stampZone(input.fleet.fleet.spec, stamp);
      if (url === undefined || zone === undefined) continue;
      const outcome = await exportUsage({ lake: this.lake, stamp: stamp.metadata.name, zone, sources: [url], includeOpen: true });
      written.push(...outcome.written);
    }
    this.reporter.info(`exported ${written.length} usage objects into ${this.lake}`);
    const topTenant: Record<string, string | undefined> = {};
    const zones = [...new Set(input.fleet.stamps.map(({ stamp }) => stampZone(input.fleet.fleet.spec, stamp)!))].sort();
    for (const zone of zones) {
      const session = await openLake({ lake: this.lake, fleet: input.fleet, zone });
      try {
        const top = topTenants({ limit: 5 });
        const topResult = await session.query(top.sql, top.parameters);
        const versions = versionErrors();
        const versionResult = await session.query(versions.sql, versions.parameters);
        topTenant[zone] = topResult.rows[0]?.[0] as string | undefined;
        this.reporter.result(
          `Zone ${zone}, ${name}: top tenants (stampyard analytics top-tenants --zone ${zone})\n${indent(formatTable(topResult))}`,
        );
        this.reporter.result(
          `Zone ${zone}, ${name}: errors by version (stampyard analytics version-errors --zone ${zone})\n${indent(formatTable(versionResult))}`,
        );
      } finally {
        session.close();
      }
    }
    // The heaviest sender of each zone must top that zone's list: the lake holds what the stamps served.
    for (const zone of zones) {
      const heaviest = [...counts.entries()].find(([tenant]) => zoneOfTenant(input.fleet, input.table, tenant) === zone)?.[0];
      if (heaviest !== undefined && topTenant[zone] !== heaviest) {
        this.problems.push(`usage ${name}: zone ${zone}'s top tenant in the lake is ${topTenant[zone] ?? 'nobody'}, expected ${heaviest}`);
      }
    }
    this.phases.push({ phase: name, written, topTenant });
  }
}

function zoneOfTenant(fleet: LoadedFleet, table: RoutingTable, tenant: string): string | undefined {
  const stamp = fleet.stamps.find((s) => s.stamp.metadata.name === table.tenants[tenant]?.stamp)?.stamp;
  return stamp ? stampZone(fleet.fleet.spec, stamp) : undefined;
}

const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
