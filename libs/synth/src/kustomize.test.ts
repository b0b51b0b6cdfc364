import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rm, writeFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadFleet } from '@stampyard/stamp-spec';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { applySynth, planSynth } from './index.ts';

const run = promisify(execFile);

async function findKubectl(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v kubectl']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}
const kubectl = await findKubectl();
if (!kubectl && process.env['CI']) {
  // CI installs kubectl: its absence there is a broken setup, never a pass.
  throw new Error('kubectl is not on PATH, but CI must run the kubectl kustomize test; install kubectl (.ci/run does)');
}
const reason = kubectl ? '' : ' (SKIPPED: kubectl is not on PATH)';

describe(`kubectl kustomize on the rendered example fleet${reason}`, () => {
  let repo: TempRepo;
  let folders: string[];
  let plan: Awaited<ReturnType<typeof planSynth>>;
  beforeAll(async () => {
    repo = await copyExampleFleet();
    await rm(join(repo.root, 'rendered'), { recursive: true, force: true });
    plan = await planSynth(await loadFleet(repo.root));
    await applySynth(repo.root, plan);
    folders = [...plan.files.keys()].filter((p) => p.endsWith('/kustomization.yaml')).map((p) => dirname(p));
  });
  afterAll(async () => repo.cleanup());

  async function kustomize(folder: string): Promise<string> {
    const { stdout } = await run(kubectl!, ['kustomize', join(repo.root, folder)], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  it.skipIf(!kubectl)(
    'builds every rendered folder, with every object of the folder',
    async () => {
      // Each stamp: its folder, three layers and its cluster; each zone's two infrastructure layers; the
      // gateway, the global cluster's two infrastructure layers, the DNSEndpoints and the global cluster.
      expect(folders.length).toBe(8 * 5 + 2 * 2 + 5);
      // What the folder's kustomization.yaml lists: files' documents, and folders' objects in turn.
      const expectedObjects = (folder: string): number => {
        const { resources } = parseAllDocuments(plan.files.get(`${folder}/kustomization.yaml`)!)[0]!.toJS() as { resources: string[] };
        return resources.reduce((n, resource) => {
          const file = plan.files.get(`${folder}/${resource}`);
          return n + (file === undefined ? expectedObjects(`${folder}/${resource}`) : parseAllDocuments(file).length);
        }, 0);
      };
      const failures: string[] = [];
      // Two at a time: the machine has two cores.
      for (let i = 0; i < folders.length; i += 2) {
        await Promise.all(
          folders.slice(i, i + 2).map(async (folder) => {
            try {
              const out = await kustomize(folder);
              const objects = parseAllDocuments(out).length;
              if (objects !== expectedObjects(folder) || objects === 0)
                failures.push(`${folder}: ${objects} objects, expected ${expectedObjects(folder)}`);
            } catch (error) {
              failures.push(`${folder}: ${(error as Error).message}`);
            }
          }),
        );
      }
      expect(failures).toEqual([]);
    },
    180_000,
  );

  it.skipIf(!kubectl)('fails on a broken folder (the check above can fail)', async () => {
    const folder = 'rendered/stamps/stamp-eu-1/apps';
    await writeFile(join(repo.root, folder, 'kustomization.yaml'), 'resources:\n  - missing.yaml\n');
    await expect(kustomize(folder)).rejects.toThrow(/missing.yaml/);
  });
});
