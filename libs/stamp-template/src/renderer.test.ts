// The fast renderer must give exactly what a full cdk8s run gives, for any stamp.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadFleet } from '@stampyard/stamp-spec';
import { aFleetSpec, aStamp, EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';
import { createStampRenderer, synthesizeStamp } from './synthesize.ts';

describe('createStampRenderer', () => {
  it('renders every example stamp exactly as synthesizeStamp does', async () => {
    const loaded = await loadFleet(EXAMPLE_FLEET_ROOT);
    const render = createStampRenderer(loaded.fleet.spec);
    for (const { stamp } of loaded.stamps) expect(render(stamp)).toEqual(synthesizeStamp(loaded.fleet.spec, stamp));
  });

  it('equals synthesizeStamp for any stamp, rendering shared shapes once (property)', () => {
    const fleet = aFleetSpec();
    const render = createStampRenderer(fleet);
    const regions = Object.keys(fleet.regions);
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 250 }),
          region: fc.constantFrom(...regions),
          size: fc.constantFrom('small', 'medium', 'large'),
          version: fc.constantFrom('1.3.0', '1.4.0', '1.5.0'),
          wave: fc.integer({ min: 0, max: 3 }),
          prefix: fc.constantFrom(16, 20, 24),
          dedicatedTo: fc.option(fc.constantFrom('acme', 'fabrikam'), { nil: undefined }),
          status: fc.constantFrom('active' as const, 'draining' as const),
        }),
        (p) => {
          const stamp = aStamp({
            name: `stamp-${p.region.slice(0, 4)}-${p.n}`,
            region: p.region,
            size: p.size,
            version: p.version,
            wave: p.wave,
            cidr: `10.${p.n}.0.0/${p.prefix}`,
            status: p.status,
            ...(p.dedicatedTo ? { dedicatedTo: p.dedicatedTo } : {}),
          });
          expect(render(stamp)).toEqual(synthesizeStamp(fleet, stamp));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('can fail: a renderer that ignored a parameter would differ', () => {
    const fleet = aFleetSpec();
    const render = createStampRenderer(fleet);
    const a = aStamp({ name: 'stamp-a', cidr: '10.1.0.0/16' });
    const b = aStamp({ name: 'stamp-b', cidr: '10.2.0.0/16' });
    expect(render(b)).not.toEqual(synthesizeStamp(fleet, a));
  });
});
