// Builds the fleet view from the intended state (the files) and the observed state. Pure.
import { sortedReleases, stampZone, type Tenant } from '@stampyard/stamp-spec';
import { humanizeTimes } from './private/text.ts';
import type {
  DriftFinding,
  FleetView,
  FleetViewInput,
  StampObservation,
  StampView,
  TenantCounts,
  WaveState,
  WaveView,
  ZoneView,
} from './model.ts';

/** A zone above this share of its capacity gets a warning. */
export const ZONE_WARNING_PERCENT = 80;

const SEVERITY_ORDER = { error: 0, warning: 1 } as const;

/** Drift errors named one by one under "Needs attention"; more are counted. */
export const ALERTED_DRIFT_ERRORS = 10;

/** Sorts drift findings: errors first, then by stamp (fleet-wide first), kind and message. */
export function sortDriftFindings(findings: readonly DriftFinding[]): DriftFinding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.stamp ?? '').localeCompare(b.stamp ?? '') ||
      a.kind.localeCompare(b.kind) ||
      a.message.localeCompare(b.message),
  );
}

export function buildFleetView(input: FleetViewInput): FleetView {
  const { fleet: loaded, now } = input;
  const spec = loaded.fleet.spec;
  const stamps = loaded.stamps.map((s) => s.stamp);
  const tenants: Tenant[] = loaded.tenantLists.flatMap((l) => l.list.items);
  const observed = new Map<string, StampObservation>((input.health ?? []).map((h) => [h.stamp, h]));

  // Load per stamp.
  const used = new Map<string, { units: number; count: number }>();
  for (const t of tenants) {
    if (t.stamp === undefined) continue;
    const entry = used.get(t.stamp) ?? { units: 0, count: 0 };
    entry.units += t.weight;
    entry.count += 1;
    used.set(t.stamp, entry);
  }

  // Without rollout state, the target is the newest release some stamp declares (the catalog holds every declared version).
  const declaredVersions = new Set(stamps.map((s) => s.spec.version));
  const targetVersion =
    input.rollout?.targetVersion ??
    sortedReleases(spec)
      .map((r) => r.version)
      .filter((v) => declaredVersions.has(v))
      .pop();
  const waveNumbers = [...new Set(stamps.map((s) => s.spec.wave))].sort((a, b) => a - b);
  const runsTarget = (declared: string, obs?: StampObservation) =>
    declared === targetVersion && (obs?.observedVersion === undefined || obs.observedVersion === targetVersion);

  // Wave states: from the rollout state, else derived from the stamp files.
  const stateOf = new Map<number, { state: WaveState; bakeEndsAt?: string; reason?: string }>();
  if (input.rollout) {
    for (const w of input.rollout.waves) stateOf.set(w.wave, w);
  } else {
    for (const wave of waveNumbers) {
      const inWave = stamps.filter((s) => s.spec.wave === wave);
      stateOf.set(wave, { state: inWave.every((s) => s.spec.version === targetVersion) ? 'promoted' : 'waiting' });
    }
  }
  const waves: WaveView[] = waveNumbers.map((wave) => {
    const inWave = stamps.filter((s) => s.spec.wave === wave);
    const st = stateOf.get(wave) ?? { state: 'waiting' as const };
    const onTarget = inWave.filter((s) => runsTarget(s.spec.version, observed.get(s.metadata.name))).length;
    const view: WaveView = { wave, state: st.state, stampCount: inWave.length, onTarget };
    if (st.state === 'baking' && st.bakeEndsAt !== undefined) {
      const left = Math.max(0, Math.ceil((Date.parse(st.bakeEndsAt) - now.getTime()) / 60_000));
      return { ...view, bakeEndsAt: st.bakeEndsAt, bakeMinutesLeft: left, ...(st.reason ? { reason: humanizeTimes(st.reason, now) } : {}) };
    }
    return st.reason ? { ...view, reason: humanizeTimes(st.reason, now) } : view;
  });
  const waveState = new Map(waves.map((w) => [w.wave, w.state]));

  const driftErrorsOf = new Map<string, string[]>();
  for (const f of input.drift ?? []) {
    if (f.severity !== 'error' || f.stamp === null) continue;
    driftErrorsOf.set(f.stamp, [...(driftErrorsOf.get(f.stamp) ?? []), f.message]);
  }
  const driftStragglers = new Set((input.drift ?? []).filter((f) => f.kind === 'straggler' && f.stamp !== null).map((f) => f.stamp!));
  const excludedReasons = new Map(Object.entries(input.rollout?.excluded ?? {}));
  const stampViews: StampView[] = stamps.map((s) => {
    const name = s.metadata.name;
    const excluded = excludedReasons.get(name);
    const obs = observed.get(name);
    const load = used.get(name) ?? { units: 0, count: 0 };
    const state = waveState.get(s.spec.wave);
    const driftErrors = driftErrorsOf.get(name) ?? [];
    // A drift error means the stamp is not what git declares: never show it as healthy.
    const degradedByDrift = obs?.health === 'healthy' && driftErrors.length > 0;
    const health = degradedByDrift ? 'degraded' : (obs?.health ?? 'unknown');
    const healthMessage = degradedByDrift ? `drift: ${driftErrors.join('; ')}` : obs?.message;
    const view: StampView = {
      name,
      region: s.spec.region,
      zone: stampZone(spec, s) ?? '(none)',
      wave: s.spec.wave,
      status: s.spec.status,
      ...(s.spec.dedicatedTo ? { dedicatedTo: s.spec.dedicatedTo } : {}),
      declaredVersion: s.spec.version,
      ...(obs?.observedVersion ? { observedVersion: obs.observedVersion } : {}),
      health,
      ...(healthMessage ? { healthMessage } : {}),
      capacityUnits: s.spec.capacity,
      usedUnits: load.units,
      tenantCount: load.count,
      // Behind the target in a wave that has it, or behind while a later wave runs it (drift's straggler).
      // An excluded stamp stays behind on purpose: shown as excluded, with its reason, never as a straggler.
      straggler:
        excluded === undefined &&
        (((state === 'promoted' || state === 'baking') && !runsTarget(s.spec.version, obs)) || driftStragglers.has(name)),
      driftErrors,
      ...(excluded !== undefined ? { excluded } : {}),
    };
    return view;
  });

  const zones = buildZones(input, stampViews, tenants);
  const totals = {
    stamps: stamps.length,
    regions: new Set(stamps.map((s) => s.spec.region)).size,
    zones: zones.length,
    tenants: countTenants(tenants),
  };
  const drift = sortDriftFindings(input.drift ?? []);

  const alerts: string[] = [];
  for (const w of waves) {
    if (w.state === 'halted') alerts.push(`Wave ${w.wave} is halted${w.reason ? `: ${w.reason}` : ''}`);
  }
  for (const z of zones) for (const warning of z.warnings) alerts.push(`Zone ${z.zone}: ${warning}`);
  const stragglers = stampViews.filter((s) => s.straggler);
  if (stragglers.length > 0) {
    alerts.push(
      `${stragglers.length} straggler stamp${stragglers.length === 1 ? '' : 's'} not on ${targetVersion}: ${listSome(stragglers.map((s) => s.name))}`,
    );
  }
  const unhealthy = stampViews.filter((s) => s.health === 'unhealthy' || s.health === 'degraded');
  if (unhealthy.length > 0) {
    alerts.push(
      `${unhealthy.length} stamp${unhealthy.length === 1 ? '' : 's'} unhealthy or degraded: ${listSome(unhealthy.map((s) => s.name))}`,
    );
  }
  // Each drift error by name: a count alone sends the reader looking.
  const driftErrors = drift.filter((d) => d.severity === 'error');
  for (const d of driftErrors.slice(0, ALERTED_DRIFT_ERRORS))
    alerts.push(`Drift error${d.stamp ? ` on ${d.stamp}` : ''} (${d.kind}): ${humanizeTimes(d.message, now)}`);
  if (driftErrors.length > ALERTED_DRIFT_ERRORS)
    alerts.push(`${driftErrors.length - ALERTED_DRIFT_ERRORS} more drift errors; see Drift findings`);
  const healthNote =
    input.healthSource === undefined
      ? 'No health source: observed state is not shown. Add --health <file.json|flux|http> to see it.'
      : input.healthProblem;

  return {
    fleetName: loaded.fleet.metadata.name,
    domain: spec.domain,
    generatedAt: now.toISOString(),
    ...(input.healthSource ? { healthSource: input.healthSource } : {}),
    ...(healthNote ? { healthNote } : {}),
    releases: sortedReleases(spec).map((r) => r.version),
    ...(targetVersion ? { targetVersion } : {}),
    rolloutSource: input.rollout ? 'rollout-state' : 'stamp-files',
    ...(input.rollout?.allowDowngrade ? { allowDowngrade: true } : {}),
    totals,
    unplacedAnyResidency: tenants.filter((t) => t.stamp === undefined && t.residency === 'any').length,
    zones,
    stamps: stampViews,
    waves,
    drift,
    ...(input.base ? { base: input.base } : {}),
    ...(input.analytics ? { analytics: input.analytics } : {}),
    alerts,
  };
}

