// Version drift: where the fleet is not where git and the rollout say it should be. Pure.
import semver from 'semver';
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import { bakeMinutesFor } from './policy.ts';
import { isInProgress, type RolloutState } from './state.ts';
import type { HealthReport } from './health/report.ts';

export type DriftKind =
  | 'too-many-versions'
  | 'straggler'
  | 'unknown-version'
  | 'not-applied'
  | 'stalled'
  | 'rendered-out-of-date'
  | 'rendered-unchecked'
  | 'invalid-stamp';

export interface DriftFinding {
  /** The stamp concerned, or null for the fleet as a whole. */
  readonly stamp: string | null;
  readonly kind: DriftKind;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export interface DriftReport {
  /** True when no finding is an error. */
  readonly ok: boolean;
  readonly findings: readonly DriftFinding[];
}

/** Rendered files out of step with the stamp files, as `diffSynth` reports them (paths relative to the root). */
export interface RenderedDiff {
  readonly stale: readonly string[];
  readonly missing: readonly string[];
  readonly extra: readonly string[];
}

export interface DriftInput {
  /** fleet.yaml spec: the catalog and the drift policy. */
  readonly spec: FleetSpec;
  /** Stamps that parsed on their own; their versions need not be in the catalog. */
  readonly stamps: readonly Stamp[];
  /** Problems of stamp files that didn't parse, as `file:line:column field: message`. @default [] */
  readonly invalidStamps?: readonly { readonly stamp: string; readonly message: string }[];
  /** rollout.yaml, when present. */
  readonly state?: RolloutState;
  /** Observed health; without it, observed versions aren't checked. */
  readonly health?: HealthReport;
  /** The rendered diff, or a reason it couldn't be computed. */
  readonly rendered?: RenderedDiff | { readonly unavailable: string };
  readonly now: Date;
}

const renderedStamp = /^rendered\/stamps\/([^/]+)\//;

/** Flags version drift. Findings are sorted by stamp, kind and message. */
export function planDrift(input: DriftInput): DriftReport {
  const { spec, stamps, state, health, now } = input;
  const findings: DriftFinding[] = [];
  const catalog = new Set(spec.releases.map((r) => r.version));
  const add = (stamp: string | null, kind: DriftKind, severity: 'error' | 'warning', message: string) =>
    findings.push({ stamp, kind, severity, message });

  for (const invalid of input.invalidStamps ?? []) add(invalid.stamp, 'invalid-stamp', 'error', invalid.message);
  for (const s of stamps) {
    if (!catalog.has(s.spec.version)) {
      add(s.metadata.name, 'unknown-version', 'error', `declares ${s.spec.version}, which is not in the release catalog (${[...catalog].join(', ')}); add the release to fleet.yaml or set a listed version`);
    }
  }

  const counts = new Map<string, number>();
  for (const s of stamps) counts.set(s.spec.version, (counts.get(s.spec.version) ?? 0) + 1);
  const maxVersions = spec.rollout.drift.maxVersions;
  if (counts.size > maxVersions) {
    const list = [...counts.entries()].sort((a, b) => semver.compare(a[0], b[0])).map(([v, n]) => `${v} (${n})`);
    add(null, 'too-many-versions', 'error', `the fleet runs ${counts.size} versions: ${list.join(', ')}; the policy allows ${maxVersions}. Finish or roll back a rollout`);
  }

  const target = state?.target.version ?? [...counts.keys()].filter((v) => catalog.has(v)).sort(semver.rcompare)[0];
  if (target !== undefined) {
    const latestWaveOnTarget = Math.max(-1, ...stamps.filter((s) => s.spec.version === target).map((s) => s.spec.wave));
    for (const s of stamps) {
      if (s.spec.wave < latestWaveOnTarget && semver.lt(s.spec.version, target)) {
        add(s.metadata.name, 'straggler', 'error', `wave ${s.spec.wave} runs ${s.spec.version} while wave ${latestWaveOnTarget} already runs ${target}; promote it or roll the later waves back`);
      }
    }
  }

  if (health) {
    for (const s of stamps) {
      const observed = health.stamps[s.metadata.name]?.version;
      if (observed === undefined || observed === s.spec.version) continue;
      const record = state?.stamps[s.metadata.name];
      const recent = record !== undefined && now.getTime() - Date.parse(record.promotedAt) < bakeMinutesFor(spec.rollout, s.spec.wave) * 60_000;
      add(s.metadata.name, 'not-applied', recent ? 'warning' : 'error', `the cluster runs ${observed} but stamps/${s.metadata.name}.yaml declares ${s.spec.version}${recent ? ' (promoted recently; Flux may still be applying it)' : '; check the Flux Kustomization'}`);
    }
  }

  if (isInProgress(state)) {
    const times = [state.target.startedAt, ...Object.values(state.stamps).map((r) => r.promotedAt), ...state.history.map((e) => e.at)].map(Date.parse);
    const last = Math.max(...times);
    const minutes = Math.floor((now.getTime() - last) / 60_000);
    if (minutes > spec.rollout.drift.stallMinutes) {
      // A warning: a stalled rollout needs a person, but must not turn every unrelated pull request red.
      add(null, 'stalled', 'warning', `the rollout of ${state.target.version} has made no progress for ${minutes} minutes (policy: ${spec.rollout.drift.stallMinutes})${state.halted ? `; it is halted: ${state.halted.reason}` : ''}`);
    }
  }

  const rendered = input.rendered;
  if (rendered && 'unavailable' in rendered) {
    add(null, 'rendered-unchecked', 'warning', `rendered manifests not checked: ${rendered.unavailable}`);
  } else if (rendered) {
    const byStamp = new Map<string | null, string[]>();
    const note = (path: string, what: string) => {
      const stamp = renderedStamp.exec(path)?.[1] ?? null;
      byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), `${path} (${what})`]);
    };
    rendered.stale.forEach((p) => note(p, 'stale'));
    rendered.missing.forEach((p) => note(p, 'missing'));
    rendered.extra.forEach((p) => note(p, 'extra'));
    for (const [stamp, paths] of byStamp) {
      const shown = paths.sort().slice(0, 3).join(', ');
      add(stamp, 'rendered-out-of-date', 'error', `${paths.length} rendered file(s) out of step with the stamp files: ${shown}${paths.length > 3 ? ', ...' : ''}; run npm run synth and commit the result`);
    }
  }

  findings.sort((a, b) => (a.stamp ?? '').localeCompare(b.stamp ?? '') || a.kind.localeCompare(b.kind) || a.message.localeCompare(b.message));
  return { ok: findings.every((f) => f.severity !== 'error'), findings };
}
