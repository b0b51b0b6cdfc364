// Pure rendering: Kubernetes objects in, file paths and bytes out. Same input, same bytes.
import { generatedHeader, stampFilePath, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import type { ApiObject, StampManifests } from './private/contracts.ts';
import { toYamlStream, toYaml } from './private/yaml.ts';
import { fluxGitRepository, fluxKustomizations, helmReleaseHealthChecks, INFRASTRUCTURE_TIMEOUT, layerTargetNamespace, type FluxLayer } from './flux.ts';
import {
  clusterRenderedDir,
  DNS_ENDPOINTS_DIR,
  GLOBAL_CLUSTER,
  GLOBAL_INFRASTRUCTURE_LAYERS,
  GLOBAL_RENDERED_DIR,
  STAMP_LAYERS,
  stampRenderedDir,
} from './layout.ts';
import type { GlobalInfrastructureManifests } from './private/contracts.ts';

/** One generated file: path relative to the fleet root, and its content. */
export interface SynthFile {
  readonly path: string;
  readonly content: string;
}

/** The file holding a folder's objects. */
export const MANIFESTS_FILE = 'manifests.yaml';
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/** A kustomize `kustomization.yaml` listing `resources` (files or folders, relative to it). */
export function kustomizationFile(source: string, resources: readonly string[]): string {
  return (
    generatedHeader(source) +
    toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] })
  );
}

/** A folder of objects: `manifests.yaml` (when there are any) and its `kustomization.yaml`. */
export function objectFolder(dir: string, source: string, objects: readonly ApiObject[]): SynthFile[] {
  const files: SynthFile[] = [];
  if (objects.length > 0) files.push({ path: `${dir}/${MANIFESTS_FILE}`, content: generatedHeader(source) + toYamlStream(objects) });
  files.push({ path: `${dir}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, objects.length > 0 ? [MANIFESTS_FILE] : []) });
  return files;
}

/** A cluster's Flux entry point: the GitRepository and the Kustomizations, in order. */
export function clusterFolder(fleet: FleetSpec, cluster: string, source: string, layers: readonly FluxLayer[]): SynthFile[] {
  return objectFolder(clusterRenderedDir(cluster), source, [fluxGitRepository(fleet), ...fluxKustomizations(layers)]);
}

/** Every file of one stamp: `rendered/stamps/<name>/…` and `rendered/clusters/<name>/…`. */
export function renderStampFiles(fleet: FleetSpec, stamp: Stamp, manifests: StampManifests): SynthFile[] {
  const name = stamp.metadata.name;
  const source = stampFilePath(name);
  const dir = stampRenderedDir(name);
  const files: SynthFile[] = [];
  const layers: FluxLayer[] = [];
  for (const layer of STAMP_LAYERS) {
    const objects = manifests[layer];
    files.push(...objectFolder(`${dir}/${layer}`, source, objects));
    layers.push(fluxLayer(`${name}-${layer}`, `${dir}/${layer}`, layer, objects));
  }
  files.push({ path: `${dir}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, STAMP_LAYERS) });
  files.push(...clusterFolder(fleet, name, source, layers));
  return files;
}

/** A layer's Kustomization: the infrastructure layer is ready when its HelmReleases are, the others when all their objects are. */
function fluxLayer(name: string, path: string, layer: string, objects: readonly ApiObject[]): FluxLayer {
  const targetNamespace = layerTargetNamespace(objects);
  const healthChecks = layer === 'infrastructure' ? helmReleaseHealthChecks(objects) : undefined;
  return {
    name,
    path,
    ...(targetNamespace ? { targetNamespace } : {}),
    ...(healthChecks ? { healthChecks, timeout: INFRASTRUCTURE_TIMEOUT } : {}),
  };
}

/**
 * The global cluster: its infrastructure (`rendered/global/<layer>/`), the gateway and its edge
 * (`rendered/global/`), the DNSEndpoints for external-dns (`rendered/routing/dns/endpoints/`,
 * whose files routing renders: `dnsEndpointFiles`, relative to that folder), and the entry point
 * (`rendered/clusters/global/`) chaining infrastructure → infrastructure-config → gateway and dns.
 */
export function renderGlobalFiles(
  fleet: FleetSpec,
  source: string,
  gateway: readonly ApiObject[],
  infrastructure: GlobalInfrastructureManifests,
  dnsEndpointFiles: readonly string[],
): SynthFile[] {
  const files: SynthFile[] = [];
  const layers: FluxLayer[] = [];
  for (const layer of GLOBAL_INFRASTRUCTURE_LAYERS) {
    const path = `${GLOBAL_RENDERED_DIR}/${layer}`;
    files.push(...objectFolder(path, source, infrastructure[layer]));
    layers.push(fluxLayer(`global-${layer}`, path, layer, infrastructure[layer]));
  }
  const config = layers[layers.length - 1]!.name;
  const objects = [...gateway, ...infrastructure.edge];
  files.push(...objectFolder(GLOBAL_RENDERED_DIR, source, objects));
  const targetNamespace = layerTargetNamespace(objects);
  layers.push({ name: 'global-gateway', path: GLOBAL_RENDERED_DIR, dependsOn: [config], ...(targetNamespace ? { targetNamespace } : {}) });
  // DNSEndpoints need external-dns' CRD (infrastructure) and nothing else; they live in its namespace.
  files.push({ path: `${DNS_ENDPOINTS_DIR}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, [...dnsEndpointFiles].sort()) });
  layers.push({ name: 'global-dns', path: DNS_ENDPOINTS_DIR, dependsOn: [layers[0]!.name], targetNamespace: 'external-dns' });
  files.push(...clusterFolder(fleet, GLOBAL_CLUSTER, source, layers));
  return files;
}
