// Incremental synth renders only the units whose content key changed; whatever the sequence of
// changes, the result must equal a full render.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aFleet, aStamp, aTenant, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import type { FleetSpec, Stamp, Tenant } from '@stampyard/stamp-spec';
import { DiskRenderCache, planSynth, type RenderCache, type SynthFile } from './index.ts';

/** A RenderCache in memory that counts what it was asked for and what it was given. */
class MemoryCache implements RenderCache {
  readonly entries = new Map<string, readonly SynthFile[]>();
  stored = 0;
  get(key: string) {
    return this.entries.get(key);
  }
  set(key: string, files: readonly SynthFile[]) {
    this.stored++;
    this.entries.set(key, files);
  }
}

interface State {
  readonly fleet: FleetSpec;
  readonly stamps: readonly Stamp[];
  readonly tenants: readonly Tenant[];
  readonly code: string;
}

type Change =
  | { readonly kind: 'capacity' | 'wave' | 'size' | 'version' | 'remove'; readonly at: number; readonly value: number }
  | { readonly kind: 'add' | 'interval' | 'code' | 'tenant' | 'gateway-tag'; readonly value: number };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constantFrom('capacity' as const, 'wave' as const, 'size' as const, 'version' as const, 'remove' as const), at: fc.nat(), value: fc.nat(1000) }),
  fc.record({ kind: fc.constantFrom('add' as const, 'interval' as const, 'code' as const, 'tenant' as const, 'gateway-tag' as const), value: fc.nat(1000) }),
);

function apply(state: State, change: Change): State {
  const stamps = [...state.stamps];
  switch (change.kind) {
    case 'add':
      return { ...state, stamps: [...stamps, aStamp({ name: `stamp-new-${change.value}-${stamps.length}`, cidr: `10.200.${(change.value + stamps.length) % 256}.0/24`, region: 'eastus' })].filter((s, i, all) => all.findIndex((o) => o.spec.network.cidr === s.spec.network.cidr || o.metadata.name === s.metadata.name) === i) };
    case 'interval':
      return { ...state, fleet: { ...state.fleet, source: { ...state.fleet.source, interval: `${1 + (change.value % 5)}m` } } };
    case 'gateway-tag':
      return { ...state, fleet: { ...state.fleet, components: { ...state.fleet.components, gateway: { ...state.fleet.components.gateway, tag: `0.${change.value % 3}.0` } } } };
    case 'code':
      return { ...state, code: `code-${change.value % 3}` };
    case 'tenant':
      return { ...state, tenants: [...state.tenants.filter((t) => t.id !== `t${change.value % 7}`), aTenant({ id: `t${change.value % 7}`, residency: 'any', stamp: stamps[change.value % stamps.length]!.metadata.name })] };
    default: {
      if (stamps.length === 0) return state;
      const i = change.at % stamps.length;
      const stamp = stamps[i]!;
      if (change.kind === 'remove') {
        if (stamps.length === 1 || state.tenants.some((t) => t.stamp === stamp.metadata.name)) return state;
        stamps.splice(i, 1);
        return { ...state, stamps };
      }
      const spec = { ...stamp.spec };
      if (change.kind === 'capacity') spec.capacity = 50 + change.value;
      if (change.kind === 'wave') spec.wave = change.value % 3;
      if (change.kind === 'size') spec.size = ['small', 'medium', 'large'][change.value % 3]!;
      if (change.kind === 'version') spec.version = ['1.3.0', '1.4.0', '1.5.0'][change.value % 3]!;
      stamps[i] = { ...stamp, spec } as Stamp;
      return { ...state, stamps };
    }
  }
}

const loaded = (state: State) => toLoadedFleet({ fleet: state.fleet, stamps: state.stamps, tenantFiles: [state.tenants] });

describe('incremental synth', () => {
  it('equals a full render after any sequence of changes, rendering only what changed', async () => {
    const { fleet, stamps } = aFleet(3);
    await fc.assert(
      fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 4 }), async (changes) => {
        const cache = new MemoryCache();
        let state: State = { fleet, stamps, tenants: [], code: 'code-0' };
        await planSynth(loaded(state), { cache: { code: state.code, store: cache } });
        for (const change of changes) {
          const next = apply(state, change);
          const before = cache.stored;
          const incremental = await planSynth(loaded(next), { cache: { code: next.code, store: cache } });
          const full = await planSynth(loaded(next));
          expect([...incremental.files]).toEqual([...full.files]);
          // Only units whose input changed were rendered: a changed stamp is one unit, the fleet or the code all of them.
          const rendered = cache.stored - before;
          if (change.kind === 'code' && next.code === state.code) expect(rendered).toBe(0);
          // A stamp change renders that stamp; a tenant change renders nothing, or the gateway unit when
          // its shard gains or loses its DNSEndpoint file (the global cluster lists those files).
          if (['capacity', 'wave', 'size', 'version', 'add', 'tenant'].includes(change.kind)) expect(rendered).toBeLessThanOrEqual(1);
          state = next;
        }
      }),
      { numRuns: 12 },
    );
  }, 300_000);

  it('keeps units on disk between runs, and forgets the ones a run no longer uses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'synth-cache-'));
    try {
      const { fleet, stamps } = aFleet(3);
      const first = await planSynth(toLoadedFleet({ fleet, stamps }), { cache: { code: 'c', store: new DiskRenderCache(dir) } }).then(async (plan) => plan);
      // Nothing is written until flushed.
      expect(await readdir(dir).catch(() => [])).toEqual([]);
      const store = new DiskRenderCache(dir);
      await planSynth(toLoadedFleet({ fleet, stamps }), { cache: { code: 'c', store } });
      expect(await store.flush()).toBe(4);
      const files = await readdir(dir);
      expect(files).toHaveLength(4);
      // A hit is served from disk: tamper with one entry and see it come back.
      const entries = await Promise.all(files.map(async (f) => [f, JSON.parse(await readFile(join(dir, f), 'utf8')) as SynthFile[]] as const));
      const [file, content] = entries.find(([, c]) => c.some((f) => f.path === 'rendered/stamps/stamp-eu-1/kustomization.yaml'))!;
      await writeFile(join(dir, file), JSON.stringify(content.map((f) => (f.path === 'rendered/stamps/stamp-eu-1/kustomization.yaml' ? { ...f, content: 'from the cache' } : f))));
      const again = new DiskRenderCache(dir);
      const cached = await planSynth(toLoadedFleet({ fleet, stamps }), { cache: { code: 'c', store: again } });
      expect(cached.files.get('rendered/stamps/stamp-eu-1/kustomization.yaml')).toBe('from the cache');
      expect(await again.flush()).toBe(0);
      // A damaged entry is a miss, rendered again.
      await writeFile(join(dir, file), '{');
      const repaired = new DiskRenderCache(dir);
      expect([...(await planSynth(toLoadedFleet({ fleet, stamps }), { cache: { code: 'c', store: repaired } })).files]).toEqual([...first.files]);
      expect(await repaired.flush()).toBe(1);
      // Removing a stamp drops its unit at the next flush.
      const fewer = new DiskRenderCache(dir);
      await planSynth(toLoadedFleet({ fleet, stamps: stamps.slice(1) }), { cache: { code: 'c', store: fewer } });
      await fewer.flush();
      expect(await readdir(dir)).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
