// Pull-request mode, the pure part: what changed between a base ref and now.
import { parseYamlSource } from '@stampyard/stamp-spec';
import type { BaseDiff, ChangedFile, FileChangeKind, StampChange, TenantChange } from './model.ts';

const STATUS_LETTERS: Readonly<Record<string, FileChangeKind>> = {
  A: 'added',
  C: 'added',
  D: 'removed',
  M: 'modified',
  T: 'modified',
  R: 'renamed',
};

/** Parses `git diff --name-status` output. Renames and copies count as their new path, `renamed`. */
export function parseNameStatus(text: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [status = '', first = '', second] = line.split('\t');
    const change: FileChangeKind = STATUS_LETTERS[status.charAt(0)] ?? 'modified';
    files.push({ path: second ?? first, change });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Tenant id → stamp (or undefined when unplaced), from tenant files' text. Unparseable files are skipped. */
export function tenantPlacements(texts: readonly string[]): Map<string, string | undefined> {
  const placements = new Map<string, string | undefined>();
  for (const text of texts) {
    const { source } = parseYamlSource({ path: 'tenants.yaml', text });
    const doc: unknown = source?.doc.toJS();
    const items = (doc as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) continue;
    for (const item of items as { id?: unknown; stamp?: unknown }[]) {
      if (typeof item?.id !== 'string') continue;
      placements.set(item.id, typeof item.stamp === 'string' ? item.stamp : undefined);
    }
  }
  return placements;
}

/** The revision of a routing table or shard index's text, if it has one. */
export function routingRevisionOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const revision = (JSON.parse(text) as { revision?: unknown }).revision;
    return typeof revision === 'string' ? revision : undefined;
  } catch {
    return undefined;
  }
}

export interface BaseDiffInput {
  readonly ref: string;
  /** Changed files under stamps/, rendered/ and tenants/ (from `parseNameStatus`). */
  readonly files: readonly ChangedFile[];
  /** Stamp names at the base and now. */
  readonly baseStamps: readonly string[];
  readonly headStamps: readonly string[];
  /** Tenant placements at the base and now (from `tenantPlacements`). */
  readonly baseTenants: ReadonlyMap<string, string | undefined>;
  readonly headTenants: ReadonlyMap<string, string | undefined>;
  readonly routingRevision: { readonly before?: string; readonly after?: string };
}

/** Works out the stamps, rendered files and tenants that changed. Pure. */
export function diffAgainstBase(input: BaseDiffInput): BaseDiff {
  const known = new Set([...input.baseStamps, ...input.headStamps]);
  const stamps = new Map<string, { change: StampChange['change']; renderedFiles: ChangedFile[] }>();
  const entry = (name: string) => {
    let e = stamps.get(name);
    if (!e) {
      e = { change: 'rendered', renderedFiles: [] };
      stamps.set(name, e);
    }
    return e;
  };
  const otherRenderedFiles: ChangedFile[] = [];
  for (const file of input.files) {
    const stampFile = /^stamps\/([^/]+)\.ya?ml$/.exec(file.path);
    if (stampFile) {
      const name = stampFile[1]!;
      entry(name).change = file.change === 'added' ? 'added' : file.change === 'removed' ? 'removed' : 'changed';
    } else if (file.path.startsWith('rendered/')) {
      const owner = stampOfRenderedPath(file.path, known);
      if (owner) entry(owner).renderedFiles.push(file);
      else otherRenderedFiles.push(file);
    }
  }
  // A stamp file added or removed without showing in the diff (e.g. renamed): compare the name sets too.
  const base = new Set(input.baseStamps);
  const head = new Set(input.headStamps);
  for (const name of head) if (!base.has(name)) entry(name).change = 'added';
  for (const name of base) if (!head.has(name)) entry(name).change = 'removed';

  const tenants: TenantChange[] = [];
  for (const [id, to] of input.headTenants) {
    if (!input.baseTenants.has(id)) {
      tenants.push(to ? { id, change: 'placed', to } : { id, change: 'added' });
      continue;
    }
    const from = input.baseTenants.get(id);
    if (from === to) continue;
    if (from === undefined) tenants.push({ id, change: 'placed', to: to! });
    else if (to === undefined) tenants.push({ id, change: 'unplaced', from });
    else tenants.push({ id, change: 'moved', from, to });
  }
  for (const [id, from] of input.baseTenants) {
    if (!input.headTenants.has(id)) tenants.push(from ? { id, change: 'removed', from } : { id, change: 'removed' });
  }
  tenants.sort((a, b) => a.id.localeCompare(b.id));

  return {
    ref: input.ref,
    stamps: [...stamps]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([name, e]) => ({ name, change: e.change, renderedFiles: e.renderedFiles })),
    otherRenderedFiles,
    tenants,
    routingRevision: {
      ...(input.routingRevision.before ? { before: input.routingRevision.before } : {}),
      ...(input.routingRevision.after ? { after: input.routingRevision.after } : {}),
    },
  };
}

/** The stamp a rendered file belongs to: a path segment (or file name without extension) equal to a stamp name. */
export function stampOfRenderedPath(path: string, stamps: ReadonlySet<string>): string | undefined {
  const segments = path.split('/').slice(1);
  for (const segment of segments) {
    if (stamps.has(segment)) return segment;
    const bare = segment.replace(/\.[^.]*$/, '').replace(/\.(ya?ml|json)$/, '');
    if (stamps.has(bare)) return bare;
  }
  return undefined;
}
