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

/** One Kustomization per layer; each depends on the one before, so layers apply in order. */
export function fluxKustomizations(layers: readonly FluxLayer[]): ApiObject[] {
  return layers.map((layer, index) => {
    const previous = layers[index - 1];
    return {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: layer.name, namespace: FLUX_NAMESPACE },
      spec: {
        ...(previous ? { dependsOn: [{ name: previous.name }] } : {}),
        interval: '10m',
        retryInterval: '1m',
        timeout: '5m',
        path: `./${layer.path}`,
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: FLUX_SOURCE_NAME },
        ...(layer.targetNamespace ? { targetNamespace: layer.targetNamespace } : {}),
      },
    };
  });
}

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
