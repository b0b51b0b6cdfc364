// Version drift: where the fleet is not where git and the rollout say it should be. Pure.
import semver from 'semver';
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import type { RolloutState } from './state.ts';
import { NO_HEALTH, type HealthReport } from './health/report.ts';
import { isUnderWay } from './phase.ts';
import { decideRollout, type RolloutDecision, type WaveState } from './decision.ts';
import type { Landing } from './landing.ts';

export type DriftKind =
  | 'too-many-versions'
  | 'straggler'
  | 'excluded'
  | 'unplanned-version'
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
  /** Each wave's verdict, from the one rollout decision (the same as `rollout promote --dry-run`'s). */
  readonly waves: readonly { readonly wave: number; readonly state: WaveState }[];
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
  /** First-parent commits that changed rollout.yaml (bake clocks). @default [] */
  readonly landings?: readonly Landing[];
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
      add(
        s.metadata.name,
        'unknown-version',
        'error',
        `declares ${s.spec.version}, which is not in the release catalog (${[...catalog].join(', ')}); add the release to fleet.yaml or set a listed version`,
      );
    }
  }

  const counts = new Map<string, number>();
  for (const s of stamps) counts.set(s.spec.version, (counts.get(s.spec.version) ?? 0) + 1);
  const maxVersions = spec.rollout.drift.maxVersions;
  if (counts.size > maxVersions) {
    const list = [...counts.entries()].sort((a, b) => semver.compare(a[0], b[0])).map(([v, n]) => `${v} (${n})`);
    add(
      null,
      'too-many-versions',
      'error',
      `the fleet runs ${counts.size} versions: ${list.join(', ')}; the policy allows ${maxVersions}. Finish or roll back a rollout`,
    );
  }

  const decision = decideRollout({ fleet: { spec, stamps }, state, health: health ?? NO_HEALTH, now, landings: input.landings ?? [] });
  for (const finding of rolloutDrift(decision, state, stamps, catalog)) add(finding.stamp, finding.kind, finding.severity, finding.message);

  if (health) {
    for (const s of decision.stamps) {
      if (s.observed === null || s.observed === s.declared) continue;
      if (findings.some((f) => f.stamp === s.name && f.kind === 'unplanned-version')) continue;
      const severity = s.converging ? 'warning' : 'error';
      add(
        s.name,
        'not-applied',
        severity,
        `the cluster runs ${s.observed} but stamps/${s.name}.yaml declares ${s.declared}${s.converging ? ' (promoted recently; Flux may still be applying it)' : '; check the Flux Kustomization'}`,
      );
    }
  }

  if (state !== undefined && isUnderWay(state)) {
    const times = [state.target.startedAt, ...Object.values(state.stamps).map((r) => r.promotedAt), ...state.history.map((e) => e.at)].map(
      Date.parse,
    );
    const last = Math.max(...times);
    const minutes = Math.floor((now.getTime() - last) / 60_000);
    if (minutes > spec.rollout.drift.stallMinutes) {
      // A warning: a stalled rollout needs a person, but must not turn every unrelated pull request red.
      add(
        null,
        'stalled',
        'warning',
        `the rollout of ${state.target.version} has made no progress for ${minutes} minutes (policy: ${spec.rollout.drift.stallMinutes})${state.halted ? `; it is halted: ${state.halted.reason}` : ''}`,
      );
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
      add(
        stamp,
        'rendered-out-of-date',
        'error',
        `${paths.length} rendered file(s) out of step with the stamp files: ${shown}${paths.length > 3 ? ', ...' : ''}; run npm run synth and commit the result`,
      );
    }
  }

  findings.sort(
    (a, b) => (a.stamp ?? '').localeCompare(b.stamp ?? '') || a.kind.localeCompare(b.kind) || a.message.localeCompare(b.message),
  );
  return {
    ok: findings.every((f) => f.severity !== 'error'),
    findings,
    waves: decision.waves.map((w) => ({ wave: w.wave, state: w.state })),
  };
}