function buildZones(input: FleetViewInput, stamps: readonly StampView[], tenants: readonly Tenant[]): ZoneView[] {
  const spec = input.fleet.fleet.spec;
  const zoneOfStamp = new Map(stamps.map((s) => [s.name, s.zone]));
  const zoneNames = [...new Set([...Object.values(spec.regions).map((r) => r.zone), ...stamps.map((s) => s.zone)])].sort();
  return zoneNames.map((zone) => {
    const inZone = stamps.filter((s) => s.zone === zone);
    const regionNames = [...new Set(inZone.map((s) => s.region))].sort();
    const zoneTenants = tenants.filter((t) => (t.stamp !== undefined ? zoneOfStamp.get(t.stamp) === zone : t.residency === zone));
    const capacityUnits = inZone.reduce((n, s) => n + s.capacityUnits, 0);
    const usedUnits = inZone.reduce((n, s) => n + s.usedUnits, 0);
    const usedPercent = capacityUnits === 0 ? 0 : Math.round((usedUnits / capacityUnits) * 1000) / 10;
    const open = inZone.filter((s) => s.status === 'active' && s.dedicatedTo === undefined);
    const largestFreeUnits = open.reduce((m, s) => Math.max(m, s.capacityUnits - s.usedUnits), 0);
    const unplaced = zoneTenants.filter((t) => t.stamp === undefined && t.status === 'active');
    const weightsOf = (list: readonly Tenant[]) => list.filter((t) => t.isolation === 'shared').reduce((m, t) => Math.max(m, t.weight), 0);
    const largestTenantWeight = unplaced.length > 0 ? weightsOf(unplaced) : weightsOf(zoneTenants.filter((t) => t.status === 'active'));
    const warnings: string[] = [];
    if (usedPercent > ZONE_WARNING_PERCENT) {
      warnings.push(`${formatPercent(usedPercent)} of capacity used (${usedUnits}/${capacityUnits} units), above ${ZONE_WARNING_PERCENT}%`);
    }
    if (unplaced.length > 0) {
      warnings.push(`${unplaced.length} tenant${unplaced.length === 1 ? '' : 's'} not placed yet`);
    }
    if (largestTenantWeight > largestFreeUnits) {
      warnings.push(`the largest tenant (weight ${largestTenantWeight}) fits no active stamp (most free: ${largestFreeUnits} units)`);
    }
    return {
      zone,
      regions: regionNames.map((region) => ({ region, stamps: inZone.filter((s) => s.region === region).map((s) => s.name) })),
      stampCount: inZone.length,
      capacityUnits,
      usedUnits,
      usedPercent,
      tenants: countTenants(zoneTenants),
      largestFreeUnits,
      largestTenantWeight,
      warnings,
    };
  });
}

function countTenants(tenants: readonly Tenant[]): TenantCounts {
  let active = 0;
  let suspended = 0;
  let unplaced = 0;
  for (const t of tenants) {
    if (t.status === 'active') active++;
    else suspended++;
    if (t.stamp === undefined) unplaced++;
  }
  return { active, suspended, unplaced };
}

/** `a, b, c and 7 more`. */
export function listSome(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export function formatPercent(percent: number): string {
  return `${percent.toFixed(1).replace(/\.0$/, '')}%`;
}
