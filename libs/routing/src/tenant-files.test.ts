import { describe, expect, it } from 'vitest';
import { parseFleet, type LoadedFleet } from '@stampyard/stamp-spec';
import { fleetRepoFiles } from '@stampyard/stamp-spec/testing';
import { smallStamps } from './private/fixtures.ts';
import { planPlacement } from './placement.ts';
import { fleetSourcesOf } from './scaffold.ts';
import { setWithDocument, spliceFields, tenantFileChanges } from './tenant-files.ts';
import fc from 'fast-check';
import { parse, parseDocument } from 'yaml';

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
  - id: alpha   # trailing comment
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
    expect(after!.tenantLists[0]!.list.items[2]).toEqual({
      id: 'gamma',
      residency: 'eu',
      weight: 1,
      isolation: 'shared',
      status: 'active',
      stamp: 'stamp-eu-1',
      previousStamp: 'stamp-eu-2',
    });
    // The fleet it was computed from is untouched.
    expect(fleet.tenantLists[0]!.source.doc.toString()).not.toContain('previousStamp');
  });
});

describe('splicing and the Document API agree', () => {
  const itemArb = fc.record({
    flow: fc.boolean(),
    comment: fc.option(fc.constantFrom('# note', '# pinned: keep'), { nil: undefined }),
    stamp: fc.option(fc.constantFrom('stamp-a', 'stamp-b'), { nil: undefined }),
    quoted: fc.boolean(),
    blankAfter: fc.boolean(),
  });
  it('gives the same data for any layout, and leaves every other line as it was', () => {
    fc.assert(
      fc.property(
        fc.array(itemArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 8 }),
        (items, picks) => {
          const lines = ['# head', 'apiVersion: stampyard.dev/v1alpha1', 'kind: TenantList', 'items:'];
          items.forEach((item, i) => {
            const residency = item.quoted ? '"eu"' : 'eu';
            const stamp = item.stamp ? `, stamp: ${item.stamp}` : '';
            if (item.flow) lines.push(`  - { id: t${i}, residency: ${residency}${stamp} }${item.comment ? ` ${item.comment}` : ''}`);
            else {
              lines.push(`  - id: t${i}${item.comment ? `  ${item.comment}` : ''}`, `    residency: ${residency}`);
              if (item.stamp) lines.push(`    stamp: ${item.stamp}`);
            }
            if (item.blankAfter) lines.push('');
          });
          const text = `${lines.join('\n')}\n`;
          const doc = parseDocument(text);
          const seen = new Set<number>();
          const fields = picks
            .map(([n, move]) => ({ index: n % items.length, move }))
            .filter((p) => !seen.has(p.index) && seen.add(p.index))
            .flatMap((p) => [
              { index: p.index, key: 'stamp', value: 'stamp-new' },
              ...(p.move ? [{ index: p.index, key: 'previousStamp', value: 'stamp-old' }] : []),
            ]);
          const spliced = spliceFields(text, fields);
          expect(spliced).toBeDefined();
          expect(parse(spliced!)).toEqual(parse(setWithDocument(doc, fields)));
          // Splicing only adds or changes lines holding the edited fields.
          const before = new Set(text.split('\n'));
          for (const line of spliced!.split('\n')) if (!before.has(line)) expect(line).toMatch(/stamp|previousStamp/);
        },
      ),
      { numRuns: 100 },
    );
  });
});
