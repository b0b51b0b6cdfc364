// The shapes synthesis hands to its callers: plain Kubernetes objects, grouped by Flux layer.

/** A Flux Kustomization layer of a stamp cluster. Layers apply in `LAYERS` order. */
export type Layer = 'infrastructure' | 'infrastructure-config' | 'platform' | 'data' | 'apps';

/** The layers in Flux `dependsOn` order: the controllers first, apps last. */
export const LAYERS: readonly Layer[] = ['infrastructure', 'infrastructure-config', 'platform', 'data', 'apps'];

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
  /** Namespaces, Helm sources and HelmReleases of the cluster's controllers (ingress, certificates, secrets, metrics). */
  readonly infrastructure: readonly ApiObjectJson[];
  /** The ClusterIssuer and the zone's ClusterSecretStore. */
  readonly 'infrastructure-config': readonly ApiObjectJson[];
  /** Namespace, quota, limits, network policies, credentials, certificate, observability. */
  readonly platform: readonly ApiObjectJson[];
  /** PostgreSQL and Redis. */
  readonly data: readonly ApiObjectJson[];
  /** The release's services and the front door. */
  readonly apps: readonly ApiObjectJson[];
}
