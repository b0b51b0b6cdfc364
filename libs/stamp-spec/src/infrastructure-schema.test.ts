import { describe, expect, it } from 'vitest';
import { aFleet, aFleetSpec, toLoadedFleet } from './testing/index.ts';
import { infrastructureProblems, type ChartPin } from './infrastructure-schema.ts';
import type { FleetSpec } from './schema.ts';

const base = aFleetSpec();
const pin = (overrides: Partial<ChartPin>): ChartPin => ({ ...base.charts!['cert-manager']!, ...overrides });
const parse = (spec: unknown) => toLoadedFleet({ fleet: spec as FleetSpec, stamps: aFleet(1).stamps });

describe('fleet.yaml infrastructure fields', () => {
  it("accepts the builders' fleet, and its infrastructure is complete", () => {
    expect(() => parse(base)).not.toThrow();
    expect(infrastructureProblems(base)).toEqual([]);
  });

  const cases: { name: string; spec: unknown; expectedError: RegExp }[] = [
    {
      name: 'a chart digest on an https repository',
      spec: { ...base, charts: { ...base.charts, 'cert-manager': pin({ digest: `sha256:${'a'.repeat(64)}` }) } },
      expectedError: /fleet\.yaml:\d+:\d+ spec\.charts\.cert-manager\.digest: a chart digest needs an oci:\/\/ repository/,
    },
    {
      name: 'a malformed chart digest',
      spec: {
        ...base,
        charts: { ...base.charts, 'cert-manager': pin({ repository: 'oci://quay.io/jetstack/charts', digest: 'sha256:abc' }) },
      },
      expectedError: /digest: must be sha256: followed by 64 hex digits/,
    },
    {
      name: 'a version range instead of a pin',
      spec: { ...base, charts: { ...base.charts, 'cert-manager': pin({ version: '^1.21.0' }) } },
      expectedError: /version: must be an exact chart version/,
    },
    {
      name: 'an unknown component',
      spec: { ...base, charts: { ...base.charts, traefik: pin({}) } },
      expectedError: /spec\.charts.*traefik/,
    },
    { name: 'an unknown prerequisite', spec: { ...base, prerequisites: ['nginx'] }, expectedError: /spec\.prerequisites\[0\]/ },
    {
      name: 'a prerequisite listed twice',
      spec: { ...base, prerequisites: ['prometheus', 'prometheus'] },
      expectedError: /spec\.prerequisites: must list each component once/,
    },
    {
      name: 'an unknown secret store provider',
      spec: { ...base, secretStores: { eu: { provider: 'keepass' } } },
      expectedError: /spec\.secretStores\.eu\.provider/,
    },
    {
      name: 'an unknown field in a store',
      spec: { ...base, secretStores: { ...base.secretStores, eu: { ...base.secretStores!['eu'], sever: 'x' } } },
      expectedError: /sever/,
    },
    { name: 'an issuer without e-mail', spec: { ...base, issuer: { type: 'acme' } }, expectedError: /spec\.issuer\.email/ },
  ];
  for (const { name, spec, expectedError } of cases) {
    it(`rejects ${name}`, () => {
      expect(() => parse(spec)).toThrow(expectedError);
    });
  }
});
