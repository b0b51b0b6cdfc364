// A local cache of the last plan, so `stampyard synth --check` on an unchanged fleet skips
// loading cdk8s and rendering. The key covers the inputs (every parsed file and its path), the
// source of every package that renders (stamp-spec, stamp-template, routing, synth), the
// installed dependency versions (package-lock.json) and the Node version. CI starts without it,
// so CI always renders from scratch.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileIfExists, writeFileAtomic, type LoadedFleet } from '@stampyard/stamp-spec';
import { planSynth, type PlanSynthOptions, type SynthPlan } from './plan.ts';

const SYNTH_SRC = dirname(fileURLToPath(import.meta.url));
/** Plans larger than this are not cached (1000 stamps are ~40 MB). */
const MAX_CACHED_CHARS = 16 * 1024 * 1024;

export interface CachedPlanOptions extends PlanSynthOptions {
  /**
   * Folder holding the cache; false turns caching off.
   * @default - node_modules/.cache/stampyard-synth in the workspace
   */
  readonly cacheDir?: string | false;
  /**
   * Whether a miss stores the new plan; `synth --check` reads the cache but writes nothing.
   * @default true
   */
  readonly writeCache?: boolean;
}

/** The workspace root: the nearest folder above synth holding package-lock.json. */
function workspaceRoot(): string | undefined {
  for (let dir = SYNTH_SRC; dirname(dir) !== dir; dir = dirname(dir)) if (existsSync(join(dir, 'package-lock.json'))) return dir;
  return undefined;
}

async function hashFolder(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files)
    hash
      .update(file.slice(dir.length))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
}

/** What the rendering code is: every source file of the packages that render, the lock file, Node. */
async function codeFingerprint(root: string): Promise<string> {
  const hash = createHash('sha256').update(process.version).update('\0');
  hash.update(await readFile(join(root, 'package-lock.json')));
  const require = createRequire(import.meta.url);
  const sources = [
    SYNTH_SRC,
    ...['@stampyard/stamp-spec', '@stampyard/stamp-template', '@stampyard/routing'].map((p) => dirname(require.resolve(p))),
  ];
  for (const dir of sources) await hashFolder(hash, dir);
  return hash.digest('hex');
}

/** The key of a fleet's plan: the code fingerprint and every parsed input file with its path. */
function inputKey(fleet: LoadedFleet, code: string): string {
  const inputs = {
    fleet: [fleet.fleetSource.path, fleet.fleet],
    stamps: fleet.stamps.map((s) => [s.source.path, s.stamp]),
    tenants: fleet.tenantLists.map((t) => [t.source.path, t.list]),
  };
  return createHash('sha256').update(code).update('\0').update(JSON.stringify(inputs)).digest('hex');
}

/** `planSynth`, answered from the local cache when neither the fleet nor the code changed. */
export async function planSynthCached(fleet: LoadedFleet, options: CachedPlanOptions = {}): Promise<SynthPlan> {
  const root = workspaceRoot();
  if (options.cacheDir === false || options.template || options.routing || !root) return planSynth(fleet, options);
  const file = join(options.cacheDir ?? join(root, 'node_modules/.cache/stampyard-synth'), 'plan.json');
  const key = inputKey(fleet, await codeFingerprint(root));
  const cached = await readFileIfExists(file);
  if (cached) {
    try {
      const entry = JSON.parse(cached) as { key: string; stamps: string[]; files: [string, string][] };
      if (entry.key === key) return { files: new Map(entry.files), stamps: entry.stamps };
    } catch {
      // A damaged cache is a miss.
    }
  }
  const plan = await planSynth(fleet, options);
  // `synth --check` writes nothing, not even the cache.
  if (options.writeCache === false) return plan;
  let size = 0;
  for (const content of plan.files.values()) size += content.length;
  if (size <= MAX_CACHED_CHARS) {
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ key, stamps: plan.stamps, files: [...plan.files] }));
  }
  return plan;
}
