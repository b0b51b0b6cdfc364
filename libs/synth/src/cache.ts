// Incremental synth: what each render unit (a stamp, the gateway) rendered, kept on disk by the
// unit's content key (a hash of its inputs, the fleet settings and the rendering code), so synth
// renders only the units whose inputs or code changed. The code fingerprint covers the source of
// every package that renders (stamp-spec, stamp-template, routing, synth), the installed
// dependency versions (package-lock.json) and the Node version. `--no-cache` renders everything.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic, type LoadedFleet } from '@stampyard/stamp-spec';
import { planSynth, type PlanSynthOptions, type RenderCache, type SynthPlan } from './plan.ts';
import type { SynthFile } from './render.ts';

const SYNTH_SRC = dirname(fileURLToPath(import.meta.url));
/** The cache folder, relative to the workspace root (CI restores and saves it). */
export const SYNTH_CACHE_DIR = 'node_modules/.cache/stampyard-synth';
/** The folder, under the cache folder, holding one file per unit key. */
const UNITS_DIR = 'units';

export interface CachedPlanOptions extends PlanSynthOptions {
  /**
   * Folder holding the cache; false turns caching off.
   * @default - node_modules/.cache/stampyard-synth in the workspace
   */
  readonly cacheDir?: string | false;
  /**
   * Whether newly rendered units are stored; `synth --check` reads the cache but writes nothing.
   * @default true
   */
  readonly writeCache?: boolean;
  /**
   * Render every unit from scratch, as `--no-cache` does, and store them all: CI does this on
   * the default branch, so its full check also fills the cache pull requests restore.
   * @default false
   */
  readonly refreshCache?: boolean;
}

/** The workspace root: the nearest folder above synth holding package-lock.json. */
function workspaceRoot(): string | undefined {
  for (let dir = SYNTH_SRC; dirname(dir) !== dir; dir = dirname(dir)) if (existsSync(join(dir, 'package-lock.json'))) return dir;
  return undefined;
}

async function hashFolder(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  for (const file of files) hash.update(file.slice(dir.length)).update('\0').update(await readFile(file)).update('\0');
}

/** What the rendering code is: every source file of the packages that render, the lock file, Node. */
export async function codeFingerprint(root: string): Promise<string> {
  const hash = createHash('sha256').update(process.version).update('\0');
  hash.update(await readFile(join(root, 'package-lock.json')));
  const require = createRequire(import.meta.url);
  const sources = [SYNTH_SRC, ...['@stampyard/stamp-spec', '@stampyard/stamp-template', '@stampyard/routing'].map((p) => dirname(require.resolve(p)))];
  for (const dir of sources) await hashFolder(hash, dir);
  return hash.digest('hex');
}

/**
 * A RenderCache over a folder: one JSON file per unit key, read on demand, new entries kept in
 * memory until `flush`. A damaged or unreadable entry is a miss.
 */
export class DiskRenderCache implements RenderCache {
  private readonly pending = new Map<string, readonly SynthFile[]>();
  private readonly used = new Set<string>();

  /** `refresh`: every `get` misses, so everything renders and is stored anew. */
  constructor(
    private readonly dir: string,
    private readonly refresh = false,
  ) {}

  get(key: string): readonly SynthFile[] | undefined {
    this.used.add(key);
    const pending = this.pending.get(key);
    if (pending) return pending;
    if (this.refresh) return undefined;
    try {
      const files = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as unknown;
      if (!Array.isArray(files) || !files.every((f) => typeof f?.path === 'string' && typeof f?.content === 'string')) return undefined;
      return files as SynthFile[];
    } catch {
      return undefined;
    }
  }

  set(key: string, files: readonly SynthFile[]): void {
    this.used.add(key);
    this.pending.set(key, files);
  }

  /**
   * Writes the new entries (each atomically) and deletes entries this run did not use, so the
   * cache holds one fleet's units. Returns the number written.
   */
  async flush(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    for (const [key, files] of this.pending) await writeFileAtomic(join(this.dir, `${key}.json`), JSON.stringify(files));
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.json') && !this.used.has(name.slice(0, -'.json'.length))) await rm(join(this.dir, name), { force: true });
    }
    const written = this.pending.size;
    this.pending.clear();
    return written;
  }
}

/** `planSynth`, rendering only the units whose content key the local cache doesn't hold. */
export async function planSynthCached(fleet: LoadedFleet, options: CachedPlanOptions = {}): Promise<SynthPlan> {
  const root = workspaceRoot();
  if (options.cacheDir === false || options.template || options.routing || !root) return planSynth(fleet, options);
  const store = new DiskRenderCache(join(options.cacheDir ?? join(root, SYNTH_CACHE_DIR), UNITS_DIR), options.refreshCache === true);
  const plan = await planSynth(fleet, { ...options, cache: { code: await codeFingerprint(root), store } });
  // `synth --check` writes nothing, not even the cache, unless asked to refresh it.
  if (options.writeCache !== false || options.refreshCache === true) await store.flush();
  return plan;
}
