// Names from files are never looked up through Object.prototype: a region or size that is not in the
// catalog is always a validation error, whatever it is called.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalogEntry, findSize, stampZone } from './derive.ts';
import { parseFleet } from './load.ts';
import { aFleetSpec, aStamp, fleetRepoFiles } from './testing/index.ts';

const OBJECT_KEYS = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
];
const names = fc.oneof(fc.constantFrom(...OBJECT_KEYS), fc.string({ minLength: 1, maxLength: 12 }));

function validate(region: string, size: string) {
  const stamp = aStamp({ name: 'stamp-eu-1', region, size });
  const files = [...fleetRepoFiles({ stamps: [stamp] })].map(([path, text]) => ({ path, text }));
  return parseFleet({
    fleet: files.find((f) => f.path === 'fleet.yaml')!,
    stamps: files.filter((f) => f.path.startsWith('stamps/')),
    tenants: [],
  });
}

describe('catalog lookups by a name from a file', () => {
  const spec = aFleetSpec();

  it('find only own entries', () => {
    fc.assert(
      fc.property(names, (name) => {
        const own = Object.hasOwn(spec.regions, name);
        expect(catalogEntry(spec.regions, name) === undefined).toBe(!own);
        expect(findSize(spec, name) === undefined).toBe(!Object.hasOwn(spec.sizes, name));
        expect(stampZone(spec, aStamp({ region: name })) === undefined).toBe(!own);
      }),
    );
  });

  it('reject a region or size that is not in the catalog, at its line, with the fix', () => {
    fc.assert(
      fc.property(names, fc.boolean(), (name, asRegion) => {
        fc.pre(!Object.hasOwn(asRegion ? spec.regions : spec.sizes, name));
        const { fleet, issues } = validate(asRegion ? name : 'westeurope', asRegion ? 'small' : name);
        expect(fleet).toBeUndefined();
        const field = asRegion ? 'spec.region' : 'spec.size';
        const issue = issues.find((i) => i.file === 'stamps/stamp-eu-1.yaml' && i.field === field);
        expect(issue, `${field}: ${JSON.stringify(name)} → ${JSON.stringify(issues)}`).toBeDefined();
        expect(issue!.line).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
