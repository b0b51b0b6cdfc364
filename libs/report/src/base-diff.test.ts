import { describe, expect, it } from 'vitest';
import { diffAgainstBase, parseNameStatus, routingRevisionOf, stampOfRenderedPath, tenantPlacements } from './base-diff.ts';

describe('parseNameStatus', () => {
  it('reads added, modified, deleted, type-changed and renamed files, sorted', () => {
    expect(parseNameStatus('M\tstamps/b.yaml\nA\trendered/x\nD\tstamps/a.yaml\nR087\told/path\tnew/path\nT\tlink\n\n')).toEqual([
      { path: 'link', change: 'modified' },
      { path: 'new/path', change: 'renamed' },
      { path: 'rendered/x', change: 'added' },
      { path: 'stamps/a.yaml', change: 'removed' },
      { path: 'stamps/b.yaml', change: 'modified' },
    ]);
  });
});

describe('stampOfRenderedPath', () => {
  const stamps = new Set(['stamp-eu-1', 'stamp-eu-10']);
  it.each([
    ['rendered/stamps/stamp-eu-1/apps/manifests.yaml', 'stamp-eu-1'],
    ['rendered/clusters/stamp-eu-10/kustomization.yaml', 'stamp-eu-10'],
    ['rendered/flux/stamp-eu-1.yaml', 'stamp-eu-1'],
    ['rendered/routing/routing-table.json', undefined],
    ['rendered/stamps/stamp-eu-100/apps.yaml', undefined],
  ])('%s belongs to %s', (path, expected) => {
    expect(stampOfRenderedPath(path, stamps)).toBe(expected);
  });
});

describe('tenantPlacements and routingRevisionOf', () => {
  it('reads placements from tenant files, skipping what does not parse', () => {
    const placements = tenantPlacements([
      'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - { id: a, residency: eu, stamp: s1 }\n  - { id: b, residency: eu }\n',
      'items: [ {',
      'not: a list',
    ]);
    expect([...placements]).toEqual([
      ['a', 's1'],
      ['b', undefined],
    ]);
  });

  it('reads a revision, or nothing from text that has none', () => {
    expect(routingRevisionOf('{"revision":"sha256:abc"}')).toBe('sha256:abc');
    expect(routingRevisionOf('{')).toBeUndefined();
    expect(routingRevisionOf(undefined)).toBeUndefined();
  });
});

describe('diffAgainstBase', () => {
  const base = {
    ref: 'main',
    files: [],
    baseStamps: ['s1', 's2'],
    headStamps: ['s1', 's2'],
    baseTenants: new Map<string, string | undefined>(),
    headTenants: new Map<string, string | undefined>(),
    routingRevision: {},
  };

  type Rows = [string, string | undefined][];
  it.each<{ name: string; before: Rows; after: Rows; expected: object[] }>([
    { name: 'placed', before: [['t', undefined]], after: [['t', 's1']], expected: [{ id: 't', change: 'placed', to: 's1' }] },
    { name: 'moved', before: [['t', 's1']], after: [['t', 's2']], expected: [{ id: 't', change: 'moved', from: 's1', to: 's2' }] },
    { name: 'unplaced', before: [['t', 's1']], after: [['t', undefined]], expected: [{ id: 't', change: 'unplaced', from: 's1' }] },
    { name: 'added and placed', before: [], after: [['t', 's1']], expected: [{ id: 't', change: 'placed', to: 's1' }] },
    { name: 'added unplaced', before: [], after: [['t', undefined]], expected: [{ id: 't', change: 'added' }] },
    { name: 'removed', before: [['t', 's1']], after: [], expected: [{ id: 't', change: 'removed', from: 's1' }] },
    { name: 'unchanged', before: [['t', 's1']], after: [['t', 's1']], expected: [] },
  ])('reports a tenant $name', ({ before, after, expected }) => {
    const diff = diffAgainstBase({ ...base, baseTenants: new Map(before), headTenants: new Map(after) });
    expect(diff.tenants).toEqual(expected);
  });

  it('groups rendered files by stamp and tells stamp changes apart', () => {
    const diff = diffAgainstBase({
      ...base,
      baseStamps: ['s1', 's2', 'gone'],
      headStamps: ['s1', 's2', 'new'],
      files: parseNameStatus(
        'M\tstamps/s1.yaml\nA\tstamps/new.yaml\nD\tstamps/gone.yaml\nM\trendered/stamps/s1/a.yaml\nM\trendered/stamps/s2/b.yaml\nD\trendered/stamps/gone/c.yaml\nM\trendered/routing/routing-table.json',
      ),
      routingRevision: { before: 'sha256:1', after: 'sha256:2' },
    });
    expect(diff.stamps).toEqual([
      { name: 'gone', change: 'removed', renderedFiles: [{ path: 'rendered/stamps/gone/c.yaml', change: 'removed' }] },
      { name: 'new', change: 'added', renderedFiles: [] },
      { name: 's1', change: 'changed', renderedFiles: [{ path: 'rendered/stamps/s1/a.yaml', change: 'modified' }] },
      { name: 's2', change: 'rendered', renderedFiles: [{ path: 'rendered/stamps/s2/b.yaml', change: 'modified' }] },
    ]);
    expect(diff.otherRenderedFiles).toEqual([{ path: 'rendered/routing/routing-table.json', change: 'modified' }]);
    expect(diff.routingRevision).toEqual({ before: 'sha256:1', after: 'sha256:2' });
  });
});
