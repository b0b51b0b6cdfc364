// The custom resources Stampyard renders, by apiVersion and kind, created as plain cdk8s ApiObjects.
// Their specs are typed where they're built; the vendored CRD schemas check them in tests.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

export const CUSTOM_KINDS = {
  helmRepository: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository' },
  ociRepository: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository' },
  helmRelease: { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease' },
  certificate: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate' },
  clusterIssuer: { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer' },
  externalSecret: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' },
  clusterSecretStore: { apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore' },
  password: { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password' },
} as const;

/** Kinds without a namespace: cdk8s must not stamp the chart's namespace on them. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set(['Namespace', 'ClusterIssuer', 'ClusterSecretStore']);

export interface ObjectMeta {
  readonly name: string;
  /** @default - the chart's namespace (none for cluster-scoped kinds) */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A custom resource of one of `CUSTOM_KINDS`, with its spec. */
export function customResource(
  scope: Construct,
  id: string,
  type: (typeof CUSTOM_KINDS)[keyof typeof CUSTOM_KINDS],
  metadata: ObjectMeta,
  spec: object,
): ApiObject {
  return new ApiObject(scope, id, {
    ...type,
    metadata: { ...metadata, ...(metadata.labels ? { labels: { ...metadata.labels } } : {}) },
    spec,
  });
}
