// Pull-request mode, the shell: reads the base ref and the working tree with real git.
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ExitError } from '@stampyard/stamp-spec';
import { ROUTING_TABLE_FILE, SHARD_INDEX_FILE } from '@stampyard/routing';
import { diffAgainstBase, parseNameStatus, routingRevisionOf, tenantPlacements } from './base-diff.ts';
import type { BaseDiff } from './model.ts';

const run = promisify(execFile);
const MAX_BUFFER = 512 * 1024 * 1024;

async function git(root: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', root, ...args], { maxBuffer: MAX_BUFFER, encoding: 'utf8' });
  return stdout;
}

/**
 * Compares the working tree under `root` with the git ref `ref`: stamps, rendered
 * files, tenant placements and the routing table's revision. Reads only.
 * Throws ExitError(2) when `ref` is not a commit of the repository at `root`.
 */
export async function readBaseDiff(root: string, ref: string): Promise<BaseDiff> {
  try {
    await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new ExitError(
      2,
      `--base: '${ref}' is not a commit in the git repository at ${root}; pass a branch, tag or commit such as origin/main (in CI, fetch it first: git fetch origin main)`,
    );
  }
  const files = parseNameStatus(await git(root, ['diff', '--no-renames', '--name-status', ref, '--', 'stamps', 'rendered', 'tenants']));
  const baseTree = (await git(root, ['ls-tree', '-r', '--name-only', ref, '--', 'stamps', 'tenants', 'rendered']))
    .split('\n')
    .filter(Boolean);
  const yamlIn = (dir: string, paths: readonly string[]) =>
    paths.filter((p) => p.startsWith(`${dir}/`) && /\.ya?ml$/.test(p) && !p.slice(dir.length + 1).includes('/'));
  const stampName = (p: string) => p.slice('stamps/'.length).replace(/\.ya?ml$/, '');

  const headTree = await listFiles(root, ['stamps', 'tenants', 'rendered']);
  const baseTenantTexts = await Promise.all(yamlIn('tenants', baseTree).map((p) => git(root, ['show', `${ref}:${p}`])));
  const headTenantTexts = await Promise.all(yamlIn('tenants', headTree).map((p) => readFile(join(root, p), 'utf8')));
  const baseTable = routingTablePath(baseTree);
  const headTable = routingTablePath(headTree);
  return diffAgainstBase({
    ref,
    files,
    baseStamps: yamlIn('stamps', baseTree).map(stampName),
    headStamps: yamlIn('stamps', headTree).map(stampName),
    baseTenants: tenantPlacements(baseTenantTexts),
    headTenants: tenantPlacements(headTenantTexts),
    routingRevision: {
      before: routingRevisionOf(baseTable ? await git(root, ['show', `${ref}:${baseTable}`]) : undefined),
      after: routingRevisionOf(headTable ? await readFile(join(root, headTable), 'utf8') : undefined),
    },
  });
}

/** The routing table under rendered/: the single file if there is one, else a shard index. */
function routingTablePath(paths: readonly string[]): string | undefined {
  const inRendered = paths.filter((p) => p.startsWith('rendered/')).sort();
  return inRendered.find((p) => p.endsWith(`/${ROUTING_TABLE_FILE}`)) ?? inRendered.find((p) => p.endsWith(`/${SHARD_INDEX_FILE}`));
}

/** Every file under the given folders of root, as POSIX paths relative to root. */
async function listFiles(root: string, dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = await readdir(join(root, dir), { recursive: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = `${dir}/${entry.split('\\').join('/')}`;
      out.push(path);
    }
  }
  return out.sort();
}
