// The Flux objects a cluster is bootstrapped with: one GitRepository and a Kustomization per layer.
import type { FleetSpec } from '@stampyard/stamp-spec';
import type { ApiObject } from './private/contracts.ts';

/** Namespace of the Flux controllers and of the objects below. */
export const FLUX_NAMESPACE = 'flux-system';
/** Name of the GitRepository every generated Kustomization reads from (bootstrap owns `flux-system`). */
export const FLUX_SOURCE_NAME = 'stampyard';

export interface FluxLayer {
  /** Kustomization name, unique in the cluster, e.g. `stamp-eu-1-data`. */
  readonly name: string;
  /** Folder to apply, relative to the repository root, e.g. `rendered/stamps/stamp-eu-1/data`. */
  readonly path: string;
  /**
   * Namespace set on every namespaced object of the layer.
   * @default - none: the objects keep their own namespaces
   */
  readonly targetNamespace?: string;
  /**
   * Kustomizations that must be ready first.
   * @default - the layer before it in the list (none for the first)
   */
  readonly dependsOn?: readonly string[];
  /**
   * Objects whose readiness makes the layer ready. Given, Flux checks only these (`wait: false`).
   * @default - none: Flux waits for every object the layer applies (`wait: true`)
   */
  readonly healthChecks?: readonly FluxObjectRef[];
  /**
   * How long applying and the health checks may take.
   * @default '5m'
   */
  readonly timeout?: string;
  /**
   * Flux post-build variables substituted into the layer's objects (`${NAME}`), e.g. the stamp a
   * zone's shared infrastructure is applied for.
   * @default - none
   */
  readonly substitute?: Readonly<Record<string, string>>;
}

/** A reference to an object, as Flux's `healthChecks` take it. */
export interface FluxObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** The GitRepository from `fleet.spec.source`. */
export function fluxGitRepository(fleet: FleetSpec): ApiObject {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: FLUX_SOURCE_NAME, namespace: FLUX_NAMESPACE },
    spec: {
      interval: fleet.source.interval,
      url: fleet.source.url,
      ref: { branch: fleet.source.branch },
      ...(fleet.source.secretRef ? { secretRef: { name: fleet.source.secretRef } } : {}),
    },
  };
}

/**
 * One Kustomization per layer; each depends on the one before (or on its `dependsOn`), and
 * is ready only once its objects are (`wait`, or its `healthChecks`), so a fresh cluster
 * converges layer by layer on its own.
 */
export function fluxKustomizations(layers: readonly FluxLayer[]): ApiObject[] {
  return layers.map((layer, index) => {
    const previous = layers[index - 1];
    const dependsOn = layer.dependsOn ?? (previous ? [previous.name] : []);
    return {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: layer.name, namespace: FLUX_NAMESPACE },
      spec: {
        ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((name) => ({ name })) } : {}),
        interval: '10m',
        retryInterval: '1m',
        timeout: layer.timeout ?? '5m',
        path: `./${layer.path}`,
        prune: true,
        wait: layer.healthChecks === undefined,
        ...(layer.healthChecks ? { healthChecks: layer.healthChecks.map((ref) => ({ ...ref })) } : {}),
        sourceRef: { kind: 'GitRepository', name: FLUX_SOURCE_NAME },
        ...(layer.targetNamespace ? { targetNamespace: layer.targetNamespace } : {}),
        ...(layer.substitute ? { postBuild: { substitute: { ...layer.substitute } } } : {}),
      },
    };
  });
}

/**
 * The health checks of an infrastructure layer: its HelmReleases, each ready once Helm has
 * installed the chart and its CRDs. Undefined when the layer has none (every component is a prerequisite).
 */
export function helmReleaseHealthChecks(objects: readonly ApiObject[]): FluxObjectRef[] | undefined {
  const releases = objects.filter((o) => o.kind === 'HelmRelease');
  if (releases.length === 0) return undefined;
  return releases.map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  }));
}

/** Installing the controllers pulls images and CRDs: give it longer than the other layers. */
export const INFRASTRUCTURE_TIMEOUT = '15m';

/**
 * The namespace to target for a layer: the one namespace all its objects use,
 * or none when the layer creates a Namespace or spans several.
 */
export function layerTargetNamespace(objects: readonly ApiObject[]): string | undefined {
  if (objects.some((o) => o.kind === 'Namespace')) return undefined;
  const namespaces = new Set(objects.map((o) => o.metadata.namespace));
  const [only] = namespaces;
  return namespaces.size === 1 && only !== undefined ? only : undefined;
}
