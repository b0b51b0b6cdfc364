// Where synth writes. Every generated file lives under one of OUTPUT_DIRS.
import type { LoadedFleet } from '@stampyard/stamp-spec';

/** The Flux layers of a stamp, in `dependsOn` order, after its cluster's `INFRASTRUCTURE_LAYERS`. */
export const STAMP_LAYERS = ['platform', 'data', 'apps'] as const;

/** The layers of a cluster's infrastructure, in `dependsOn` order: the controllers, then what configures them. */
export const INFRASTRUCTURE_LAYERS = ['infrastructure', 'infrastructure-config'] as const;
export type InfrastructureLayer = (typeof INFRASTRUCTURE_LAYERS)[number];
export type StampLayer = (typeof STAMP_LAYERS)[number];

/** Top-level folders synth owns. Only files in them carrying the generated header are ever deleted. */
export const OUTPUT_DIRS = ['rendered', 'schemas'] as const;

/** The name of the gateway's cluster folder; no stamp may take it. */
export const GLOBAL_CLUSTER = 'global';

/** `rendered/stamps/<name>`: the stamp's manifests, one folder per layer. */
export function stampRenderedDir(name: string): string {
  return `rendered/stamps/${name}`;
}

/** `rendered/clusters/<name>`: the path a cluster is bootstrapped with (`flux bootstrap --path=…`). */
export function clusterRenderedDir(name: string): string {
  return `rendered/clusters/${name}`;
}

/** `rendered/global`: the global gateway. */
export const GLOBAL_RENDERED_DIR = 'rendered/global';

/** `rendered/infrastructure/zones/<zone>`: the infrastructure every stamp cluster of a residency zone applies. */
export function zoneInfrastructureDir(zone: string): string {
  return `rendered/infrastructure/zones/${zone}`;
}

/** `rendered/infrastructure/global`: the global cluster's infrastructure. */
export const GLOBAL_INFRASTRUCTURE_DIR = 'rendered/infrastructure/global';

/** `rendered/routing/dns/endpoints`: the DNSEndpoint objects the global cluster applies for external-dns. */
export const DNS_ENDPOINTS_DIR = 'rendered/routing/dns/endpoints';

/** `rendered/routing`: routing artifacts (table, DNS, nginx). */
export const ROUTING_RENDERED_DIR = 'rendered/routing';

/** The source files a fleet-wide file is generated from, for its header. */
export function fleetSourcesLabel(fleet: LoadedFleet): string {
  return fleet.tenantLists.length > 0 ? 'fleet.yaml, stamps/*.yaml and tenants/*.yaml' : 'fleet.yaml and stamps/*.yaml';
}
