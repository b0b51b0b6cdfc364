// Units of rendering work, the same in process and in worker threads.
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import type { ApiObject, ConfigMapData, InfrastructureManifests, StampManifests, TemplateApi } from './contracts.ts';
import { renderGlobalFiles, renderStampFiles, renderZoneInfrastructureFiles, type SynthFile } from '../render.ts';

export type RenderTask =
  | {
      readonly id: number;
      readonly kind: 'stamps';
      readonly fleet: FleetSpec;
      readonly stamps: readonly Stamp[];
      /** Objects appended to each stamp's apps layer (its tenant-list ConfigMap, migration Jobs), by stamp name. @default - none */
      readonly extraApps?: Readonly<Record<string, readonly ApiObject[]>>;
    }
  | {
      readonly id: number;
      readonly kind: 'global';
      readonly fleet: FleetSpec;
      readonly source: string;
      readonly configMaps: readonly ConfigMapData[];
      /** The DNSEndpoint files routing rendered, relative to rendered/routing/dns/endpoints. */
      readonly dnsEndpointFiles: readonly string[];
    };

export type RenderReply = { readonly id: number; readonly files: SynthFile[] } | { readonly id: number; readonly error: string };

// One renderer per fleet and thread, so each shape of stamp goes through cdk8s once
// however the stamps are split into tasks.
interface Renderers {
  readonly key: string;
  readonly template: TemplateApi;
  readonly render: (stamp: Stamp) => StampManifests;
  /** Each zone's infrastructure, rendered once per thread. */
  readonly zones: Map<string, InfrastructureManifests>;
}
let renderers: Renderers | undefined;

function renderersFor(template: TemplateApi, fleet: FleetSpec): Renderers {
  const key = JSON.stringify(fleet);
  if (renderers?.key !== key || renderers.template !== template) {
    renderers = { key, template, render: template.createStampRenderer(fleet), zones: new Map() };
  }
  return renderers;
}

function zoneInfrastructure(r: Renderers, fleet: FleetSpec, zone: string): InfrastructureManifests {
  let manifests = r.zones.get(zone);
  if (!manifests) r.zones.set(zone, (manifests = r.template.synthesizeZoneInfrastructure(fleet, zone)));
  return manifests;
}

/** The residency zones of the region catalog, sorted. */
function zonesOf(fleet: FleetSpec): string[] {
  return [...new Set(Object.values(fleet.regions).map((r) => r.zone))].sort();
}

export function renderTask(template: TemplateApi, task: RenderTask): SynthFile[] {
  if (task.kind === 'global') {
    const gateway = template.synthesizeGateway(task.fleet, { routingConfigMaps: [...task.configMaps] });
    const r = renderersFor(template, task.fleet);
    return [
      ...renderGlobalFiles(task.fleet, task.source, gateway, template.synthesizeGlobalInfrastructure(task.fleet), task.dnsEndpointFiles),
      ...zonesOf(task.fleet).flatMap((zone) => renderZoneInfrastructureFiles(zone, 'fleet.yaml', zoneInfrastructure(r, task.fleet, zone))),
    ];
  }
  const r = renderersFor(template, task.fleet);
  return task.stamps.flatMap((stamp) => {
    const zone = task.fleet.regions[stamp.spec.region]?.zone;
    // An unknown region is the template's to report.
    const rendered = r.render(stamp);
    const extra = task.extraApps?.[stamp.metadata.name];
    const manifests = extra ? { ...rendered, apps: [...rendered.apps, ...extra] } : rendered;
    const variables = template.stampClusterVariables(stamp);
    if (zone === undefined)
      return renderStampFiles(task.fleet, stamp, manifests, { infrastructure: [], 'infrastructure-config': [] }, variables);
    return renderStampFiles(task.fleet, stamp, manifests, zoneInfrastructure(r, task.fleet, zone), variables);
  });
}
