// Units of rendering work, the same in process and in worker threads.
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import type { StampManifests, TemplateApi } from './contracts.ts';
import { renderGlobalFiles, renderStampFiles, type SynthFile } from '../render.ts';

export type RenderTask =
  | { readonly id: number; readonly kind: 'stamps'; readonly fleet: FleetSpec; readonly stamps: readonly Stamp[] }
  | {
      readonly id: number;
      readonly kind: 'global';
      readonly fleet: FleetSpec;
      readonly source: string;
      /** Names of the routing ConfigMaps the gateway mounts (synth renders them apart). */
      readonly configMaps: readonly string[];
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
    const gateway = template.synthesizeGateway(task.fleet, { routingConfigMaps: task.configMaps.map((name) => ({ name })) });
    return renderGlobalFiles(task.fleet, task.source, gateway, task.configMaps);
  }
  const render = rendererFor(template, task.fleet);
  return task.stamps.flatMap((stamp) => renderStampFiles(task.fleet, stamp, render(stamp)));
}
