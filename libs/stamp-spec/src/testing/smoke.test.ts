import { describe, expect, it } from 'vitest';
import { aFleet, aStamp, toLoadedFleet, aTenant } from './index.ts';

describe('test builders', () => {
  it('build a fleet that passes every rule', () => {
    const { fleet, stamps } = aFleet(30);
    const loaded = toLoadedFleet({ fleet, stamps, tenantFiles: [[aTenant({ id: 'acme', stamp: stamps[0]!.metadata.name })]] });
    expect(loaded.stamps).toHaveLength(30);
    expect(new Set(loaded.stamps.map((s) => s.stamp.spec.wave))).toEqual(new Set([0, 1, 2]));
  });

  it('report an invalid stamp through the real parser', () => {
    expect(() => toLoadedFleet({ stamps: [aStamp({ name: 'a', region: 'mars' })] })).toThrow(
      /spec\.region: 'mars' is not in the region catalog/,
    );
  });
});
