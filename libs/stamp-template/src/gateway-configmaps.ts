// The gateway's routing ConfigMaps as plain objects, without cdk8s: synth renders each into its
// own file (one per shard), so a one-tenant change rewrites one ConfigMap file and loads no cdk8s.
import type { FleetSpec } from '@stampyard/stamp-spec';
import type { ApiObjectJson } from './types.ts';
import { objectLabels } from './private/labels.ts';

/** The gateway's namespace unless its props name another. */
export const GATEWAY_NAMESPACE = 'stampyard-gateway';
/** The gateway's component label. */
export const GATEWAY_COMPONENT = 'gateway';

/** The gateway's labels: the same on every object of its chart. */
export function gatewayLabels(fleet: FleetSpec, namespace = GATEWAY_NAMESPACE): Record<string, string> {
  return objectLabels({ component: GATEWAY_COMPONENT, instance: namespace, componentVersion: fleet.components.gateway.tag });
}

/**
 * One routing ConfigMap in the gateway's namespace, with the gateway's labels, as cdk8s-plus
 * renders it (`immutable: false`: the kubelet updates the mounted files in place). Pure.
 */
export function gatewayConfigMap(fleet: FleetSpec, configMap: { readonly name: string; readonly data: Readonly<Record<string, string>> }, namespace = GATEWAY_NAMESPACE): ApiObjectJson {
  const labels = gatewayLabels(fleet, namespace);
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) sorted[key] = labels[key]!;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: sorted, name: configMap.name, namespace }, data: { ...configMap.data }, immutable: false };
}
