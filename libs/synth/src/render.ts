// Pure rendering: Kubernetes objects in, file paths and bytes out. Same input, same bytes.
import { generatedHeader, stampFilePath, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import type { ApiObject, StampManifests } from './private/contracts.ts';
import { toYamlStream, toYaml } from './private/yaml.ts';
import { fluxGitRepository, fluxKustomizations, layerTargetNamespace, type FluxLayer } from './flux.ts';
import { clusterRenderedDir, GLOBAL_CLUSTER, GLOBAL_RENDERED_DIR, STAMP_LAYERS, stampRenderedDir } from './layout.ts';

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
    const targetNamespace = layerTargetNamespace(objects);
    layers.push({ name: `${name}-${layer}`, path: `${dir}/${layer}`, ...(targetNamespace ? { targetNamespace } : {}) });
  }
  files.push({ path: `${dir}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, STAMP_LAYERS) });
  files.push(...clusterFolder(fleet, name, source, layers));
  return files;
}

/** Where the gateway's routing ConfigMaps go, one file each: `rendered/global/routing/<name>.yaml`. */
export function routingConfigMapPath(name: string): string {
  return `${GLOBAL_RENDERED_DIR}/routing/${name}.yaml`;
}

/**
 * The gateway (`rendered/global/`) and its cluster's entry point (`rendered/clusters/global/`).
 * The routing ConfigMaps the gateway mounts are files of their own (`routingConfigMapFile`), one
 * per shard, so a one-tenant change rewrites one of them; the kustomization lists them all.
 */
export function renderGlobalFiles(fleet: FleetSpec, source: string, gateway: readonly ApiObject[], routingConfigMaps: readonly string[] = []): SynthFile[] {
  const targetNamespace = layerTargetNamespace(gateway);
  const resources = [...(gateway.length > 0 ? [MANIFESTS_FILE] : []), ...routingConfigMaps.map((name) => routingConfigMapPath(name).slice(GLOBAL_RENDERED_DIR.length + 1))];
  return [
    ...objectFolder(GLOBAL_RENDERED_DIR, source, gateway).filter((f) => !f.path.endsWith(`/${KUSTOMIZATION_FILE}`)),
    { path: `${GLOBAL_RENDERED_DIR}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, resources) },
    ...clusterFolder(fleet, GLOBAL_CLUSTER, source, [
      { name: 'global-gateway', path: GLOBAL_RENDERED_DIR, ...(targetNamespace ? { targetNamespace } : {}) },
    ]),
  ];
}

/** One routing ConfigMap of the gateway as its own file. */
export function routingConfigMapFile(source: string, configMap: ApiObject): SynthFile {
  return { path: routingConfigMapPath(configMap.metadata.name), content: generatedHeader(source) + toYaml(configMap) };
}
