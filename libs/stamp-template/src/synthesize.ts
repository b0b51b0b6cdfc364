// Stamp synthesis: one fresh cdk8s App per stamp (one App for many charts is quadratic).
import { App } from 'cdk8s';
import { catalogEntry, stampZone, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import { StampChart, type StampChartProps } from './stamp-chart.ts';
import { objectsOf, validateChart } from './private/clean.ts';
import { LAYERS, type StampManifests } from './types.ts';

/** Renders one stamp to plain Kubernetes objects per layer. Pure: same input, same output. */
export function synthesizeStamp(fleet: FleetSpec, stamp: Stamp, props: Partial<StampChartProps> = {}): StampManifests {
  const app = new App();
  const chart = new StampChart(app, stamp.metadata.name, { ...props, fleet, stamp });
  validateChart(chart);
  return Object.fromEntries(LAYERS.map((layer) => [layer, objectsOf(chart.layers[layer])])) as unknown as StampManifests;
}

// Sentinels: valid values of each parameter's type that never occur in a
// rendered stamp otherwise (a reserved documentation CIDR, labels no fleet uses).
const SENTINEL_NAME = 'zz-stampyard-sentinel-stamp';
const SENTINEL_REGION = 'zz-stampyard-sentinel-region';
const SENTINEL_ZONE = 'zz-stampyard-sentinel-zone';
const SENTINEL_TENANT = 'zz-stampyard-sentinel-tenant';
const SENTINEL_CIDR = '198.51.100.0/24';

/** Renders stamps one by one; same output as `synthesizeStamp`. */
export type StampRenderer = (stamp: Stamp) => StampManifests;

/**
 * A renderer for many stamps of one fleet. Stamps differ only through their
 * typed parameters (the identical-template test proves it), so cdk8s renders
 * each shape of stamp (size, release, status, wave, capacity, shared or
 * dedicated, and the kind of its zone's secret store) once, with sentinel
 * values for the stamp's own parameters (name, region, zone, CIDR, dedicated
 * tenant); each stamp then gets its own values
 * substituted into that output. The result equals `synthesizeStamp` exactly;
 * a property test compares the two. Rendering 1000 stamps this way costs a
 * handful of cdk8s runs instead of 1000.
 */
export function createStampRenderer(fleet: FleetSpec, props: Partial<StampChartProps> = {}): StampRenderer {
  // The sentinel zone gets the stamp's zone's store: a stamp's objects depend on the store's kind
  // and key prefix, not on its address (that is the zone's infrastructure's).
  const sentinelFleet = (zone: string): FleetSpec => ({
    ...fleet,
    regions: { ...fleet.regions, [SENTINEL_REGION]: { zone: SENTINEL_ZONE } },
    secretStores: { ...fleet.secretStores, ...(fleet.secretStores?.[zone] ? { [SENTINEL_ZONE]: fleet.secretStores[zone] } : {}) },
  });
  const shapes = new Map<string, string>();
  return (stamp) => {
    const zone = stampZone(fleet, stamp);
    // An unknown region is the full renderer's to report.
    if (zone === undefined) return synthesizeStamp(fleet, stamp, props);
    const { region: _region, network: _network, dedicatedTo, ...shape } = stamp.spec;
    const store = fleet.secretStores?.[zone];
    const storeShape =
      store?.provider === 'generated' ? store : store ? { provider: store.provider, pathPrefix: store.pathPrefix } : undefined;
    // The zone's telemetry endpoint and lake are rendered as they are, so they are part of the shape:
    // a shape rendered for one zone is never reused for another.
    const zoneSettings = catalogEntry(fleet.zones, zone);
    const key = JSON.stringify({ ...shape, store: storeShape, dedicated: dedicatedTo !== undefined, zoneSettings });
    let text = shapes.get(key);
    if (text === undefined) {
      const sentinel: Stamp = {
        ...stamp,
        metadata: { ...stamp.metadata, name: SENTINEL_NAME },
        spec: {
          ...stamp.spec,
          region: SENTINEL_REGION,
          network: { cidr: SENTINEL_CIDR },
          ...(dedicatedTo !== undefined ? { dedicatedTo: SENTINEL_TENANT } : {}),
        },
      };
      const base = sentinelFleet(zone);
      const zones = zoneSettings ? { ...fleet.zones, [SENTINEL_ZONE]: zoneSettings } : fleet.zones;
      text = JSON.stringify(synthesizeStamp({ ...base, zones }, sentinel, props));
      shapes.set(key, text);
    }
    const own = text
      .replaceAll(SENTINEL_NAME, stamp.metadata.name)
      .replaceAll(SENTINEL_REGION, stamp.spec.region)
      .replaceAll(SENTINEL_ZONE, zone)
      .replaceAll(SENTINEL_TENANT, dedicatedTo ?? '')
      .replaceAll(SENTINEL_CIDR, stamp.spec.network.cidr);
    return JSON.parse(own) as StampManifests;
  };
}
