import { describe, expect, it } from 'vitest';
import { parseFleet } from './load.ts';
import { formatIssue } from './errors.ts';
import { aFleetSpec, aStamp, fleetRepoFiles } from './testing/index.ts';
import { stampZoneSettings } from './zones.ts';
import type { FleetSpec } from './schema.ts';

const EXPORTER = { repository: 'ghcr.io/acme/stampyard', tag: '0.1.0' };
const EU = { telemetry: { endpoint: 'https://otel.eu.example.com:4317' }, lake: 's3://acme-usage-eu/lake' };
const US = { telemetry: { endpoint: 'https://otel.us.example.com:4317' }, lake: 's3://acme-usage-us/lake' };

function issuesFor(overrides: Partial<FleetSpec>): string[] {
  const base = aFleetSpec();
  const spec = { ...base, ...overrides, components: { ...base.components, usageExporter: EXPORTER, ...(overrides.components ?? {}) } };
  const files = fleetRepoFiles({
    fleet: spec as FleetSpec,
    stamps: [aStamp({ name: 'stamp-eu-1' }), aStamp({ name: 'stamp-us-1', region: 'eastus' })],
  });
  const all = [...files].map(([path, text]) => ({ path, text }));
  const { issues } = parseFleet({
    fleet: all.find((f) => f.path === 'fleet.yaml')!,
    stamps: all.filter((f) => f.path.startsWith('stamps/')),
    tenants: [],
  });
  return issues.map(formatIssue);
}

describe('spec.zones: central telemetry and lakes stay inside their zone', () => {
  it('accepts a distinct endpoint and lake for each zone', () => {
    expect(issuesFor({ zones: { eu: EU, us: US } } as Partial<FleetSpec>)).toEqual([]);
  });

  it('accepts no zones at all (stamps export only locally)', () => {
    expect(issuesFor({})).toEqual([]);
  });

  const invalid: { name: string; zones: unknown; components?: unknown; expectedError: string }[] = [
    {
      name: 'two zones share a telemetry endpoint',
      zones: { eu: EU, us: { ...US, telemetry: { endpoint: 'https://otel.eu.example.com:4317/' } } },
      expectedError:
        "spec.zones.us.telemetry.endpoint: https://otel.eu.example.com:4317/ is also zone 'eu's telemetry endpoint; each zone needs its own",
    },
    {
      name: 'the same endpoint spelt with and without its default port',
      zones: {
        eu: { ...EU, telemetry: { endpoint: 'https://otel.example.com' } },
        us: { ...US, telemetry: { endpoint: 'https://otel.example.com:443' } },
      },
      expectedError: "spec.zones.us.telemetry.endpoint: https://otel.example.com:443 is also zone 'eu's telemetry endpoint",
    },
    {
      name: 'two zones share a lake',
      zones: { eu: EU, us: { ...US, lake: 's3://acme-usage-eu/lake/' } },
      expectedError: "spec.zones.us.lake: s3://acme-usage-eu/lake/ is also zone 'eu's lake",
    },
    {
      name: 'one zone without an endpoint',
      zones: { eu: EU, us: { lake: US.lake } },
      expectedError: "spec.zones.us: zone 'us' has no telemetry endpoint while eu has one; set spec.zones.us.telemetry.endpoint",
    },
    {
      name: 'a zone missing from spec.zones',
      zones: { eu: EU },
      expectedError: "spec.zones: zone 'us' has no telemetry endpoint while eu has one",
    },
    {
      name: 'a zone not in the region catalog',
      zones: { eu: EU, us: US, asia: {} },
      expectedError: "spec.zones.asia: 'asia' is not a residency zone of spec.regions; use one of eu, us",
    },
    {
      name: 'an endpoint that is not a URL',
      zones: { eu: { telemetry: { endpoint: 'otel.eu:4317' } }, us: US },
      expectedError: 'spec.zones.eu.telemetry.endpoint: must be an https:// OTLP/gRPC endpoint',
    },
    {
      name: 'a lake that is not an object-store URL',
      zones: { eu: { ...EU, lake: '/var/lake' }, us: US },
      expectedError: 'spec.zones.eu.lake: must be an object-store URL such as s3://',
    },
    {
      name: 'an endpoint without TLS',
      zones: { eu: { ...EU, telemetry: { endpoint: 'http://otel.eu.example.com:4317' } }, us: US },
      expectedError: 'spec.zones.eu.telemetry.endpoint: must be an https:// OTLP/gRPC endpoint',
    },
    {
      name: 'an unknown field',
      zones: { eu: { ...EU, endpoint: 'x' }, us: US },
      expectedError: "spec.zones.eu.endpoint: unknown field 'endpoint'",
    },
  ];
  it.each(invalid)('rejects $name', ({ zones, expectedError }) => {
    const issues = issuesFor({ zones } as Partial<FleetSpec>);
    expect(issues.join('\n')).toContain(expectedError);
    expect(issues.every((i) => /^fleet\.yaml:\d+:\d+ /.test(i))).toBe(true);
  });

  it('requires the exporter image once a zone has a lake', () => {
    const base = aFleetSpec();
    const files = fleetRepoFiles({ fleet: { ...base, zones: { eu: EU, us: US } } as FleetSpec, stamps: [aStamp({ name: 'stamp-eu-1' })] });
    const all = [...files].map(([path, text]) => ({ path, text }));
    const { issues } = parseFleet({
      fleet: all.find((f) => f.path === 'fleet.yaml')!,
      stamps: all.filter((f) => f.path.startsWith('stamps/')),
      tenants: [],
    });
    expect(issues.map(formatIssue).join('\n')).toContain(
      "spec.zones.eu.lake: zone 'eu' has a lake but spec.components.usageExporter is not set",
    );
  });

  it("gives each stamp its own zone's settings", () => {
    const spec = { ...aFleetSpec(), zones: { eu: EU, us: US } } as FleetSpec;
    expect(stampZoneSettings(spec, aStamp({ region: 'northeurope' }))).toEqual(EU);
    expect(stampZoneSettings(spec, aStamp({ region: 'westus2' }))).toEqual(US);
  });
});
