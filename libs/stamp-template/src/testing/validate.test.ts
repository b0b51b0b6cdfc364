import { describe, expect, it } from 'vitest';
import { loadFleet } from '@stampyard/stamp-spec';
import { aFleet, aFleetSpec, EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';
import {
  INFRASTRUCTURE_LAYERS,
  LAYERS,
  synthesizeGateway,
  synthesizeGlobalInfrastructure,
  synthesizeStamp,
  synthesizeZoneInfrastructure,
  type ApiObjectJson,
} from '../index.ts';
import { hasModel, validateManifest, validateManifests } from './index.ts';

const { fleet, stamps } = aFleet(3);
const infrastructure = ['eu', 'us'].flatMap((zone) => {
  const m = synthesizeZoneInfrastructure(fleet, zone);
  return INFRASTRUCTURE_LAYERS.flatMap((layer) => [...m[layer]]);
});
const global = Object.values(synthesizeGlobalInfrastructure(fleet)).flat();
const rendered = [
  ...stamps.flatMap((stamp) => {
    const m = synthesizeStamp(fleet, stamp);
    return LAYERS.flatMap((layer) => [...m[layer]]);
  }),
  ...infrastructure,
  ...global,
];
const gateway = synthesizeGateway(aFleetSpec(), { routingConfigMaps: [{ name: 'routing-table', data: { 'routing-table.json': '{}' } }] });
const deployment = rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!;
const find = (kind: string) => rendered.find((o) => o.kind === kind)!;
const helmRelease = find('HelmRelease');
const certificate = find('Certificate');
const externalSecret = find('ExternalSecret');
const clusterIssuer = find('ClusterIssuer');
const secretStore = find('ClusterSecretStore');

const kustomization: ApiObjectJson = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'stamp-eu-1-apps', namespace: 'flux-system' },
  spec: {
    interval: '10m',
    path: './rendered/stamp-eu-1/apps',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'fleet' },
    dependsOn: [{ name: 'stamp-eu-1-data' }],
  },
};

