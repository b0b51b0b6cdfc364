// The "identical template" proof: two stamps of the same size render the same objects
// once each stamp's own parameter values are replaced by placeholders.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findRelease, imageReference, stampHost, stampZone, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import { aFleetSpec, aStamp } from '@stampyard/stamp-spec/testing';
import { synthesizeStamp, type StampManifests } from './index.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const base = aFleetSpec();
// 1.5.0 is digest-pinned so the two stamps differ in pinning too.
const fleet: FleetSpec = {
  ...base,
  releases: base.releases.map((r) =>
    r.version === '1.5.0'
      ? { ...r, images: { api: { ...r.images.api, digest: DIGEST }, worker: { ...r.images.worker, digest: DIGEST } } }
      : r,
  ),
};

/** Replaces every stamp-specific value by a placeholder, so only the template remains. */
function templateOf(manifests: StampManifests, stamp: Stamp): string {
  const release = findRelease(fleet, stamp.spec.version)!;
  // Longest first: the host contains the name, image references contain the version.
  const substrings: [string, string][] = [
    [stampHost(fleet, stamp), '<HOST>'],
    [imageReference(release.images.api), '<IMAGE:api>'],
    [imageReference(release.images.worker), '<IMAGE:worker>'],
    [stamp.metadata.name, '<STAMP>'],
    // The zone's ClusterSecretStore, named after the zone, which the credentials read.
    [`stampyard-${stampZone(fleet, stamp)!}`, 'stampyard-<ZONE>'],
  ];
  const exact = new Map<string, string>([
    [stamp.spec.version, '<VERSION>'],
    [stamp.spec.region, '<REGION>'],
    [stampZone(fleet, stamp)!, '<ZONE>'],
    [stamp.spec.network.cidr, '<CIDR>'],
    [stamp.spec.dedicatedTo ?? '', '<DEDICATED_TO>'],
  ]);
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = exact.get(value);
      if (whole !== undefined) return whole;
      return substrings.reduce((text, [from, to]) => text.split(from).join(to), value);
    }
    if (Array.isArray(value)) return value.map(replace);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), replace(v)]));
    return value;
  };
  return JSON.stringify(replace(manifests), null, 1);
}

const stampA = aStamp({
  name: 'stamp-eu-7',
  region: 'westeurope',
  version: '1.4.0',
  size: 'medium',
  cidr: '10.7.0.0/16',
  dedicatedTo: 'fabrikam',
  wave: 0,
  capacity: 10,
});
const stampB = aStamp({
  name: 'stamp-us-12',
  region: 'westus2',
  version: '1.5.0',
  size: 'medium',
  cidr: '10.12.128.0/24',
  dedicatedTo: 'contoso',
  wave: 2,
  capacity: 400,
});

describe('one template for every stamp', () => {
  it('renders two stamps of the same size identically, up to their own parameters', () => {
    const a = templateOf(synthesizeStamp(fleet, stampA), stampA);
    const b = templateOf(synthesizeStamp(fleet, stampB), stampB);
    expect(a).not.toContain('stamp-eu-7');
    expect(a).not.toContain('1.4.0');
    expect(b).toBe(a);
  });

  it('can fail: a different size renders different numbers', () => {
    const small = { ...stampB, spec: { ...stampB.spec, size: 'large' } };
    const a = templateOf(synthesizeStamp(fleet, stampA), stampA);
    expect(templateOf(synthesizeStamp(fleet, small), small)).not.toBe(a);
  });

  it('can fail: a value that leaks outside its parameter is caught', () => {
    const a = synthesizeStamp(fleet, stampA);
    const leaked: StampManifests = {
      ...a,
      apps: [...a.apps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { wave: String(stampA.spec.wave) } }],
    };
    const b = synthesizeStamp(fleet, stampB);
    const leakedB: StampManifests = {
      ...b,
      apps: [...b.apps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { wave: String(stampB.spec.wave) } }],
    };
    expect(templateOf(leakedB, stampB)).not.toBe(templateOf(leaked, stampA));
  });

  it('holds for any pair of stamps of the same size (property)', () => {
    const regions = Object.keys(fleet.regions);
    const arbStamp = (prefix: string) =>
      fc
        .record({
          n: fc.integer({ min: 1, max: 999 }),
          region: fc.constantFrom(...regions),
          version: fc.constantFrom('1.3.0', '1.4.0', '1.5.0'),
          octet: fc.integer({ min: 1, max: 250 }),
          wave: fc.integer({ min: 0, max: 5 }),
          capacity: fc.integer({ min: 1, max: 1000 }),
          dedicated: fc.constantFrom('tenant-a', 'tenant-b'),
        })
        .map((s) =>
          aStamp({
            name: `${prefix}-${s.n}`,
            region: s.region,
            version: s.version,
            cidr: `10.${s.octet}.0.0/16`,
            wave: s.wave,
            capacity: s.capacity,
            size: 'small',
            dedicatedTo: s.dedicated,
          }),
        );
    fc.assert(
      fc.property(arbStamp('stamp-a'), arbStamp('stamp-b'), (a, b) => {
        expect(templateOf(synthesizeStamp(fleet, b), b)).toBe(templateOf(synthesizeStamp(fleet, a), a));
      }),
      { numRuns: 25 },
    );
  });
});
