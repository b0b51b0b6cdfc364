import { describe, expect, it } from 'vitest';
import { App } from 'cdk8s';
import { loadFleet, stampHost, findRelease, imageReference, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import { aFleetSpec, aStamp, EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';
import { LAYERS, StampChart, synthesizeStamp, type ApiObjectJson } from './index.ts';
import { containersOf, podSpecOf } from './private/manifest-walk.ts';

const example = await loadFleet(EXAMPLE_FLEET_ROOT);
const fleet: FleetSpec = example.fleet.spec;
const stamp: Stamp = example.stamps.find((s) => s.stamp.metadata.name === 'stamp-eu-fabrikam')!.stamp;
const manifests = synthesizeStamp(fleet, stamp);
const all: ApiObjectJson[] = LAYERS.flatMap((layer) => [...manifests[layer]]);
const byKind = (kind: string) => all.filter((o) => o.kind === kind);

describe('synthesizeStamp', () => {
  it('renders the whole stamp (snapshot)', async () => {
    await expect(JSON.stringify(manifests, null, 2)).toMatchFileSnapshot('__snapshots__/stamp-eu-fabrikam.json');
  });

  it('puts each object in its layer', () => {
    expect(manifests.platform.map((o) => o.kind)).toContain('Namespace');
    expect(manifests.platform[0]?.kind).toBe('Namespace');
    expect(manifests.data.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining(['StatefulSet/postgres', 'Service/postgres', 'Deployment/redis', 'Service/redis']),
    );
    expect(manifests.apps.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining(['Deployment/api', 'Deployment/worker', 'Ingress/api', 'HorizontalPodAutoscaler/api']),
    );
  });

  it('is deterministic', () => {
    expect(JSON.stringify(synthesizeStamp(fleet, stamp))).toBe(JSON.stringify(manifests));
  });

  it('has a default-deny NetworkPolicy for Ingress and Egress on every pod', () => {
    const deny = byKind('NetworkPolicy').find((p) => {
      const spec = p['spec'] as { podSelector: object; policyTypes: string[]; ingress?: unknown; egress?: unknown };
      return Object.keys(spec.podSelector).length === 0 && spec.ingress === undefined && spec.egress === undefined;
    });
    expect(deny).toBeDefined();
    expect([...(deny!['spec'] as { policyTypes: string[] }).policyTypes].sort()).toEqual(['Egress', 'Ingress']);
  });

  it('allows DNS egress to kube-dns on 53 UDP and TCP', () => {
    const dns = byKind('NetworkPolicy').find((p) => p.metadata.name === 'allow-dns-egress')!;
    expect(JSON.stringify(dns['spec'])).toContain('"k8s-app":"kube-dns"');
    expect((dns['spec'] as { egress: { ports: unknown[] }[] }).egress[0]?.ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
  });

  it('hardens every container, including init containers', () => {
    const containers = containersOf(all);
    expect(containers.length).toBeGreaterThanOrEqual(5);
    for (const { object, container } of containers) {
      const where = `${object.kind}/${object.metadata.name} ${String(container['name'])}`;
      const sc = container['securityContext'] as Record<string, unknown>;
      expect(sc, where).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const resources = container['resources'] as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
      expect(Object.keys(resources.requests ?? {}).sort(), where).toEqual(['cpu', 'memory']);
      expect(Object.keys(resources.limits ?? {}).sort(), where).toEqual(['cpu', 'memory']);
      // Probes are for long-running pods; a batch job's pod runs to completion.
      if (object.kind === 'CronJob') continue;
      expect(container['readinessProbe'], where).toBeDefined();
      expect(container['livenessProbe'], where).toBeDefined();
    }
  });

  it('gives every pod its own ServiceAccount without a token', () => {
    const accounts = new Set(byKind('ServiceAccount').map((sa) => sa.metadata.name));
    for (const sa of byKind('ServiceAccount')) expect(sa['automountServiceAccountToken']).toBe(false);
    for (const object of all) {
      const spec = podSpecOf(object);
      if (!spec) continue;
      expect(spec['automountServiceAccountToken']).toBe(false);
      expect(accounts.has(String(spec['serviceAccountName']))).toBe(true);
    }
  });

  it('labels every object', () => {
    for (const object of all) {
      expect(object.metadata.labels, `${object.kind}/${object.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': expect.any(String),
        'app.kubernetes.io/instance': 'stamp-eu-fabrikam',
        'app.kubernetes.io/part-of': 'stampyard',
        'app.kubernetes.io/managed-by': 'stampyard',
      });
      expect(JSON.stringify(object)).not.toContain('cdk8s.io/');
    }
    // Everything carries the stamp; what follows the release carries its version.
    for (const object of all)
      expect(object.metadata.labels?.['stampyard.dev/stamp'], `${object.kind}/${object.metadata.name}`).toBe('stamp-eu-fabrikam');
    for (const object of manifests.apps) expect(object.metadata.labels?.['stampyard.dev/version']).toBe('1.4.0');
  });

  it('puts everything in the stamp namespace, and the Namespace itself in none', () => {
    const [namespace, ...rest] = manifests.platform;
    expect(namespace?.metadata).not.toHaveProperty('namespace');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const object of [...rest, ...manifests.data, ...manifests.apps]) expect(object.metadata.namespace).toBe('stamp-eu-fabrikam');
  });

  it('renders no Secret and no literal secret values', () => {
    expect(byKind('Secret')).toEqual([]);
    for (const { container } of containersOf(all)) {
      for (const env of (container['env'] as { name: string; value?: string; valueFrom?: unknown }[] | undefined) ?? []) {
        if (/PASSWORD|SECRET|TOKEN|_USER$/.test(env.name)) {
          expect(env.value, env.name).toBeUndefined();
          expect(env.valueFrom).toMatchObject({ secretKeyRef: { name: expect.any(String), key: expect.any(String) } });
        }
      }
    }
  });

  it('leaves replicas to the HPA on the Deployments it scales', () => {
    for (const hpa of byKind('HorizontalPodAutoscaler')) {
      const target = (hpa['spec'] as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      const workload = all.find((o) => o.kind === target.kind && o.metadata.name === target.name)!;
      expect(workload, target.name).toBeDefined();
      expect(workload['spec']).not.toHaveProperty('replicas');
    }
    expect(
      byKind('HorizontalPodAutoscaler')
        .map((h) => h.metadata.name)
        .sort(),
    ).toEqual(['api', 'worker']);
  });

  it('serves the api at <name>.<domain> and its tenants at *.<domain> through the Ingress, with the certificate cert-manager issues', () => {
    const [ingress] = byKind('Ingress');
    const spec = ingress!['spec'] as {
      ingressClassName: string;
      rules: { host: string }[];
      tls: { hosts: string[]; secretName: string }[];
    };
    const hosts = ['stamp-eu-fabrikam.stamps.contoso.example', '*.stamps.contoso.example'];
    expect(spec.rules.map((r) => r.host)).toEqual(hosts);
    expect(spec.rules[0]?.host).toBe(stampHost(fleet, stamp));
    expect(spec.tls[0]).toEqual({ hosts, secretName: 'stamp-tls' });
    const [certificate] = byKind('Certificate');
    expect(certificate!['spec']).toMatchObject({
      secretName: 'stamp-tls',
      dnsNames: hosts,
      issuerRef: { kind: 'ClusterIssuer', name: 'stampyard' },
    });
    expect(spec.ingressClassName).toBe('nginx');
    const custom = synthesizeStamp(fleet, stamp, { ingressClassName: 'traefik' }).apps.find((o) => o.kind === 'Ingress')!;
    expect((custom['spec'] as { ingressClassName: string }).ingressClassName).toBe('traefik');
  });

  it("runs the release's images, pinned by digest where the release gives one", () => {
    const release = findRelease(fleet, '1.4.0')!;
    const image = (name: string) =>
      containersOf(all).find(({ object }) => object.kind === 'Deployment' && object.metadata.name === name)?.container['image'];
    expect(image('api')).toBe(imageReference(release.images.api));
    expect(image('api')).toMatch(/^ghcr\.io\/contoso\/api@sha256:[0-9a-f]{64}$/);
    expect(image('worker')).toBe(imageReference(release.images.worker));
    // A release without digests renders tag references, never a guessed digest.
    const tagOnly = {
      ...fleet,
      releases: fleet.releases.map((r) =>
        r.version === '1.5.0'
          ? { ...r, images: Object.fromEntries(Object.entries(r.images).map(([k, { digest: _digest, ...ref }]) => [k, ref])) }
          : r,
      ),
    } as typeof fleet;
    const unpinned = synthesizeStamp(tagOnly, { ...stamp, spec: { ...stamp.spec, version: '1.5.0' } });
    const api = containersOf([...unpinned.apps]).find(({ object }) => object.metadata.name === 'api')!.container['image'];
    expect(api).toBe('ghcr.io/contoso/api:1.5.0');
  });

  it('sizes the PostgreSQL volume from the profile', () => {
    const sts = byKind('StatefulSet')[0]!;
    const templates = (sts['spec'] as { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] })
      .volumeClaimTemplates;
    expect(templates[0]?.spec.resources.requests.storage).toBe(fleet.sizes['medium']!.storage);
  });

  it('annotates app pods for metrics scraping', () => {
    for (const name of ['api', 'worker']) {
      const deployment = byKind('Deployment').find((d) => d.metadata.name === name)!;
      const annotations = (deployment['spec'] as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata
        .annotations;
      expect(annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    }
  });
});

describe('StampChart', () => {
  it('refuses an id other than the stamp name (selectors derive from it)', () => {
    expect(() => new StampChart(new App(), 'other', { fleet: aFleetSpec(), stamp: aStamp({ name: 'stamp-a' }) })).toThrow(
      /must equal the stamp name/,
    );
  });

  it('refuses a stamp whose version is not in the catalog', () => {
    const stampB = aStamp({ name: 'stamp-b', version: '9.9.9' });
    expect(() => synthesizeStamp(aFleetSpec(), stampB)).toThrow(/9\.9\.9/);
  });
});
