// The shapes synthesis hands to its callers: plain Kubernetes objects, grouped by Flux layer.

/** A Flux Kustomization layer of a stamp. Layers apply in `LAYERS` order, after the cluster's `INFRASTRUCTURE_LAYERS`. */
export type Layer = 'platform' | 'data' | 'apps';

/** The layers in Flux `dependsOn` order: platform first, apps last. */
export const LAYERS: readonly Layer[] = ['platform', 'data', 'apps'];

/** A layer of a cluster's infrastructure, shared by every stamp cluster of a zone. */
export type InfrastructureLayer = 'infrastructure' | 'infrastructure-config';

/** The infrastructure layers in `dependsOn` order: the controllers, then what configures them. */
export const INFRASTRUCTURE_LAYERS: readonly InfrastructureLayer[] = ['infrastructure', 'infrastructure-config'];

/** A cluster's infrastructure: plain objects per layer. */
export type InfrastructureManifests = Readonly<Record<InfrastructureLayer, readonly ApiObjectJson[]>>;

/**
 * Flux `postBuild.substitute` variables a stamp cluster's Kustomizations set on the shared zone
 * infrastructure, so one folder per zone serves every stamp cluster of the zone.
 */
export const CLUSTER_VARIABLES = { stamp: 'STAMP_NAME', region: 'STAMP_REGION' } as const;

/** `${NAME}`: a Flux post-build variable in a manifest. */
export function clusterVariable(name: (typeof CLUSTER_VARIABLES)[keyof typeof CLUSTER_VARIABLES]): string {
  return `\${${name}}`;
}

/** One Kubernetes object as plain JSON, ready to serialize. */
export type ApiObjectJson = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

/** Plain Kubernetes objects (JSON) per layer, deterministic order, ready to serialize. */
export interface StampManifests {
  /** Namespace, quota, limits, network policies, credentials, certificate, observability. */
  readonly platform: readonly ApiObjectJson[];
  /** PostgreSQL and Redis. */
  readonly data: readonly ApiObjectJson[];
  /** The release's services and the front door. */
  readonly apps: readonly ApiObjectJson[];
}
