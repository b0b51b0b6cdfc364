// Plans every generated file of a fleet. Reads nothing from disk and writes nothing.
import { availableParallelism } from 'node:os';
import { assertRenderable, InternalError, jsonSchemaFiles, type LoadedFleet } from '@stampyard/stamp-spec';
import { loadRouting, loadTemplate, type ApiObject, type RoutingApi, type TemplateApi } from './private/contracts.ts';

/** The template's migration Jobs (optional in `options.template`, which tests fake). */
type TemplateWithJobs = Pick<typeof import('@stampyard/stamp-template'), 'migrationJobs'>;
import { runOnThreads } from './private/pool.ts';
import { renderTask, type RenderTask } from './private/tasks.ts';
import { DNS_ENDPOINTS_DIR, fleetSourcesLabel, OUTPUT_DIRS, ROUTING_RENDERED_DIR } from './layout.ts';
import type { SynthFile } from './render.ts';

/** Every generated file of a fleet. */
export interface SynthPlan {
  /** Every generated file, path relative to the fleet root → content, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** The stamps rendered, sorted by name. */
  readonly stamps: readonly string[];
}

export interface PlanSynthOptions {
  /**
   * Threads to render on: this one plus `workers - 1` worker threads; 0 or 1 renders in this thread only.
   * @default - 1 below 50 stamps (starting a worker costs more than it saves), else the number of cores, at most 4 (each worker holds its own cdk8s, ~100 MB)
   */
  readonly workers?: number;
  /**
   * The template to render with, in this thread (tests inject failures or fakes through it).
   * @default - `@stampyard/stamp-template`, loaded on first use
   */
  readonly template?: TemplateApi;
  /**
   * The routing library.
   * @default - `@stampyard/routing`
   */
  readonly routing?: RoutingApi;
}

/** The most rendering threads used unless asked for more. */
export const MAX_DEFAULT_WORKERS = 4;

/** Below this many stamps, rendering runs in this thread. */
export const WORKER_THRESHOLD = 50;

/** Renders the whole fleet: stamps, clusters, gateway, routing artifacts and JSON Schemas. */
export async function planSynth(fleet: LoadedFleet, options: PlanSynthOptions = {}): Promise<SynthPlan> {
  // Reserved names, chart pins and the like are fleet rules that validate checks too (checkFleet); this is what rendering needs on top.
  assertRenderable(fleet);
  const spec = fleet.fleet.spec;
  const routing = (options.routing ?? (await loadRouting())).renderRoutingArtifacts(fleet);
  const dnsEndpointFiles = routing.files
    .map((f) => routingFile(f).path)
    .filter((path) => path.startsWith(`${DNS_ENDPOINTS_DIR}/`))
    .map((path) => path.slice(DNS_ENDPOINTS_DIR.length + 1));
  const stamps = fleet.stamps.map((s) => s.stamp);
  const threads = options.template
    ? 1
    : (options.workers ?? (stamps.length < WORKER_THRESHOLD ? 1 : Math.min(MAX_DEFAULT_WORKERS, availableParallelism())));
  // Small chunks keep every worker busy to the end; large ones cut messaging.
  const chunk = Math.max(1, Math.min(25, Math.ceil(stamps.length / Math.max(1, threads * 8))));
  const tasks: RenderTask[] = [
    { id: 0, kind: 'global', fleet: spec, source: fleetSourcesLabel(fleet), configMaps: routing.configMaps, dnsEndpointFiles },
  ];
  const template = options.template ? Promise.resolve(options.template) : loadTemplate();
  // Per-stamp objects that depend on tenants and migrations rather than on the stamp's shape.
  const extraApps = new Map<string, ApiObject[]>();
  for (const [name, list] of Object.entries(routing.tenantLists ?? {})) extraApps.set(name, [list]);
  if ((fleet.migrations ?? []).length > 0) {
    const jobs = ((await template) as Partial<TemplateWithJobs>).migrationJobs?.(spec, stamps, fleet.migrations ?? []) ?? new Map();
    for (const [name, objects] of jobs) extraApps.set(name, [...(extraApps.get(name) ?? []), ...objects]);
  }
  for (let i = 0; i < stamps.length; i += chunk) {
    const slice = stamps.slice(i, i + chunk);
    const extra = Object.fromEntries(
      slice.flatMap((s) => (extraApps.has(s.metadata.name) ? [[s.metadata.name, extraApps.get(s.metadata.name)!]] : [])),
    );
    tasks.push({
      id: tasks.length,
      kind: 'stamps',
      fleet: spec,
      stamps: slice,
      ...(Object.keys(extra).length > 0 ? { extraApps: extra } : {}),
    });
  }

  const renderHere = template.then((t) => (task: RenderTask) => renderTask(t, task));
  const rendered = threads > 1 ? await runOnThreads(tasks, threads, renderHere) : tasks.map(await renderHere);

  const files: SynthFile[] = [...jsonSchemaFiles(), ...routing.files.map(routingFile), ...rendered.flat()];
  const byPath = new Map<string, string>();
  for (const file of files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (byPath.has(file.path)) throw new InternalError(`two generated files share the path ${file.path}`);
    if (!OUTPUT_DIRS.some((dir) => file.path.startsWith(`${dir}/`)))
      throw new InternalError(`generated file ${file.path} is outside ${OUTPUT_DIRS.join(', ')}`);
    byPath.set(file.path, file.content);
  }
  return { files: byPath, stamps: stamps.map((s) => s.metadata.name) };
}

/** Routing files are placed under rendered/routing/ unless they name their full path. */
function routingFile(file: { path: string; content: string }): SynthFile {
  return file.path.startsWith('rendered/') ? file : { path: `${ROUTING_RENDERED_DIR}/${file.path}`, content: file.content };
}
