// The shapes synthesis hands to its callers: plain Kubernetes objects, grouped by Flux layer.

/** A Flux Kustomization layer of a stamp. Layers apply in `LAYERS` order. */
export type Layer = 'platform' | 'data' | 'apps';

/** The layers in Flux `dependsOn` order: platform first, apps last. */
export const LAYERS: readonly Layer[] = ['platform', 'data', 'apps'];

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
  /** Namespace, quota, limits, service accounts, network policies, observability. */
  readonly platform: readonly ApiObjectJson[];
  /** PostgreSQL and Redis. */
  readonly data: readonly ApiObjectJson[];
  /** The release's services and the front door. */
  readonly apps: readonly ApiObjectJson[];
}
