import { describe, expect, it } from 'vitest';
import type { FleetSpec } from '@stampyard/stamp-spec';
import { aFleetSpec } from '@stampyard/stamp-spec/testing';
import { synthesizeGlobalInfrastructure, synthesizeZoneInfrastructure, type ApiObjectJson } from '../index.ts';
import { COMPONENT_PROVIDES } from './infrastructure.ts';

const fleet = aFleetSpec();
const infrastructureOf = (spec: FleetSpec) => [...synthesizeZoneInfrastructure(spec, 'eu').infrastructure];
const names = (objects: readonly ApiObjectJson[], kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
const specOf = (o: ApiObjectJson) => o['spec'] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Infrastructure', () => {
  it('installs ingress-nginx, cert-manager, external-secrets and Prometheus on a stamp cluster, each pinned, in its namespace', () => {
    const objects = infrastructureOf(fleet);
    expect(names(objects, 'HelmRelease')).toEqual(['ingress-nginx', 'cert-manager', 'external-secrets', 'prometheus']);
    expect(names(objects, 'Namespace')).toEqual(['ingress-nginx', 'cert-manager', 'external-secrets', 'monitoring']);
    for (const release of objects.filter((o) => o.kind === 'HelmRelease')) {
      const component = release.metadata.name as keyof typeof COMPONENT_PROVIDES;
      const pin = fleet.charts![component]!;
      expect(release.metadata.namespace).toBe('flux-system');
      expect(specOf(release)).toMatchObject({
        releaseName: component,
        targetNamespace: COMPONENT_PROVIDES[component].namespace,
        chart: { spec: { chart: pin.chart, version: pin.version, sourceRef: { kind: 'HelmRepository', name: component } } },
        install: { crds: 'CreateReplace' },
      });
    }
    const ingress = objects.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'ingress-nginx')!;
    // The IngressClass the closure map promises is the one the values create.
    expect(specOf(ingress)['values']['controller']['ingressClassResource']).toMatchObject({
      name: COMPONENT_PROVIDES['ingress-nginx'].ingressClasses[0],
      enabled: true,
    });
    const certManager = objects.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'cert-manager')!;
    expect(specOf(certManager)['values']['crds']).toEqual({ enabled: true, keep: true });
  });

  it('leaves the stamp to Flux post-build variables, so one folder serves every stamp cluster of the zone', () => {
    const prometheus = infrastructureOf(fleet).find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'prometheus')!;
    expect(specOf(prometheus)['values']['server']['global']['external_labels']).toEqual({
      cluster: '${STAMP_NAME}',
      stamp: '${STAMP_NAME}',
      region: '${STAMP_REGION}',
      zone: 'eu',
    });
    expect(JSON.stringify(infrastructureOf(fleet))).not.toMatch(/stamp-[a-z]+-[0-9]/);
  });

  it('leaves out the prerequisites', () => {
    const objects = infrastructureOf({ ...fleet, prerequisites: ['ingress-nginx', 'prometheus'] });
    expect(names(objects, 'HelmRelease')).toEqual(['cert-manager', 'external-secrets']);
    expect(names(objects, 'Namespace')).toEqual(['cert-manager', 'external-secrets']);
  });

  it('pulls a chart by digest from an OCIRepository when the pin has one', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    const objects = infrastructureOf({
      ...fleet,
      charts: {
        ...fleet.charts,
        'cert-manager': { repository: 'oci://quay.io/jetstack/charts', chart: 'cert-manager', version: 'v1.21.1', digest },
      },
    });
    const source = objects.find((o) => o.kind === 'OCIRepository')!;
    expect(source.metadata).toMatchObject({ name: 'cert-manager', namespace: 'flux-system' });
    expect(specOf(source)).toMatchObject({ url: 'oci://quay.io/jetstack/charts/cert-manager', ref: { digest } });
    const release = objects.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'cert-manager')!;
    expect(specOf(release)['chartRef']).toEqual({ kind: 'OCIRepository', name: 'cert-manager', namespace: 'flux-system' });
    expect(specOf(release)['chart']).toBeUndefined();
    expect(names(objects, 'HelmRepository')).not.toContain('cert-manager');
  });

  it('installs external-dns on the global cluster only, for the fleet domain, from the DNSEndpoint source', () => {
    expect(names(infrastructureOf(fleet), 'HelmRelease')).not.toContain('external-dns');
    const global = synthesizeGlobalInfrastructure(fleet);
    const externalDns = global.infrastructure.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'external-dns')!;
    expect(specOf(externalDns)['values']).toMatchObject({
      provider: { name: 'aws' },
      sources: ['crd'],
      domainFilters: ['stamps.example.com'],
      policy: 'sync',
    });
    expect(names([...global['infrastructure-config']], 'ClusterIssuer')).toEqual(['stampyard']);
    const certificate = global.edge.find((o) => o.kind === 'Certificate')!;
    expect(specOf(certificate)['dnsNames']).toEqual(['stamps.example.com', '*.stamps.example.com']);
    const ingress = global.edge.find((o) => o.kind === 'Ingress')!;
    expect(specOf(ingress)['tls']).toEqual([{ hosts: ['stamps.example.com', '*.stamps.example.com'], secretName: 'gateway-tls' }]);
  });

  it("solves DNS-01 for the ACME issuer through the fleet's DNS provider, so wildcards can be issued", () => {
    const [issuer] = synthesizeZoneInfrastructure(fleet, 'eu')['infrastructure-config'].filter((o) => o.kind === 'ClusterIssuer');
    expect(specOf(issuer!)['acme']).toMatchObject({
      email: 'platform@example.com',
      solvers: [{ dns01: { route53: { region: 'us-east-1', hostedZoneID: 'Z0123456789ABCDEFGHIJ' } } }],
    });
  });
});
