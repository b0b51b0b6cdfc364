import { describe, expect, it } from 'vitest';
import { loadFleet, type LoadedMigration } from '@stampyard/stamp-spec';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';
import { migrationJobs } from './migration-jobs.ts';
import { validateManifests } from './testing/validate.ts';

describe('migrationJobs', async () => {
  const fleet = await loadFleet(EXAMPLE_FLEET_ROOT);
  const stamps = fleet.stamps.map((s) => s.stamp);
  const migration = (phase: 'fenced' | 'copying'): LoadedMigration =>
    ({
      migration: {
        apiVersion: 'stampyard.dev/v1alpha1',
        kind: 'TenantMigration',
        metadata: { name: 'adatum-farms' },
        spec: { from: 'stamp-eu-1', to: 'stamp-eu-2', epoch: 4 },
        status: { phase, startedAt: '2026-12-01T10:00:00Z', phaseSince: '2026-12-01T10:00:00Z', history: [] },
      },
    }) as unknown as LoadedMigration;

  it('renders nothing while the tenant is only fenced', () => {
    expect(migrationJobs(fleet.fleet.spec, stamps, [migration('fenced')]).size).toBe(0);
  });

  it('renders the export on the source and the import on the target, each in its own namespace with its own credentials, in the same zone path, and they validate', () => {
    const jobs = migrationJobs(fleet.fleet.spec, stamps, [migration('copying')], [{ tenant: 'old-tenant', stamp: 'stamp-eu-3', epoch: 1 }]);
    expect([...jobs.keys()].sort()).toEqual(['stamp-eu-1', 'stamp-eu-2', 'stamp-eu-3']);
    const [exported] = jobs.get('stamp-eu-1')!;
    const [imported] = jobs.get('stamp-eu-2')!;
    expect(exported!.metadata).toMatchObject({ name: 'migrate-export-adatum-farms-4', namespace: 'stamp-eu-1' });
    expect(imported!.metadata).toMatchObject({ name: 'migrate-import-adatum-farms-4', namespace: 'stamp-eu-2' });
    const object = (j: unknown) => JSON.stringify(j).match(/stampyard-migrations\/[^"]+/)![0];
    expect(object(exported)).toBe(object(imported));
    expect(object(exported)).toBe('stampyard-migrations/eu/adatum-farms-4.json');
    expect(jobs.get('stamp-eu-3')![0]!.metadata.name).toBe('migrate-cleanup-old-tenant-1');
    expect(validateManifests([...jobs.values()].flat())).toEqual([]);
  });
});
