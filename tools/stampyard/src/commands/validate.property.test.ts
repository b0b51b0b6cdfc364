// validate and synth speak with one voice: every fleet synth refuses, validate
// refuses too, with the same messages. "synth" here is the libraries' own path
// (load, then planSynth with the routing table), so a guard added inside
// rendering that validate doesn't know about fails this property.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError, checkFleet, formatIssue, parseFleet, type FleetSources, type Stamp, type Tenant } from '@stampyard/stamp-spec';
import { aFleetSpec, aStamp, aTenant, fleetRepoFiles } from '@stampyard/stamp-spec/testing';
import { planSynth } from '@stampyard/synth';

interface Draft {
  stamps: Stamp[];
  tenants: Tenant[];
}

/** One mistake a hurried author makes; each may or may not make the fleet invalid. */
const mutations: ((d: Draft, i: number) => void)[] = [
  (d, i) => void (d.tenants[i % d.tenants.length]!.stamp = undefined),
  (d, i) => void ((d.stamps[i % d.stamps.length]!.metadata as { name: string }).name = ['global', 'kube-system', 'stamp-x'][i % 3]!),
  (d, i) =>
    void ((d.stamps[i % d.stamps.length]!.spec.network as { cidr: string }).cidr = ['192.168.0.0/16', '10.1.0.0/16', '10.9.0.0/24'][
      i % 3
    ]!),
  (d, i) => void ((d.stamps[i % d.stamps.length]!.spec as { region: string }).region = ['eastus', 'mars', 'westeurop'][i % 3]!),
  (d, i) => void ((d.stamps[i % d.stamps.length]!.spec as { capacity: number }).capacity = 1 + (i % 3)),
  (d, i) => void (d.tenants[i % d.tenants.length]!.id = d.stamps[i % d.stamps.length]!.metadata.name),
  (d, i) => void (d.tenants[i % d.tenants.length]!.stamp = ['stamp-eu-2', 'nowhere', 'stamp-us-1'][i % 3]),
  (d, i) => void ((d.stamps[i % d.stamps.length]!.spec as { version: string }).version = ['1.3.0', '9.9.9'][i % 2]!),
];

function sourcesOf(draft: Draft): FleetSources {
  const files = fleetRepoFiles({ fleet: aFleetSpec(), stamps: draft.stamps, tenantFiles: [draft.tenants] });
  // A stamp renamed without its file keeps the file name, as an author's slip would.
  const all = [...files].map(([path, text]) => ({ path, text }));
  return {
    fleet: all.find((f) => f.path === 'fleet.yaml')!,
    stamps: all.filter((f) => f.path.startsWith('stamps/')),
    tenants: all.filter((f) => f.path.startsWith('tenants/')),
  };
}

function baseDraft(): Draft {
  return {
    stamps: [
      aStamp({ name: 'stamp-eu-1', cidr: '10.1.0.0/16' }),
      aStamp({ name: 'stamp-eu-2', cidr: '10.2.0.0/16', capacity: 50 }),
      aStamp({ name: 'stamp-us-1', region: 'eastus', cidr: '10.3.0.0/16' }),
    ],
    tenants: [
      aTenant({ id: 'adatum', residency: 'eu', weight: 3, stamp: 'stamp-eu-1' }),
      aTenant({ id: 'fabrikam', residency: 'eu', weight: 2, stamp: 'stamp-eu-2' }),
      aTenant({ id: 'contoso', residency: 'us', weight: 2, stamp: 'stamp-us-1' }),
      aTenant({ id: 'tailspin', residency: 'any', weight: 1, stamp: 'stamp-eu-2' }),
    ],
  };
}

/** What the libraries' synth path refuses, as formatted messages; [] when it renders. */
async function synthRefusal(sources: FleetSources): Promise<string[]> {
  const { fleet, issues } = parseFleet(sources);
  if (!fleet) return issues.map(formatIssue);
  try {
    await planSynth(fleet, { workers: 1 });
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map(formatIssue);
    throw error;
  }
}

describe('validate and synth', () => {
  it('every fleet synth refuses, validate refuses with the same messages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(mutations.length - 1), fc.nat(5)), { minLength: 0, maxLength: 3 }), async (steps) => {
        const draft = baseDraft();
        for (const [m, i] of steps) mutations[m]!(draft, i);
        const sources = sourcesOf(draft);
        const refused = await synthRefusal(sources);
        const validated = checkFleet(sources).issues.map(formatIssue);
        if (refused.length > 0) {
          expect(validated.length).toBeGreaterThan(0);
          for (const message of refused) expect(validated).toContain(message);
        }
        // And the other way: what validate accepts, synth renders.
        if (validated.length === 0) expect(refused).toEqual([]);
      }),
      { numRuns: 30 },
    );
  }, 240_000);

  it('an unplaced tenant is a validate problem whose fix is stampyard tenants place, and still loads', () => {
    const draft = baseDraft();
    draft.tenants[0]!.stamp = undefined;
    const sources = sourcesOf(draft);
    expect(parseFleet(sources).fleet).toBeDefined(); // so `tenants place` can run
    expect(checkFleet(sources).issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^tenants\/tenants-000\.yaml:\d+:\d+ items\[0\]\.id: tenant 'adatum' has no stamp, so it can't be routed; run stampyard tenants place, then npm run synth$/,
      ),
    ]);
  });
});
