// A new cluster converges from Flux alone: every rendered cluster entry references only what it
// applies, what its HelmReleases install, or what the fleet's prerequisites provide.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { ValidationError, type FleetSpec, type LoadedFleet } from '@stampyard/stamp-spec';
import { aFleet, aFleetSpec, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import { planSynth, type SynthPlan } from './index.ts';
import { appliedObjects, closureProblems, planExampleFleet } from './testing/index.ts';

const clustersOf = (plan: SynthPlan) => [...plan.stamps, 'global'];

/** The plan with some documents of one file removed: the render as it was before the infrastructure layers existed. */
function without(plan: SynthPlan, path: string, drop: (doc: { kind: string; metadata: { name: string } }) => boolean): Map<string, string> {
  const files = new Map(plan.files);
  const kept = parseAllDocuments(files.get(path)!)
    .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
    .filter((d) => !drop(d));
  files.set(path, kept.map((d) => stringify(d)).join('---\n'));
  return files;
}

async function planOf(spec: FleetSpec, count = 2): Promise<{ fleet: LoadedFleet; plan: SynthPlan }> {
  const { stamps } = aFleet(count);
  const fleet = toLoadedFleet({ fleet: spec, stamps });
  return { fleet, plan: await planSynth(fleet) };
}

describe('closure of every rendered cluster entry', () => {
  let fleet: LoadedFleet;
  let plan: SynthPlan;
  beforeAll(async () => {
    ({ fleet, plan } = await planExampleFleet());
  });

  it('holds for every stamp cluster and the global cluster of the example fleet', () => {
    const clusters = clustersOf(plan);
    expect(clusters).toHaveLength(9);
    for (const cluster of clusters) {
      expect(closureProblems(plan.files, cluster, fleet.fleet.spec.prerequisites), cluster).toEqual([]);
      expect(appliedObjects(plan.files, cluster).objects.length, cluster).toBeGreaterThan(10);
    }
  });

  it('applies every rendered manifest file from some cluster entry (the DNSEndpoints too)', () => {
    const reached = new Set(clustersOf(plan).flatMap((cluster) => [...appliedObjects(plan.files, cluster).files]));
    const manifests = [...plan.files.keys()].filter(
      (p) => p.startsWith('rendered/') && p.endsWith('.yaml') && !p.endsWith('/kustomization.yaml'),
    );
    expect(manifests.filter((p) => !reached.has(p))).toEqual([]);
    expect(manifests.some((p) => p.startsWith('rendered/routing/dns/endpoints/'))).toBe(true);
  });

  it('fails on the render before this change: credentials, certificate, ingress controller and Prometheus created by nothing', () => {
    // Then, the entry had no infrastructure layers and the stack no ExternalSecrets or Certificate.
    let files = without(plan, 'rendered/clusters/stamp-eu-1/manifests.yaml', (d) =>
      d.metadata.name.startsWith('stamp-eu-1-infrastructure'),
    );
    const platform = 'rendered/stamps/stamp-eu-1/platform/manifests.yaml';
    files = without({ ...plan, files }, platform, (d) => d.kind === 'ExternalSecret' || d.kind === 'Certificate');
    const problems = closureProblems(files, 'stamp-eu-1', []).join('\n');
    expect(problems).toMatch(/Secret stamp-eu-1\/postgres-credentials does not exist/);
    expect(problems).toMatch(/Secret stamp-eu-1\/redis-credentials does not exist/);
    expect(problems).toMatch(/Secret stamp-eu-1\/stamp-tls is issued by nothing/);
    expect(problems).toMatch(/IngressClass nginx is installed by nothing/);
    expect(problems).toMatch(/namespace ingress-nginx is created by nothing/);
    expect(problems).toMatch(/namespace monitoring is created by nothing/);
  });

  it("fails when a stamp cluster applies the zone's infrastructure without its post-build variables", () => {
    const path = 'rendered/clusters/stamp-eu-1/manifests.yaml';
    const files = new Map(plan.files);
    files.set(path, files.get(path)!.replace(/\n {2}postBuild:\n {4}substitute:\n( {6}.*\n)+/g, '\n'));
    expect(files.get(path)).not.toContain('postBuild');
    expect(closureProblems(files, 'stamp-eu-1', []).join('\n')).toMatch(
      /stamp-eu-1-infrastructure: HelmRelease prometheus keeps an unsubstituted variable: \$\{STAMP_NAME\}/,
    );
  });

  it('fails when a HelmRelease is missing: its CRDs are installed by nothing', () => {
    const files = without(
      plan,
      'rendered/infrastructure/zones/eu/infrastructure/manifests.yaml',
      (d) => d.kind === 'HelmRelease' && d.metadata.name === 'cert-manager',
    );
    const problems = closureProblems(files, 'stamp-eu-1', []).join('\n');
    expect(problems).toMatch(/Certificate stamp-eu-1\/stamp-tls .* kind: no CRD for cert-manager.io\/Certificate/);
    expect(problems).toMatch(/ClusterIssuer stampyard .* kind: no CRD for cert-manager.io\/ClusterIssuer/);
  });

  it('fails when the DNSEndpoints are applied without external-dns', () => {
    const files = without(
      plan,
      'rendered/infrastructure/global/infrastructure/manifests.yaml',
      (d) => d.kind === 'HelmRelease' && d.metadata.name === 'external-dns',
    );
    expect(closureProblems(files, 'global', []).join('\n')).toMatch(
      /DNSEndpoint external-dns\/tenants-.* kind: no CRD for externaldns.k8s.io\/DNSEndpoint/,
    );
  });

  it('trusts the prerequisites a fleet declares, and only those', async () => {
    const { plan: withPrerequisites } = await planOf({ ...aFleetSpec(), prerequisites: ['ingress-nginx', 'prometheus'] });
    const stamp = withPrerequisites.stamps[0]!;
    const releases = appliedObjects(withPrerequisites.files, stamp)
      .objects.filter((o) => o.kind === 'HelmRelease')
      .map((o) => o.metadata.name);
    expect(releases).toEqual(['cert-manager', 'external-secrets']);
    expect(closureProblems(withPrerequisites.files, stamp, ['ingress-nginx', 'prometheus'])).toEqual([]);
    // The cluster's README tells whoever bootstraps it what must already run there.
    const readme = withPrerequisites.files.get(`rendered/clusters/${stamp}/README.md`)!;
    expect(readme).toContain(`--path=rendered/clusters/${stamp}`);
    expect(readme).toMatch(/## Prerequisites\n\n.*\n.*\n\n- ingress-nginx\n- prometheus\n/);
    const problems = closureProblems(withPrerequisites.files, stamp, []).join('\n');
    expect(problems).toMatch(/IngressClass nginx is installed by nothing/);
    expect(problems).toMatch(/namespace monitoring is created by nothing/);
  });

  it('holds for generated credentials, a CA issuer and a digest-pinned OCI chart', async () => {
    const base = aFleetSpec();
    const spec: FleetSpec = {
      ...base,
      issuer: { type: 'ca', secretKey: 'issuer-ca', globalZone: 'eu' },
      secretStores: {
        ...base.secretStores,
        us: {
          provider: 'vault',
          server: 'https://vault.us.example.com',
          path: 'secret',
          role: 'stampyard',
          authMountPath: 'kubernetes',
          pathPrefix: 'stamps',
        },
      },
      charts: {
        ...base.charts,
        'cert-manager': {
          repository: 'oci://quay.io/jetstack/charts',
          chart: 'cert-manager',
          version: 'v1.21.1',
          digest: `sha256:${'c'.repeat(64)}`,
        },
      },
    };
    const { plan: ca } = await planOf(spec);
    for (const cluster of clustersOf(ca)) expect(closureProblems(ca.files, cluster, []), cluster).toEqual([]);
    const generated = await planOf({
      ...base,
      secretStores: { eu: { provider: 'generated', passwordLength: 32 }, us: { provider: 'generated', passwordLength: 32 } },
    });
    for (const cluster of clustersOf(generated.plan)) expect(closureProblems(generated.plan.files, cluster, []), cluster).toEqual([]);
  });
});

describe('planSynth refuses a fleet whose clusters could not converge', () => {
  const base = aFleetSpec();
  const cases: { name: string; spec: FleetSpec; expectedError: RegExp }[] = [
    {
      name: 'no chart for a component',
      spec: { ...base, charts: { ...base.charts, 'cert-manager': undefined } },
      expectedError:
        /fleet\.yaml:\d+:\d+ spec\.charts.*no chart pinned for cert-manager; pin one .* or list cert-manager in spec\.prerequisites/,
    },
    {
      name: 'no issuer',
      spec: { ...base, issuer: undefined },
      expectedError: /spec\.issuer: no certificate issuer; add `issuer: \{ type: acme/,
    },
    {
      name: 'a zone without a store',
      spec: { ...base, secretStores: { eu: base.secretStores!['eu']! } },
      expectedError: /zone us has no secret store; add secretStores\.us/,
    },
    { name: 'no DNS provider for ACME and external-dns', spec: { ...base, dns: undefined }, expectedError: /spec\.dns: no DNS provider/ },
    {
      name: 'a CA issuer with a generated zone',
      spec: {
        ...base,
        issuer: { type: 'ca', secretKey: 'issuer-ca', globalZone: 'eu' },
        secretStores: { ...base.secretStores, us: { provider: 'generated', passwordLength: 32 } },
      },
      expectedError: /spec\.secretStores\.us: a CA issuer reads the CA from each zone's store, but zone us generates its credentials/,
    },
    {
      name: 'a CA issuer naming an unknown zone',
      spec: { ...base, issuer: { type: 'ca', secretKey: 'issuer-ca', globalZone: 'mars' } },
      expectedError: /spec\.issuer\.globalZone: 'mars' is not a zone/,
    },
  ];
  for (const { name, spec, expectedError } of cases) {
    it(name, async () => {
      const { stamps } = aFleet(1);
      const loaded = toLoadedFleet({ fleet: JSON.parse(JSON.stringify(spec)) as FleetSpec, stamps });
      const error = await planSynth(loaded).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).toMatch(expectedError);
    });
  }
});
