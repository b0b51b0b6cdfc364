import { describe, expect, it } from 'vitest';
import type { Stamp } from '@stampyard/stamp-spec';
import { planDrift, type DriftInput } from './drift.ts';
import { renderDrift } from './render.ts';
import { newRolloutState } from './state.ts';
import { aRolloutFleet, convergedHealth, minutes } from './testing/index.ts';

const T0 = new Date('2026-11-02T09:00:00Z');
const fleet = aRolloutFleet(9);
const setVersion = (stamps: readonly Stamp[], versions: Record<string, string>) =>
  stamps.map((s) => (versions[s.metadata.name] ? ({ ...s, spec: { ...s.spec, version: versions[s.metadata.name]! } } as Stamp) : s));
const base: DriftInput = { spec: fleet.spec, stamps: fleet.stamps, now: T0 };

/** A rollout of 1.5.0 started at T0 that promoted these stamps (from 1.4.0) this many minutes after T0. */
function promotedState(promoted: Record<string, number>) {
  const state = newRolloutState('1.5.0', T0);
  const stamps = Object.fromEntries(
    Object.entries(promoted).map(([name, m]) => [name, { fromVersion: '1.4.0', promotedAt: minutes(T0, m).toISOString() }]),
  );
  return { ...state, revision: 3, stamps };
}

