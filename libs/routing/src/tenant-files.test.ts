import { describe, expect, it } from 'vitest';
import { parseFleet, type LoadedFleet } from '@stampyard/stamp-spec';
import { fleetRepoFiles } from '@stampyard/stamp-spec/testing';
import { smallStamps } from './private/fixtures.ts';
import { planPlacement } from './placement.ts';
import { fleetSourcesOf } from './scaffold.ts';
import { tenantFileChanges } from './tenant-files.ts';

const TENANT_FILE = `# yaml-language-server: $schema=../schemas/tenant-list.schema.json
# Retail tenants. Keep this comment.
apiVersion: stampyard.dev/v1alpha1
kind: TenantList
items:
  # the first customer
  - id: alpha   # trailing comment
    residency: eu
    weight: 2

  - { id: beta, residency: "us" }
  - id: gamma
    residency: eu
    stamp: stamp-eu-2 # pinned by hand
`;

function fleetWith(text: string): LoadedFleet {
  const files = fleetRepoFiles({ stamps: smallStamps() });
  const sources = [...files].map(([path, content]) => ({ path, text: content }));
  const { fleet, issues } = parseFleet({
    fleet: sources.find((s) => s.path === 'fleet.yaml')!,
    stamps: sources.filter((s) => s.path.startsWith('stamps/')),
    tenants: [{ path: 'tenants/retail.yaml', text }],
  });
  if (!fleet) throw new Error(JSON.stringify(issues));
  return fleet;
}

describe('tenantFileChanges', () => {
  it('adds each stamp and keeps comments, blank lines, flow style and quoting', () => {
    const fleet = fleetWith(TENANT_FILE);
    const [change] = tenantFileChanges(fleet, planPlacement(fleet).assignments);
    expect(change!.path).toBe('tenants/retail.yaml');
    expect(change!.content).toBe(`# yaml-language-server: $schema=../schemas/tenant-list.schema.json
# Retail tenants. Keep this comment.
apiVersion: stampyard.dev/v1alpha1
kind: TenantList
items:
  # the first customer
  - id: alpha # trailing comment
    residency: eu
    weight: 2
    stamp: stamp-eu-1

  - { id: beta, residency: "us", stamp: stamp-us-1 }
  - id: gamma
    residency: eu
    stamp: stamp-eu-2 # pinned by hand
`);
  });

  it('sets previousStamp for a move, and the result parses to the same tenants plus the bindings', () => {
    const fleet = fleetWith(TENANT_FILE);
    const [change] = tenantFileChanges(fleet, [{ list: 0, index: 2, stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2' }]);
    const sources = fleetSourcesOf(fleet);
    const { fleet: after } = parseFleet({ ...sources, tenants: [{ path: change!.path, text: change!.content! }] });
    expect(after!.tenantLists[0]!.list.items[2]).toEqual({ id: 'gamma', residency: 'eu', weight: 1, isolation: 'shared', status: 'active', stamp: 'stamp-eu-1', previousStamp: 'stamp-eu-2' });
    // The fleet it was computed from is untouched.
    expect(fleet.tenantLists[0]!.source.doc.toString()).not.toContain('previousStamp');
  });
});
