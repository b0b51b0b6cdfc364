// Units of rendering work, the same in process and in worker threads.
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import type { ConfigMapData, TemplateApi } from './contracts.ts';
import { renderGlobalFiles, renderStampFiles, type SynthFile } from '../render.ts';

export type RenderTask =
  | { readonly id: number; readonly kind: 'stamps'; readonly fleet: FleetSpec; readonly stamps: readonly Stamp[] }
  | {
      readonly id: number;
      readonly kind: 'global';
      readonly fleet: FleetSpec;
      readonly source: string;
      readonly configMaps: readonly ConfigMapData[];
    };

export type RenderReply = { readonly id: number; readonly files: SynthFile[] } | { readonly id: number; readonly error: string };

export function renderTask(template: TemplateApi, task: RenderTask): SynthFile[] {
  if (task.kind === 'global') {
    const gateway = template.synthesizeGateway(task.fleet, { routingConfigMaps: [...task.configMaps] });
    return renderGlobalFiles(task.fleet, task.source, gateway);
  }
  return task.stamps.flatMap((stamp) => renderStampFiles(task.fleet, stamp, template.synthesizeStamp(task.fleet, stamp)));
}