describe('planDrift', () => {
  it('finds nothing in a fleet on one version', () => {
    expect(planDrift({ ...base, health: convergedHealth(fleet), rendered: { stale: [], missing: [], extra: [] } })).toMatchObject({
      ok: true,
      findings: [],
    });
  });

  it('names only the hand-edited stamp when no rollout runs (never the waves before it)', () => {
    const report = planDrift({ ...base, stamps: setVersion(fleet.stamps, { 'stamp-us-8': '1.5.0' }) });
    expect(report.findings.filter((f) => f.kind === 'straggler')).toEqual([]);
    expect(report.findings.filter((f) => f.kind === 'unplanned-version').map((f) => f.stamp)).toEqual(['stamp-us-8']);
  });

  const cases: {
    name: string;
    input: Partial<DriftInput>;
    stamp: string | null;
    kind: string;
    severity: 'error' | 'warning';
    message: RegExp;
  }[] = [
    {
      name: 'more versions than the policy allows',
      input: { stamps: setVersion(fleet.stamps, { 'stamp-eu-1': '1.5.0', 'stamp-eu-2': '1.3.0' }) },
      stamp: null,
      kind: 'too-many-versions',
      severity: 'error',
      message: /runs 3 versions: 1\.3\.0 \(1\), 1\.4\.0 \(7\), 1\.5\.0 \(1\); the policy allows 2/,
    },
    {
      name: 'a straggler: a promoted wave-0 stamp set back by hand while wave 1 runs the target',
      input: {
        stamps: setVersion(fleet.stamps, { 'stamp-eu-1': '1.5.0', 'stamp-eu-2': '1.5.0', 'stamp-us-4': '1.5.0' }),
        state: promotedState({ 'stamp-us-3': 0, 'stamp-eu-1': 0, 'stamp-eu-2': 60, 'stamp-us-4': 60 }),
        now: minutes(T0, 90),
      },
      stamp: 'stamp-us-3',
      kind: 'straggler',
      severity: 'error',
      message: /wave 0 runs 1\.4\.0 while the rollout already promoted it to 1\.5\.0/,
    },
    {
      name: 'an unplanned version: no rollout, and a wave-2 stamp edited to 1.5.0 by hand',
      input: { stamps: setVersion(fleet.stamps, { 'stamp-us-8': '1.5.0' }) },
      stamp: 'stamp-us-8',
      kind: 'unplanned-version',
      severity: 'error',
      message: /declares 1\.5\.0, but no rollout put it there.*set it back to 1\.4\.0/,
    },
    {
      name: 'an unplanned version: a stamp on the target in a wave the rollout has not reached',
      input: {
        stamps: setVersion(fleet.stamps, { 'stamp-eu-1': '1.5.0', 'stamp-us-8': '1.5.0' }),
        state: promotedState({ 'stamp-eu-1': 0 }),
        now: minutes(T0, 10),
      },
      stamp: 'stamp-us-8',
      kind: 'unplanned-version',
      severity: 'error',
      message: /has not reached wave 2 yet/,
    },
    {
      name: 'an unplanned version: a promoted stamp on neither the target nor its previous version',
      input: {
        stamps: setVersion(fleet.stamps, { 'stamp-eu-1': '1.3.0' }),
        state: promotedState({ 'stamp-eu-1': 0 }),
        now: minutes(T0, 10),
      },
      stamp: 'stamp-eu-1',
      kind: 'unplanned-version',
      severity: 'error',
      message: /promoted it from 1\.4\.0 to 1\.5\.0\); set stamps\/stamp-eu-1\.yaml back to 1\.4\.0/,
    },
    {
      name: 'a version missing from the catalog',
      input: { stamps: setVersion(fleet.stamps, { 'stamp-eu-9': '1.4.1' }) },
      stamp: 'stamp-eu-9',
      kind: 'unknown-version',
      severity: 'error',
      message: /declares 1\.4\.1, which is not in the release catalog/,
    },
    {
      name: 'an observed version that differs from the declared one',
      input: { health: convergedHealth(fleet, { 'stamp-us-4': { ready: true, version: '1.3.0' } }) },
      stamp: 'stamp-us-4',
      kind: 'not-applied',
      severity: 'error',
      message: /the cluster runs 1\.3\.0 but stamps\/stamp-us-4\.yaml declares 1\.4\.0/,
    },
    {
      name: 'a rollout with no progress for too long',
      input: { state: { ...newRolloutState('1.5.0', T0), revision: 1 }, now: minutes(T0, 1441) },
      stamp: null,
      kind: 'stalled',
      severity: 'warning',
      message: /no progress for 1441 minutes \(policy: 1440\)/,
    },
    {
      name: 'rendered manifests out of step',
      input: {
        rendered: { stale: ['rendered/stamps/stamp-eu-1/api.yaml'], missing: ['rendered/stamps/stamp-eu-1/worker.yaml'], extra: [] },
      },
      stamp: 'stamp-eu-1',
      kind: 'rendered-out-of-date',
      severity: 'error',
      message: /2 rendered file\(s\) out of step.*run npm run synth/,
    },
    {
      name: 'rendered manifests that could not be checked',
      input: { rendered: { unavailable: 'the fleet does not validate' } },
      stamp: null,
      kind: 'rendered-unchecked',
      severity: 'warning',
      message: /not checked: the fleet does not validate/,
    },
  ];
  it.each(cases)('flags $name', ({ input, stamp, kind, severity, message }) => {
    const report = planDrift({ ...base, ...input });
    const finding = report.findings.find((f) => f.kind === kind);
    expect(finding).toMatchObject({ stamp, severity });
    expect(finding?.message).toMatch(message);
    expect(report.ok).toBe(severity !== 'error');
  });

  it('renders Markdown ready for a pull-request comment and JSON in the documented shape', () => {
    const report = planDrift({ ...base, stamps: setVersion(fleet.stamps, { 'stamp-eu-9': '1.4.1' }) });
    const md = renderDrift(report, 'markdown');
    expect(md).toContain('### ❌ Version drift: 1 error(s), 0 warning(s)'); // unknown-version only: no unplanned-version for it too
    expect(md).toContain('| ❌ error | `stamp-eu-9` | unknown-version |');
    expect(JSON.parse(renderDrift(report, 'json'))).toMatchObject({
      ok: false,
      findings: [expect.objectContaining({ stamp: 'stamp-eu-9', kind: 'unknown-version', severity: 'error' })],
    });
  });
});
