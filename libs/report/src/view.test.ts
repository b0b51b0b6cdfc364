import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aFleetSpec, aStamp, aTenant, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import type { Tenant } from '@stampyard/stamp-spec';
import { buildFleetView, sortDriftFindings } from './view.ts';
import { renderMarkdown } from './markdown.ts';
import { renderHtml } from './html.ts';
import { FIXTURE_NOW, aTroubledFleetInput } from './testing/fixtures.ts';

describe('buildFleetView', () => {
  it('marks a stamp straggler when drift finds it behind a later wave', () => {
    const input = aTroubledFleetInput();
    const name = 'stamp-eu-1';
    const plain = buildFleetView({ ...input, drift: (input.drift ?? []).filter((f) => f.stamp !== name) });
    expect(plain.stamps.find((s) => s.name === name)!.straggler).toBe(false);
    const flagged = buildFleetView({
      ...input,
      drift: [
        ...(input.drift ?? []),
        { stamp: name, kind: 'straggler', severity: 'error', message: 'wave 0 runs 1.4.0 while wave 1 already runs 1.5.0' },
      ],
    });
    expect(flagged.stamps.find((s) => s.name === name)!.straggler).toBe(true);
  });

  it('shows the halted wave, the zone above 80% and the straggler', () => {
    const view = buildFleetView(aTroubledFleetInput());
    expect(view.waves.map((w) => [w.wave, w.state])).toEqual([
      [0, 'promoted'],
      [1, 'halted'],
      [2, 'waiting'],
    ]);
    expect(view.waves[1]!.reason).toContain('stamp-eu-2 is unhealthy');
    const eu = view.zones.find((z) => z.zone === 'eu')!;
    expect(eu.capacityUnits).toBe(250);
    expect(eu.usedUnits).toBe(212);
    expect(eu.usedPercent).toBe(84.8);
    expect(eu.warnings.join()).toMatch(/84\.8% of capacity used/);
    expect(eu.tenants).toEqual({ active: 3, suspended: 1, unplaced: 0 });
    const us = view.zones.find((z) => z.zone === 'us')!;
    expect(us.tenants).toEqual({ active: 2, suspended: 0, unplaced: 1 });
    expect(us.warnings).toEqual(['1 tenant not placed yet']);
    expect(view.stamps.filter((s) => s.straggler).map((s) => s.name)).toEqual(['stamp-us-1']);
    expect(view.alerts).toEqual([
      'Wave 1 is halted: stamp-eu-2 is unhealthy: error rate 12% above 5%',
      'Zone eu: 84.8% of capacity used (212/250 units), above 80%',
      'Zone eu: the largest tenant (weight 90) fits no active stamp (most free: 20 units)',
      'Zone us: 1 tenant not placed yet',
      '1 straggler stamp not on 1.5.0: stamp-us-1',
      '2 stamps unhealthy or degraded: stamp-eu-2, stamp-us-1',
      'Drift error on stamp-eu-2 (unhealthy): error rate 12% above 5%',
      'Drift error on stamp-us-1 (version-mismatch): declares 1.5.0 but runs 1.4.0',
    ]);
    expect(view.generatedAt).toBe('2026-11-28T12:00:00.000Z');
  });

  it('gives the baking time left, rounded up to the minute', () => {
    const input = aTroubledFleetInput();
    const view = buildFleetView({
      ...input,
      rollout: { targetVersion: '1.5.0', waves: [{ wave: 0, state: 'baking', bakeEndsAt: '2026-11-28T12:24:30Z' }] },
    });
    expect(view.waves[0]).toMatchObject({ state: 'baking', bakeMinutesLeft: 25 });
    expect(view.waves[1]!.state).toBe('waiting');
  });

  it('derives wave states from the stamp files when there is no rollout state', () => {
    const { rollout: _r, ...input } = aTroubledFleetInput();
    const view = buildFleetView(input);
    expect(view.rolloutSource).toBe('stamp-files');
    expect(view.targetVersion).toBe('1.5.0');
    expect(view.waves.map((w) => w.state)).toEqual(['promoted', 'waiting', 'waiting']);
  });

  it('marks every stamp unknown without a health source', () => {
    const { health: _h, healthSource: _s, ...input } = aTroubledFleetInput();
    const view = buildFleetView(input);
    expect(new Set(view.stamps.map((s) => s.health))).toEqual(new Set(['unknown']));
    expect(view.stamps.some((s) => s.observedVersion !== undefined)).toBe(false);
  });

  it.each([
    {
      name: 'above 80%',
      tenants: [aTenant({ id: 'a', weight: 81, stamp: 's1' }), aTenant({ id: 'b', weight: 90, stamp: 's2' })],
      expected: /85\.5% of capacity used \(171\/200 units\), above 80%/,
    },
    {
      name: 'unplaced tenants of the zone',
      tenants: [aTenant({ id: 'a', weight: 1 })],
      expected: /1 tenant not placed yet/,
    },
    {
      name: 'the largest tenant fits no active stamp',
      tenants: [aTenant({ id: 'a', weight: 60, stamp: 's1' }), aTenant({ id: 'b', weight: 45, stamp: 's2' })],
      expected: /largest tenant \(weight 60\) fits no active stamp \(most free: 40 units\)/,
    },
  ])('warns when a zone is short of room: $name', ({ tenants, expected }) => {
    const fleet = toLoadedFleet({
      fleet: aFleetSpec(),
      stamps: [aStamp({ name: 's1', capacity: 100 }), aStamp({ name: 's2', capacity: 100, region: 'northeurope', status: 'draining' })],
      tenantFiles: [tenants as Tenant[]],
    });
    const eu = buildFleetView({ fleet, now: FIXTURE_NOW }).zones.find((z) => z.zone === 'eu')!;
    expect(eu.warnings.join('\n')).toMatch(expected);
  });

  it('has no warning for a zone with room', () => {
    const fleet = toLoadedFleet({
      stamps: [aStamp({ name: 's1', capacity: 100 })],
      tenantFiles: [[aTenant({ id: 'a', weight: 10, stamp: 's1' })]],
    });
    expect(buildFleetView({ fleet, now: FIXTURE_NOW }).zones.find((z) => z.zone === 'eu')!.warnings).toEqual([]);
  });

  it('sorts drift findings: errors first, fleet-wide first, then kind', () => {
    const sorted = sortDriftFindings([
      { stamp: 'b', kind: 'x', severity: 'warning', message: 'm' },
      { stamp: 'b', kind: 'x', severity: 'error', message: 'm' },
      { stamp: null, kind: 'y', severity: 'error', message: 'm' },
      { stamp: 'a', kind: 'z', severity: 'error', message: 'm' },
    ]);
    expect(sorted.map((f) => `${f.severity}:${f.stamp}`)).toEqual(['error:null', 'error:a', 'error:b', 'warning:b']);
  });

  it('accounts for every placed unit and every tenant, whatever the placement', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ stamp: fc.integer({ min: -1, max: 3 }), weight: fc.integer({ min: 1, max: 10 }), suspended: fc.boolean() }), {
          maxLength: 30,
        }),
        (picks) => {
          const stamps = ['westeurope', 'northeurope', 'eastus', 'westus2'].map((region, i) =>
            aStamp({ name: `s${i}`, region, capacity: 400 }),
          );
          const tenants = picks.map((p, i) =>
            aTenant({
              id: `t${i}`,
              residency: p.stamp < 0 ? 'any' : p.stamp < 2 ? 'eu' : 'us',
              weight: p.weight,
              status: p.suspended ? 'suspended' : 'active',
              ...(p.stamp >= 0 ? { stamp: `s${p.stamp}` } : {}),
            }),
          );
          const view = buildFleetView({ fleet: toLoadedFleet({ stamps, tenantFiles: [tenants] }), now: FIXTURE_NOW });
          const placed = picks.filter((p) => p.stamp >= 0).reduce((n, p) => n + p.weight, 0);
          expect(view.zones.reduce((n, z) => n + z.usedUnits, 0)).toBe(placed);
          expect(view.stamps.reduce((n, s) => n + s.tenantCount, 0)).toBe(picks.filter((p) => p.stamp >= 0).length);
          const t = view.totals.tenants;
          expect(t.active + t.suspended).toBe(picks.length);
          for (const z of view.zones) expect(z.usedPercent).toBeLessThanOrEqual(100);
          // Same input, same view.
          expect(buildFleetView({ fleet: toLoadedFleet({ stamps, tenantFiles: [tenants] }), now: FIXTURE_NOW })).toEqual(view);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the fleet view for people (#13)', () => {
  const input = aTroubledFleetInput();

  it('never shows a stamp with a drift error as healthy', () => {
    const name = 'stamp-eu-1';
    const view = buildFleetView({
      ...input,
      health: [...(input.health ?? []).filter((h) => h.stamp !== name), { stamp: name, health: 'healthy', observedVersion: '1.5.0' }],
      drift: [...(input.drift ?? []), { stamp: name, kind: 'stale-manifests', severity: 'error', message: 'rendered/ is out of date' }],
    });
    const stamp = view.stamps.find((s) => s.name === name)!;
    expect(stamp.health).toBe('degraded');
    expect(stamp.driftErrors).toEqual(['rendered/ is out of date']);
    expect(view.alerts).toContain('Drift error on stamp-eu-1 (stale-manifests): rendered/ is out of date');
  });

  it('explains a missing health source once, with the flag to add', () => {
    const { health: _health, healthSource: _source, ...rest } = input;
    const view = buildFleetView(rest);
    expect(view.healthNote).toBe('No health source: observed state is not shown. Add --health <file.json|flux|http> to see it.');
    expect(renderMarkdown(view).match(/No health source/g)).toHaveLength(1);
    expect(renderMarkdown(view)).not.toMatch(/\| unknown \|/);
  });

  it('passes on why a health source told nothing', () => {
    const view = buildFleetView({ ...input, healthProblem: 'health source flux answered for no stamp: kubectl failed' });
    expect(view.healthNote).toBe('health source flux answered for no stamp: kubectl failed');
    expect(renderMarkdown(view)).toContain('> [!NOTE]\n> health source flux answered for no stamp: kubectl failed');
  });

  it('writes times for people: to the minute, and relative in reasons', () => {
    const view = buildFleetView({
      ...input,
      rollout: { targetVersion: '1.5.0', waves: [{ wave: 0, state: 'waiting', reason: 'wave 0 bakes until 2026-11-28T13:30:00.000Z' }] },
    });
    expect(view.waves.find((w) => w.wave === 0)!.reason).toBe('wave 0 bakes until 2026-11-28 13:30 UTC (in 1 h 30 min)');
    expect(renderMarkdown(view)).toContain('generated by stampyard report on 2026-11-28 12:00 UTC');
    expect(renderMarkdown(view)).not.toMatch(/\d\d:\d\d:\d\d\.\d{3}Z/);
  });

  it('with no rollout, says so and names the newest release in the catalog', () => {
    const { rollout: _rollout, ...rest } = input;
    const text = renderMarkdown(buildFleetView(rest));
    expect(text).toMatch(/No rollout in progress \(no rollout\.yaml\)\. The newest release in the catalog is \*\*1\.5\.0\*\*/);
  });

  it('shows each stamp with its tenants and capacity used', () => {
    const view = buildFleetView(input);
    const s = view.stamps[0]!;
    expect(renderMarkdown(view)).toContain(`| ${s.tenantCount} | ${s.usedUnits}/${s.capacityUnits} units |`);
    expect(renderHtml(view)).toContain(
      `<span class="load">${s.tenantCount} tenant${s.tenantCount === 1 ? '' : 's'} · ${s.usedUnits}/${s.capacityUnits} units</span>`,
    );
  });

  it('escapes links, images, mentions and HTML that come from file content', () => {
    const view = buildFleetView({
      ...input,
      rollout: {
        targetVersion: '1.5.0',
        waves: [
          {
            wave: 1,
            state: 'halted',
            reason: '![pwn](https://evil.example/x.png) [click](https://evil.example) @octocat <script>alert(1)</script>',
          },
        ],
      },
    });
    const text = renderMarkdown(view);
    expect(text).not.toMatch(/!\[pwn\]|\[click\]\(|@octocat|<script|https:\/\/evil/);
    expect(text).toContain('@&#8203;octocat');
  });
});
