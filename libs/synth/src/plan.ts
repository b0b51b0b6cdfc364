// Plans every generated file of a fleet. Reads nothing from disk and writes nothing.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { assertRenderable, InternalError, jsonSchemaFiles, type LoadedFleet } from '@stampyard/stamp-spec';
import { loadConfigMaps, loadRouting, loadTemplate, type RoutingApi, type TemplateApi } from './private/contracts.ts';
import { runOnThreads } from './private/pool.ts';
import { renderTask, type RenderTask } from './private/tasks.ts';
import { DNS_ENDPOINTS_DIR, fleetSourcesLabel, OUTPUT_DIRS, ROUTING_RENDERED_DIR } from './layout.ts';
import { routingConfigMapFile, type SynthFile } from './render.ts';

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
  /**
   * Reuse what earlier runs rendered: each stamp and the gateway are render units keyed by a
   * content hash of their inputs and `code` (the rendering code's fingerprint); a unit whose key
   * the store holds is not rendered again. The result is the same files either way (a property
   * test checks it for random sequences of changes).
   * @default - render everything
   */
  readonly cache?: { readonly code: string; readonly store: RenderCache };
}

/** Files rendered per unit, by the unit's content key. `planSynthCached` keeps them on disk. */
export interface RenderCache {
  /** What the unit with this key rendered before, or undefined. */
  get(key: string): readonly SynthFile[] | undefined;
  /** Remembers what a unit rendered. */
  set(key: string, files: readonly SynthFile[]): void;
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
  const source = fleetSourcesLabel(fleet);
  const configMapNames = routing.configMaps.map((c) => c.name);
  // A unit's key: the rendering code, the fleet settings and the unit's own input.
  const cache = options.cache;
  const specJson = cache ? JSON.stringify(spec) : '';
  const keyOf = (kind: string, input: unknown) => cache && createHash('sha256').update(cache.code).update('\0').update(kind).update('\0').update(specJson).update('\0').update(JSON.stringify(input)).digest('hex');
  const globalKey = keyOf('global', { source, configMapNames, dnsEndpointFiles });
  const stampKeys = stamps.map((stamp) => keyOf('stamp', stamp));
  const reused: SynthFile[] = [];
  const fromCache = (key: string | undefined) => {
    const files = key === undefined ? undefined : cache!.store.get(key);
    if (files) reused.push(...files);
    return files !== undefined;
  };
  const renderGlobal = !fromCache(globalKey);
  const toRender = stamps.filter((_, i) => !fromCache(stampKeys[i]));

  const threads = options.template ? 1 : (options.workers ?? (toRender.length < WORKER_THRESHOLD ? 1 : Math.min(MAX_DEFAULT_WORKERS, availableParallelism())));
  // Small chunks keep every worker busy to the end; large ones cut messaging.
  const chunk = Math.max(1, Math.min(25, Math.ceil(toRender.length / Math.max(1, threads * 8))));
  const tasks: RenderTask[] = renderGlobal ? [{ id: 0, kind: 'global', fleet: spec, source, configMaps: configMapNames, dnsEndpointFiles }] : [];
  // One stamp per task when caching, so each task's files are one unit's.
  const size = cache ? 1 : chunk;
  for (let i = 0; i < toRender.length; i += size) tasks.push({ id: tasks.length, kind: 'stamps', fleet: spec, stamps: toRender.slice(i, i + size) });

  let rendered: SynthFile[][] = [];
  if (tasks.length > 0) {
    const template = options.template ? Promise.resolve(options.template) : loadTemplate();
    const renderHere = template.then((t) => (task: RenderTask) => renderTask(t, task));
    rendered = threads > 1 ? await runOnThreads(tasks, threads, renderHere) : tasks.map(await renderHere);
  }
  if (cache) {
    const keyByStamp = new Map(stamps.map((stamp, i) => [stamp, stampKeys[i]!]));
    tasks.forEach((task, i) => cache.store.set(task.kind === 'global' ? globalKey! : keyByStamp.get(task.stamps[0]!)!, rendered[i]!));
  }

  const { gatewayConfigMap } = await loadConfigMaps();
  const configMapFiles = routing.configMaps.map((c) => routingConfigMapFile(source, gatewayConfigMap(spec, c)));
  const files: SynthFile[] = [...jsonSchemaFiles(), ...routing.files.map(routingFile), ...configMapFiles, ...reused, ...rendered.flat()];
  const byPath = new Map<string, string>();
  for (const file of files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (byPath.has(file.path)) throw new InternalError(`two generated files share the path ${file.path}`);
    if (!OUTPUT_DIRS.some((dir) => file.path.startsWith(`${dir}/`))) throw new InternalError(`generated file ${file.path} is outside ${OUTPUT_DIRS.join(', ')}`);
    byPath.set(file.path, file.content);
  }
  return { files: byPath, stamps: stamps.map((s) => s.metadata.name) };
}

/** Routing files are placed under rendered/routing/ unless they name their full path. */
function routingFile(file: { path: string; content: string }): SynthFile {
  return file.path.startsWith('rendered/') ? file : { path: `${ROUTING_RENDERED_DIR}/${file.path}`, content: file.content };
}