/** A deep copy with `edit` applied; edits reach into arbitrary fields, hence `any`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function broken(object: ApiObjectJson, edit: (o: Record<string, any>) => void): ApiObjectJson {
  const copy = structuredClone(object);
  edit(copy);
  return copy;
}

describe('validateManifest', () => {
  it('passes every object of every layer of rendered stamps, and of the gateway', () => {
    expect(rendered.length).toBeGreaterThan(60);
    expect(validateManifests([...rendered, ...gateway])).toEqual([]);
  });

  it("passes every stamp of this repository's example fleet", async () => {
    const example = await loadFleet(EXAMPLE_FLEET_ROOT);
    const objects = example.stamps.flatMap(({ stamp }) => {
      const m = synthesizeStamp(example.fleet.spec, stamp);
      return LAYERS.flatMap((layer) => [...m[layer]]);
    });
    expect(example.stamps.length).toBeGreaterThanOrEqual(8);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('passes a valid Flux Kustomization', () => {
    expect(validateManifest(kustomization)).toEqual([]);
  });

  it('knows the kinds it renders, and Flux kinds', () => {
    expect(hasModel('apps/v1', 'Deployment')).toBe(true);
    expect(hasModel('kustomize.toolkit.fluxcd.io/v1', 'Kustomization')).toBe(true);
    expect(hasModel('source.toolkit.fluxcd.io/v1', 'GitRepository')).toBe(true);
  });

  const cases: { name: string; object: unknown; expectedError: RegExp }[] = [
    {
      name: 'wrong type',
      object: broken(deployment, (o) => (o.spec.minReadySeconds = 'soon')),
      expectedError: /spec\.minReadySeconds: must be integer/,
    },
    {
      name: 'unknown field replicaz',
      object: broken(deployment, (o) => (o.spec.replicaz = 3)),
      expectedError: /spec\.replicaz: unknown field 'replicaz'/,
    },
    {
      name: 'unknown field deep in a container',
      object: broken(deployment, (o) => (o.spec.template.spec.containers[0].securityContext.runAsNonroot = true)),
      expectedError: /containers\[0\]\.securityContext\.runAsNonroot: unknown field/,
    },
    {
      name: 'container without image',
      object: broken(deployment, (o) => delete o.spec.template.spec.containers[0].image),
      expectedError: /containers\[0\]\.image: container 'api' has no image/,
    },
    {
      name: 'init container without image',
      object: broken(deployment, (o) => (o.spec.template.spec.initContainers = [{ name: 'migrate' }])),
      expectedError: /initContainers\[0\]\.image: container 'migrate' has no image/,
    },
    {
      name: 'missing required field',
      object: broken(deployment, (o) => delete o.spec.selector),
      expectedError: /spec: must have required property selector/,
    },
    {
      name: 'bad enum value',
      object: broken(deployment, (o) => (o.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes')),
      expectedError: /imagePullPolicy/,
    },
    {
      name: 'bad Flux Kustomization field type',
      object: broken(kustomization, (o) => (o.spec.prune = 'yes')),
      expectedError: /spec\.prune: must be boolean/,
    },
    {
      name: 'unknown Flux Kustomization field',
      object: broken(kustomization, (o) => (o.spec.dependOn = [])),
      expectedError: /spec\.dependOn: unknown field/,
    },
    {
      name: 'unknown HelmRelease field',
      object: broken(helmRelease, (o) => (o.spec.intervall = '1h')),
      expectedError: /HelmRelease flux-system\/ingress-nginx spec\.intervall: unknown field/,
    },
    {
      name: 'bad HelmRelease enum',
      object: broken(helmRelease, (o) => (o.spec.install.crds = 'Always')),
      expectedError: /spec\.install\.crds: must be equal to one of the allowed values; allowed: Skip, Create, CreateReplace/,
    },
    {
      name: 'Certificate without secretName',
      object: broken(certificate, (o) => delete o.spec.secretName),
      expectedError: /Certificate .* spec: must have required property 'secretName'/,
    },
    {
      name: 'unknown ExternalSecret target field',
      object: broken(externalSecret, (o) => (o.spec.target.nme = 'x')),
      expectedError: /spec\.target\.nme: unknown field/,
    },
    {
      name: 'unknown ClusterIssuer solver field',
      object: broken(clusterIssuer, (o) => (o.spec.acme.solvers[0].dns01.route53.zone = 'x')),
      expectedError: /spec\.acme\.solvers\[0\]\.dns01\.route53\.zone: unknown field/,
    },
    {
      name: 'unknown ClusterSecretStore provider field',
      object: broken(secretStore, (o) => (o.spec.provider.vault.sever = 'x')),
      expectedError: /spec\.provider\.vault\.sever: unknown field/,
    },
    {
      name: 'unknown kind',
      object: { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } },
      expectedError: /no schema for apiVersion apps\/v1 kind Deploymnet/,
    },
    { name: 'not an object', object: 'kind: Deployment', expectedError: /must be an object/ },
    { name: 'unknown top-level field', object: broken(deployment, (o) => (o.sepc = {})), expectedError: /sepc: unknown field/ },
  ];
  it.each(cases)('reports $name', ({ object, expectedError }) => {
    const errors = validateManifest(object);
    expect(errors.join('\n')).toMatch(expectedError);
  });

  it('names the object in every message', () => {
    expect(validateManifest(broken(deployment, (o) => (o.spec.replicaz = 1)))[0]).toMatch(/^Deployment stamp-eu-1\/api /);
  });

  it('accepts any keys in maps (labels, ConfigMap data) and stays correct after learning a kind', () => {
    const labelled = broken(deployment, (o) => (o.metadata.labels['example.com/anything'] = 'x'));
    expect(validateManifest(labelled)).toEqual([]);
    expect(validateManifest(broken(deployment, (o) => (o.spec.replicaz = 3)))).toHaveLength(1);
    const withStatus = broken(deployment, (o) => (o.status = { replicas: 1, bogus: 1 }));
    expect(validateManifest(withStatus).join('\n')).toMatch(/status\.bogus: unknown field/);
  });
});
