import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, formatIssue, parseFleet, type LoadedFleet } from '@stampyard/stamp-spec';
import { aTenant, fleetOf, smallStamps } from './private/fixtures.ts';
import { buildRoutingTable } from './build.ts';
import {
  migrationFileChanges,
  migrationStatuses,
  planMigrationAbort,
  planMigrationAdvance,
  planMigrationStart,
  type MigrationStep,
} from './migration.ts';
import { fleetSourcesOf } from './scaffold.ts';
import { tenantFileChanges } from './tenant-files.ts';
import { buildStampTenantLists } from './tenant-list.ts';
import { tenantEpoch } from './table.ts';

const T0 = new Date('2026-12-01T10:00:00Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const COPIED = { exported: true, imported: true };

function start(): LoadedFleet {
  return fleetOf(smallStamps(), [
    [
      aTenant({ id: 'acme', residency: 'eu', weight: 2, stamp: 'stamp-eu-1' }),
      aTenant({ id: 'other', residency: 'eu', stamp: 'stamp-eu-2' }),
    ],
  ]);
}

/** Writes a step into the fleet's sources and parses them again, as the CLI would on disk. */
function apply(fleet: LoadedFleet, step: MigrationStep): LoadedFleet {
  const sources = fleetSourcesOf(fleet);
  const tenantChanges = step.tenantEdit ? tenantFileChanges(fleet, [step.tenantEdit]) : [];
  const tenants = sources.tenants.map((f) => ({ path: f.path, text: tenantChanges.find((c) => c.path === f.path)?.content ?? f.text }));
  const migrations = new Map(sources.migrations.map((f) => [f.path, f.text]));
  for (const change of migrationFileChanges(step)) {
    if (!change.path.startsWith('migrations/archive/')) {
      if (change.content === null) migrations.delete(change.path);
      else migrations.set(change.path, change.content);
    }
  }
  const { fleet: next, issues } = parseFleet({ ...sources, tenants, migrations: [...migrations].map(([path, text]) => ({ path, text })) });
  if (!next) throw new Error(issues.map(formatIssue).join('\n'));
  return next;
}

function advance(fleet: LoadedFleet, at: Date, copy = COPIED): LoadedFleet {
  const decision = planMigrationAdvance(fleet, 'acme', at, copy);
  if (decision.kind !== 'step') throw new Error(decision.reason);
  return apply(fleet, decision.step);
}

/** Which stamps list the tenant, at which epoch, fenced or not. */
function listed(fleet: LoadedFleet, id = 'acme') {
  const table = buildRoutingTable(fleet);
  const lists = buildStampTenantLists(table);
  const on = [...lists].flatMap(([stamp, list]) => (list.tenants[id] ? [{ stamp, ...list.tenants[id]! }] : []));
  return { table, route: table.tenants[id]!, on };
}

describe('a migration, phase by phase', () => {
  it('fences, copies, expands, contracts and finishes; every commit routes the tenant to one stamp', () => {
    let fleet = apply(start(), planMigrationStart(start(), 'acme', 'stamp-eu-2', T0));
    expect(listed(fleet).route).toMatchObject({ stamp: 'stamp-eu-1', phase: 'fenced', migratingTo: 'stamp-eu-2' });
    expect(listed(fleet).on).toEqual([{ stamp: 'stamp-eu-1', epoch: 0, phase: 'fenced' }]);

    fleet = advance(fleet, minutes(1));
    expect(listed(fleet).on).toEqual([{ stamp: 'stamp-eu-1', epoch: 0, phase: 'copying' }]);
    expect(planMigrationAdvance(fleet, 'acme', minutes(2), { exported: true, imported: false })).toEqual({
      kind: 'wait',
      reason: expect.stringContaining('the import Job on stamp-eu-2'),
    });
    expect(planMigrationAdvance(fleet, 'acme', minutes(2), undefined)).toMatchObject({ kind: 'wait' });

    fleet = advance(fleet, minutes(3));
    expect(listed(fleet).route).toMatchObject({ stamp: 'stamp-eu-1', phase: 'cutover-expand' });
    expect(listed(fleet).on).toEqual([
      { stamp: 'stamp-eu-1', epoch: 0, phase: 'cutover-expand' },
      { stamp: 'stamp-eu-2', epoch: 1, phase: 'cutover-expand' },
    ]);

    fleet = advance(fleet, minutes(4));
    expect(listed(fleet).route).toMatchObject({ stamp: 'stamp-eu-2', epoch: 1, previousStamp: 'stamp-eu-1', phase: 'cutover-contract' });
    expect(listed(fleet).on).toEqual([{ stamp: 'stamp-eu-2', epoch: 1, phase: 'cutover-contract' }]);

    const done = planMigrationAdvance(fleet, 'acme', minutes(5), undefined);
    expect(done).toMatchObject({ kind: 'step', step: { phase: 'done', archive: { path: 'migrations/archive/acme-1.yaml' } } });
    fleet = advance(fleet, minutes(5));
    expect(fleet.migrations ?? []).toEqual([]);
    expect(listed(fleet).route).toEqual({ epoch: 1, previousStamp: 'stamp-eu-1', stamp: 'stamp-eu-2', status: 'active' });
    expect(listed(fleet).on).toEqual([{ stamp: 'stamp-eu-2', epoch: 1 }]);
  });

  it.each([
    { phase: 'fenced', advances: 0, epoch: 0 },
    { phase: 'copying', advances: 1, epoch: 0 },
    { phase: 'cutover-expand', advances: 2, epoch: 0 },
    { phase: 'cutover-contract', advances: 3, epoch: 2 },
  ])(
    'an abort in phase $phase ends with the tenant alone on its original stamp, unfenced, at epoch $epoch',
    ({ phase, advances, epoch }) => {
      let fleet = apply(start(), planMigrationStart(start(), 'acme', 'stamp-eu-2', T0));
      for (let i = 0; i < advances; i++) fleet = advance(fleet, minutes(i + 1));
      expect(fleet.migrations?.[0]?.migration.status.phase).toBe(phase);
      const abort = planMigrationAbort(fleet, 'acme', minutes(10));
      expect(abort.archive?.path).toMatch(/^migrations\/archive\/acme-\d+-aborted\.yaml$/);
      fleet = apply(fleet, abort);
      expect(fleet.migrations ?? []).toEqual([]);
      expect(listed(fleet).on).toEqual([{ stamp: 'stamp-eu-1', epoch }]);
      expect(listed(fleet).route.phase).toBeUndefined();
    },
  );
});

describe('checks', () => {
  const cases: { name: string; run: (fleet: LoadedFleet) => unknown; expectedError: string }[] = [
    { name: 'unknown tenant', run: (f) => planMigrationStart(f, 'nobody', 'stamp-eu-2', T0), expectedError: "no tenant 'nobody'" },
    {
      name: 'unknown stamp',
      run: (f) => planMigrationStart(f, 'acme', 'stamp-eu-9', T0),
      expectedError: "stamp 'stamp-eu-9' does not exist",
    },
    { name: 'residency', run: (f) => planMigrationStart(f, 'acme', 'stamp-us-1', T0), expectedError: "must stay in 'eu'" },
    { name: 'isolation', run: (f) => planMigrationStart(f, 'acme', 'stamp-eu-big', T0), expectedError: "dedicated to 'big'" },
    { name: 'draining', run: (f) => planMigrationStart(f, 'acme', 'stamp-eu-old', T0), expectedError: 'draining' },
    { name: 'same stamp', run: (f) => planMigrationStart(f, 'acme', 'stamp-eu-1', T0), expectedError: 'already on stamp-eu-1' },
    {
      name: 'a second migration of the same tenant',
      run: (f) => planMigrationStart(apply(f, planMigrationStart(f, 'acme', 'stamp-eu-2', T0)), 'acme', 'stamp-eu-2', T0),
      expectedError: "a migration of 'acme' from stamp-eu-1 to stamp-eu-2 is already in phase fenced",
    },
    {
      name: 'advance without a migration',
      run: (f) => planMigrationAdvance(f, 'acme', T0, COPIED),
      expectedError: "no migration of 'acme'",
    },
    { name: 'abort without a migration', run: (f) => planMigrationAbort(f, 'acme', T0), expectedError: 'nothing to abort' },
  ];
  it.each(cases)('refuses: $name', ({ run, expectedError }) => {
    let error: unknown;
    try {
      run(start());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map(formatIssue).join('\n')).toContain(expectedError);
  });

  it('reserves the target capacity for the whole migration: another tenant cannot take the room', () => {
    // stamp-eu-2 has 10 units, 1 used by 'other'; acme (2) reserves 2 of the 9 free.
    const fleet = fleetOf(smallStamps(), [
      [
        aTenant({ id: 'acme', residency: 'eu', weight: 2, stamp: 'stamp-eu-1' }),
        aTenant({ id: 'other', residency: 'eu', stamp: 'stamp-eu-2' }),
        aTenant({ id: 'big-one', residency: 'eu', weight: 8, stamp: 'stamp-eu-1' }),
      ],
    ]);
    const moving = apply(fleet, planMigrationStart(fleet, 'acme', 'stamp-eu-2', T0));
    expect(() => planMigrationStart(moving, 'big-one', 'stamp-eu-2', T0)).toThrow(/has 7 of 10 capacity units free/);
    // The migration itself still fits at every step.
    expect(advance(moving, minutes(1)).migrations?.[0]?.migration.status.phase).toBe('copying');
  });

  it('status flags a migration stuck in a phase for longer than the policy allows', () => {
    const fleet = apply(start(), planMigrationStart(start(), 'acme', 'stamp-eu-2', T0));
    expect(migrationStatuses(fleet, minutes(30), 60)[0]).not.toHaveProperty('stuck');
    expect(migrationStatuses(fleet, minutes(61), 60)[0]?.stuck).toContain('in phase fenced for 61 minutes');
  });
});

describe('properties', () => {
  type Op = { kind: 'advance'; copied: boolean } | { kind: 'abort' } | { kind: 'start'; to: 'stamp-eu-1' | 'stamp-eu-2' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.boolean().map((copied) => ({ kind: 'advance' as const, copied })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'abort' as const }) },
    { weight: 2, arbitrary: fc.constantFrom('stamp-eu-1' as const, 'stamp-eu-2' as const).map((to) => ({ kind: 'start' as const, to })) },
  );

  it('a tenant is served by exactly one stamp at every epoch, and no write is accepted by two stamps for the same epoch', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        let fleet = start();
        // epoch → stamps that ever listed the tenant at it; epoch → stamps that ever accepted its writes at it.
        const servedAt = new Map<number, Set<string>>();
        const writableAt = new Map<number, Set<string>>();
        const observe = () => {
          const { route, on } = listed(fleet);
          // The table names one stamp, and that stamp lists the tenant at the table's epoch.
          expect(on.some((e) => e.stamp === route.stamp && e.epoch === tenantEpoch(route))).toBe(true);
          // On two lists only while fenced on both.
          if (on.length > 1) expect(on.every((e) => e.phase !== undefined)).toBe(true);
          for (const e of on) {
            servedAt.set(e.epoch, (servedAt.get(e.epoch) ?? new Set()).add(e.stamp));
            if (e.phase === undefined) writableAt.set(e.epoch, (writableAt.get(e.epoch) ?? new Set()).add(e.stamp));
          }
        };
        observe();
        let t = 0;
        for (const o of ops) {
          const now = minutes(++t);
          try {
            if (o.kind === 'start') fleet = apply(fleet, planMigrationStart(fleet, 'acme', o.to, now));
            else if (o.kind === 'abort') fleet = apply(fleet, planMigrationAbort(fleet, 'acme', now));
            else {
              const d = planMigrationAdvance(fleet, 'acme', now, o.copied ? COPIED : { exported: false, imported: false });
              if (d.kind === 'step') fleet = apply(fleet, d.step);
            }
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error; // a refused command writes nothing
          }
          observe();
        }
        for (const stamps of servedAt.values()) expect(stamps.size).toBe(1);
        for (const stamps of writableAt.values()) expect(stamps.size).toBe(1);
      }),
      { numRuns: 60 },
    );
  });
});
