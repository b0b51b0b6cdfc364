import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseZones } from './residency.ts';

describe('chooseZones', () => {
  it.each([
    { name: 'one zone, no flags', lake: ['eu'], selection: {}, zones: ['eu'] },
    { name: 'an empty lake', lake: [], selection: {}, zones: [] },
    { name: '--zone of the lake', lake: ['eu', 'us'], selection: { zone: 'us' }, zones: ['us'] },
    { name: '--zone of the fleet, not yet in the lake', lake: ['eu'], selection: { zone: 'us' }, zones: ['us'] },
    { name: '--allow-cross-zone', lake: ['eu', 'us'], selection: { allowCrossZone: true }, zones: ['eu', 'us'] },
  ])('reads $name', ({ lake, selection, zones }) => {
    expect(chooseZones(lake, ['eu', 'us'], selection)).toMatchObject({ ok: true, zones });
  });

  it.each([
    { name: 'several zones without a flag', lake: ['eu', 'us'], selection: {}, error: 'the lake holds 2 residency zones (eu, us)' },
    { name: 'an unknown zone', lake: ['eu'], selection: { zone: 'apac' }, error: "--zone: 'apac' is not a residency zone" },
    { name: 'both flags', lake: ['eu'], selection: { zone: 'eu', allowCrossZone: true }, error: 'contradict' },
  ])('refuses $name', ({ lake, selection, error }) => {
    const decision = chooseZones(lake, ['eu', 'us'], selection);
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.error).toContain(error);
  });

  it('never reads more than one zone without --allow-cross-zone (property)', () => {
    const zone = fc.constantFrom('eu', 'us', 'apac', 'ch');
    fc.assert(
      fc.property(fc.uniqueArray(zone), fc.option(zone, { nil: undefined }), (lake, selected) => {
        const decision = chooseZones(lake, ['eu', 'us'], selected === undefined ? {} : { zone: selected });
        return !decision.ok || decision.zones.length <= 1;
      }),
    );
  });
});
