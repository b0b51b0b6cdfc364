import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import { aFleetSpec, aStamp } from '@stampyard/stamp-spec/testing';
import { createStampRenderer, LAYERS, synthesizeStamp, USAGE_EXPORT_SCHEDULE, ADMIN_PORT, type ApiObjectJson } from './index.ts';
import { validateManifests } from './testing/index.ts';
import { containersOf } from './private/manifest-walk.ts';

const ZONES = {
  eu: { telemetry: { endpoint: 'https://otel.eu.example.com:4317' }, lake: 's3://acme-usage-eu/lake' },
  us: { telemetry: { endpoint: 'https://otel.us.example.com' }, lake: 's3://acme-usage-us/lake' },
};
const fleet: FleetSpec = {
  ...aFleetSpec(),
  zones: ZONES,
  components: { ...aFleetSpec().components, usageExporter: { repository: 'ghcr.io/acme/stampyard', tag: '0.1.0' } },
};
const stamps: Stamp[] = [
  aStamp({ name: 'stamp-eu-1', region: 'westeurope', cidr: '10.1.0.0/16' }),
  aStamp({ name: 'stamp-eu-2', region: 'northeurope', cidr: '10.2.0.0/16', version: '1.5.0', wave: 1 }),
  aStamp({ name: 'stamp-us-1', region: 'eastus', cidr: '10.3.0.0/16' }),
  aStamp({ name: 'stamp-us-2', region: 'westus2', cidr: '10.4.0.0/16', dedicatedTo: 'acme' }),
];
const zoneOf = (stamp: Stamp) => fleet.regions[stamp.spec.region]!.zone as 'eu' | 'us';
const objectsOf = (stamp: Stamp): ApiObjectJson[] => {
  const manifests = synthesizeStamp(fleet, stamp);
  return LAYERS.flatMap((layer) => [...manifests[layer]]);
};
const find = (objects: ApiObjectJson[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const envOf = (obj: ApiObjectJson | undefined, container = 0) =>
  Object.fromEntries(
    ((containersOf([obj!])[container]!.container['env'] ?? []) as { name: string; value?: string }[]).map((e) => [e.name, e.value]),
  );

describe('central monitoring within residency', () => {
  it.each(stamps)('$metadata.name exports only to its own zone’s endpoint', (stamp) => {
    const objects = objectsOf(stamp);
    const own = ZONES[zoneOf(stamp)].telemetry.endpoint;
    const other = ZONES[zoneOf(stamp) === 'eu' ? 'us' : 'eu'];
    expect(envOf(find(objects, 'Deployment', 'otel-collector'))['STAMPYARD_TELEMETRY_ENDPOINT']).toBe(own);
    // Nothing of the other zone appears anywhere in the stamp's manifests.
    const text = JSON.stringify(objects);
    expect(text).not.toContain(new URL(other.telemetry.endpoint).hostname);
    expect(text).not.toContain(other.lake);
  });

  it('exports metrics, logs and traces over OTLP and stamps every signal with the stamp, region and zone', () => {
    const objects = objectsOf(stamps[0]!);
    const config = parse((find(objects, 'ConfigMap', 'otel-collector-config')!['data'] as Record<string, string>)['config.yaml']!) as {
      exporters: Record<string, { endpoint?: string }>;
      processors: { resource: { attributes: { key: string; value: string }[] } };
      service: { pipelines: Record<string, { exporters: string[]; processors: string[] }> };
    };
    expect(config.exporters['otlp/central']!.endpoint).toBe('${env:STAMPYARD_TELEMETRY_ENDPOINT}');
    expect(Object.keys(config.service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const pipeline of Object.values(config.service.pipelines)) {
      expect(pipeline.exporters).toContain('otlp/central');
      expect(pipeline.processors).toContain('resource');
    }
    expect(config.processors.resource.attributes.map((a) => `${a.key}=${a.value}`)).toEqual(
      expect.arrayContaining([
        'stampyard.stamp=${env:STAMP_NAME}',
        'stampyard.region=${env:STAMP_REGION}',
        'stampyard.zone=${env:STAMP_ZONE}',
      ]),
    );
    expect(envOf(find(objects, 'Deployment', 'otel-collector'))).toMatchObject({
      STAMP_NAME: 'stamp-eu-1',
      STAMP_REGION: 'westeurope',
      STAMP_ZONE: 'eu',
    });
  });

  it('names the release in service.version on the apps’ signals', () => {
    const objects = objectsOf(stamps[1]!);
    for (const app of ['api', 'worker']) {
      const env = containersOf([find(objects, 'Deployment', app)!])[0]!.container['env'] as { name: string; value: string }[];
      const attributes = env.findIndex((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES');
      // Kubernetes expands $(VAR) only from variables defined earlier in the list.
      const expanded = env[attributes]!.value.replace(
        /\$\((\w+)\)/g,
        (_, name: string) => env.slice(0, attributes).find((e) => e.name === name)!.value,
      );
      expect(expanded).toBe('service.version=1.5.0,stampyard.stamp=stamp-eu-2,stampyard.region=northeurope,stampyard.zone=eu');
    }
  });

  it('lets the collector out only on the central endpoint’s port', () => {
    const policy = find(objectsOf(stamps[2]!), 'NetworkPolicy', 'allow-otel-collector-central')!;
    const spec = policy['spec'] as { policyTypes: string[]; egress: { ports: { port: number }[] }[]; ingress?: unknown };
    expect(spec.egress.flatMap((e) => e.ports.map((p) => p.port))).toEqual([443]);
    expect(spec.ingress ?? []).toEqual([]);
  });

  it('renders no central export and no usage export for a fleet without zones', () => {
    const plain = synthesizeStamp(aFleetSpec(), stamps[0]!);
    const objects = LAYERS.flatMap((l) => [...plain[l]]);
    expect(objects.some((o) => o.kind === 'CronJob')).toBe(false);
    expect(find(objects, 'NetworkPolicy', 'allow-otel-collector-central')).toBeUndefined();
    expect(JSON.stringify(objects)).not.toContain('otlp/central');
    expect(envOf(find(objects, 'Deployment', 'otel-collector'))['STAMP_ZONE']).toBe('eu');
  });
});

describe('the usage-export CronJob', () => {
  it.each(stamps)('$metadata.name exports to its own zone’s lake, from every api pod’s admin port', (stamp) => {
    const objects = objectsOf(stamp);
    const cronJob = find(objects, 'CronJob', 'usage-export')!;
    expect(cronJob).toBeDefined();
    const spec = cronJob['spec'] as { schedule: string; timeZone: string; concurrencyPolicy: string };
    expect(spec).toMatchObject({ schedule: USAGE_EXPORT_SCHEDULE, timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    const container = containersOf([cronJob])[0]!.container;
    expect(container['args']).toEqual([
      'analytics',
      'export',
      '--stamp',
      stamp.metadata.name,
      '--zone',
      zoneOf(stamp),
      '--lake',
      ZONES[zoneOf(stamp)].lake,
      '--source',
      `http://api-admin:${ADMIN_PORT}/usage`,
      '--every-address',
    ]);
    expect(container['securityContext']).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect((find(objects, 'Service', 'api-admin')!['spec'] as { clusterIP: string }).clusterIP).toBe('None');
    expect(envOf(find(objects, 'Deployment', 'api'))['ADMIN_PORT']).toBe(String(ADMIN_PORT));
    const adminPolicy = find(objects, 'NetworkPolicy', 'allow-api-admin')!['spec'] as {
      ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
    };
    expect(adminPolicy.ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'usage-export', 'app.kubernetes.io/instance': stamp.metadata.name } } },
        ],
        ports: [{ port: ADMIN_PORT, protocol: 'TCP' }],
      },
    ]);
  });

  it('validates, with the collector and every other object, against the Kubernetes schemas', () => {
    for (const stamp of stamps) expect(validateManifests(objectsOf(stamp))).toEqual([]);
  });
});

describe('createStampRenderer with zones', () => {
  it('renders each stamp exactly as synthesizeStamp does, and never reuses one zone’s shape for another', () => {
    const render = createStampRenderer(fleet);
    for (const stamp of [
      ...stamps,
      aStamp({ name: 'stamp-us-9', region: 'eastus', cidr: '10.9.0.0/16' }),
      aStamp({ name: 'stamp-eu-9', region: 'westeurope', cidr: '10.10.0.0/16' }),
    ]) {
      expect(render(stamp)).toEqual(synthesizeStamp(fleet, stamp));
    }
  });
});
