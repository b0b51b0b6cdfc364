// Units of rendering work, the same in process and in worker threads.
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import type { ApiObject, ConfigMapData, StampManifests, TemplateApi } from './contracts.ts';
import { renderGlobalFiles, renderStampFiles, type SynthFile } from '../render.ts';

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
    };

export type RenderReply = { readonly id: number; readonly files: SynthFile[] } | { readonly id: number; readonly error: string };

// One renderer per fleet and thread, so each shape of stamp goes through cdk8s once
// however the stamps are split into tasks.
let renderers: { readonly key: string; readonly template: TemplateApi; readonly render: (stamp: Stamp) => StampManifests } | undefined;

function rendererFor(template: TemplateApi, fleet: FleetSpec): (stamp: Stamp) => StampManifests {
  const key = JSON.stringify(fleet);
  if (renderers?.key !== key || renderers.template !== template) {
    renderers = { key, template, render: template.createStampRenderer(fleet) };
  }
  return renderers.render;
}

export function renderTask(template: TemplateApi, task: RenderTask): SynthFile[] {
  if (task.kind === 'global') {
    const gateway = template.synthesizeGateway(task.fleet, { routingConfigMaps: [...task.configMaps] });
    return renderGlobalFiles(task.fleet, task.source, gateway);
  }
  const render = rendererFor(template, task.fleet);
  return task.stamps.flatMap((stamp) => {
    const manifests = render(stamp);
    const extra = task.extraApps?.[stamp.metadata.name];
    return renderStampFiles(task.fleet, stamp, extra ? { ...manifests, apps: [...manifests.apps, ...extra] } : manifests);
  });
}
