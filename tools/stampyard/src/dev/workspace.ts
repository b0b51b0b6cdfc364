// The temporary copy of a fleet repository the local fleet runs on, so the real
// stamps/, tenants/ and rendered/ are never changed.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { writeFileAtomic } from '@stampyard/stamp-spec';

/** What a fleet repository holds that the local fleet needs. */
export const FLEET_ENTRIES = ['fleet.yaml', 'rollout.yaml', 'stamps', 'tenants', 'rendered', 'schemas'] as const;

/** The fleet's own files, which a scenario may change and `restoreFleetFiles` puts back. */
const STATE_ENTRIES = ['fleet.yaml', 'rollout.yaml', 'stamps', 'tenants'] as const;

/** Copies the fleet entries of `source` into a new folder in the OS temp folder and returns its path. */
export async function copyFleetRepo(source: string): Promise<string> {
  if (!existsSync(join(source, 'fleet.yaml'))) {
    throw new Error(`${join(source, 'fleet.yaml')} not found; pass --root <dir> pointing at a fleet repository`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'stampyard-dev-'));
  await copyEntries(source, dir, FLEET_ENTRIES);
  return dir;
}

/** Puts the copy's fleet.yaml, rollout.yaml, stamps/ and tenants/ back as they are in `source`. */
export async function restoreFleetFiles(source: string, dir: string): Promise<void> {
  await copyEntries(source, dir, STATE_ENTRIES);
}

async function copyEntries(source: string, dir: string, entries: readonly string[]): Promise<void> {
  for (const entry of entries) {
    const from = join(source, entry);
    const to = join(dir, entry);
    await rm(to, { recursive: true, force: true });
    if (existsSync(from)) await cp(from, to, { recursive: true });
  }
}

/** The demo's analysis: the error rate over a short window, so it has data within seconds of real time. */
export const DEMO_ANALYSIS = {
  name: 'error-rate',
  query: 'sum(rate(http_errors_total{stamp="$stamp"}[$window])) / sum(rate(http_requests_total{stamp="$stamp"}[$window]))',
  max: 0.05,
  window: '15s',
} as const;

/** Sets `spec.rollout.analysis` in the copy's fleet.yaml to the demo's analysis (the local fleet's Prometheus has minutes of data, not hours). */
export async function setDemoAnalysis(dir: string): Promise<void> {
  const path = join(dir, 'fleet.yaml');
  const document = parseDocument(await readFile(path, 'utf8'));
  document.setIn(['spec', 'rollout', 'analysis'], document.createNode([{ ...DEMO_ANALYSIS }]));
  await writeFileAtomic(path, document.toString({ lineWidth: 0 }));
}

/** Sets `spec.rollout.onFailure` in the copy's fleet.yaml, keeping its comments and layout. */
export async function setOnFailure(dir: string, onFailure: 'halt' | 'rollback'): Promise<void> {
  const path = join(dir, 'fleet.yaml');
  const document = parseDocument(await readFile(path, 'utf8'));
  document.setIn(['spec', 'rollout', 'onFailure'], onFailure);
  await writeFileAtomic(path, document.toString({ lineWidth: 0 }));
}
