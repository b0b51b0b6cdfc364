// Where synth writes. Every generated file lives under one of OUTPUT_DIRS.
import type { LoadedFleet } from '@stampyard/stamp-spec';

/** The Flux layers of a stamp, in `dependsOn` order. */
export const STAMP_LAYERS = ['platform', 'data', 'apps'] as const;
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

/** `rendered/routing`: routing artifacts (table, DNS, nginx). */
export const ROUTING_RENDERED_DIR = 'rendered/routing';

/** The source files a fleet-wide file is generated from, for its header. */
export function fleetSourcesLabel(fleet: LoadedFleet): string {
  return fleet.tenantLists.length > 0 ? 'fleet.yaml, stamps/*.yaml and tenants/*.yaml' : 'fleet.yaml and stamps/*.yaml';
}