/**
 * Stragglers and unplanned versions, read off the decision. A straggler is a stamp below the target in a
 * wave the current or last rollout already promoted. An unplanned version is one no rollout put there: a
 * promoted stamp on neither the target nor its recorded previous version; a stamp above the target, or
 * on it in a wave the rollout has not reached; and, without rollout.yaml, a stamp above the version most
 * of the fleet declares.
 */
function rolloutDrift(
  decision: RolloutDecision,
  state: RolloutState | undefined,
  stamps: readonly Stamp[],
  catalog: ReadonlySet<string>,
): DriftFinding[] {
  const out: DriftFinding[] = [];
  // A version missing from the catalog is reported as unknown-version already.
  const valid = (v: string) => semver.valid(v) !== null && catalog.has(v);
  if (state === undefined) {
    // The version most stamps declare (the lower one on a tie) is where the fleet is; above it, someone jumped.
    const counts = new Map<string, number>();
    for (const v of stamps.map((s) => s.spec.version).filter(valid)) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size === 0) return out;
    const lowest = [...counts].sort((a, b) => b[1] - a[1] || semver.compare(a[0], b[0]))[0]![0];
    for (const s of decision.stamps) {
      if (valid(s.declared) && semver.gt(s.declared, lowest)) {
        out.push({
          stamp: s.name,
          kind: 'unplanned-version',
          severity: 'error',
          message: `declares ${s.declared}, but no rollout put it there (most of the fleet runs ${lowest}, and there is no rollout.yaml); set it back to ${lowest}, or roll ${s.declared} out with \`stampyard rollout start ${s.declared}\``,
        });
      }
    }
    return out;
  }
  const target = state.target.version;
  const records = new Map(Object.entries(state.stamps));
  const reached = Math.max(-1, ...decision.waves.filter((w) => w.promoted).map((w) => w.wave));
  const complete = decision.phase === 'complete';
  for (const s of decision.stamps) {
    if (s.excluded !== null) {
      // Kept out on purpose: shown with its reason, never as a straggler (a warning: it needs no fix).
      if (isUnderWay(state) || decision.phase === 'complete') {
        out.push({
          stamp: s.name,
          kind: 'excluded',
          severity: 'warning',
          message: `excluded from the rollout of ${target}: ${s.excluded}; it stays on ${s.declared}. Take it back with \`stampyard rollout include ${s.name}\``,
        });
      }
      continue;
    }
    const record = records.get(s.name);
    const waveReached = complete || s.wave <= reached;
    const behindLaterWave = complete || s.wave < reached;
    let unplanned: string | undefined;
    if (record !== undefined) {
      if (s.declared !== target && s.declared !== record.fromVersion)
        unplanned = `the rollout promoted it from ${record.fromVersion} to ${target}`;
    } else if (valid(s.declared) && valid(target) && semver.gt(s.declared, target) && !state.target.allowDowngrade) {
      unplanned = `it is above the rollout's target ${target}`;
    } else if (s.declared === target && !waveReached && decision.phase !== 'rolled-back') {
      unplanned = `the rollout of ${target} has not reached wave ${s.wave} yet`;
    }
    if (unplanned !== undefined) {
      out.push({
        stamp: s.name,
        kind: 'unplanned-version',
        severity: 'error',
        message: `declares ${s.declared}, but no rollout put it there (${unplanned}); set stamps/${s.name}.yaml back${record ? ` to ${record.fromVersion}` : ''}, or let \`stampyard rollout promote\` move it`,
      });
      continue;
    }
    const leftBehind = record === undefined || s.declared === record.fromVersion;
    if (
      leftBehind &&
      behindLaterWave &&
      valid(s.declared) &&
      valid(target) &&
      semver.lt(s.declared, target) &&
      decision.phase !== 'rolled-back'
    ) {
      out.push({
        stamp: s.name,
        kind: 'straggler',
        severity: 'error',
        message: `wave ${s.wave} runs ${s.declared} while the rollout already promoted it to ${target}; run \`stampyard rollout promote\` or set stamps/${s.name}.yaml to ${target}`,
      });
    }
  }
  return out;
}
