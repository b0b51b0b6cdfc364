// What the clusters say about each stamp, whichever source it came from.
import { z } from 'zod';
import { ValidationError, didYouMean, issueAt, parseYamlSource, quoteName } from '@stampyard/stamp-spec';

/** One stamp's observed state. */
export interface StampHealth {
  /** Whether the stamp reports ready. */
  readonly ready: boolean;
  /** The version the stamp actually runs. @default - unknown */
  readonly version?: string;
  /** Why it is not ready, for people. @default - none */
  readonly detail?: string;
  /**
   * An explicit failure the source reports (a crash loop, a failed Flux reconciliation, a failed
   * analysis), as opposed to not being ready yet: it fails the rollout at once, without waiting for
   * the progress deadline. @default - none
   */
  readonly failure?: string;
}

/**
 * Health of the fleet. A stamp missing from `stamps` is unknown, and unknown is never healthy.
 */
export interface HealthReport {
  /** Where the report came from: a file path, `flux` or `http`. */
  readonly source: string;
  /** Stamps whose health is known, by name. */
  readonly stamps: Readonly<Record<string, StampHealth>>;
  /** Stamps whose health could not be read, with the reason. @default {} */
  readonly unknown?: Readonly<Record<string, string>>;
}

/** No health source: every stamp is unknown. */
export const NO_HEALTH: HealthReport = { source: 'none', stamps: {} };

const healthFileSchema = z.strictObject({
  stamps: z.record(
    z.string(),
    z.strictObject({
      ready: z.boolean(),
      version: z.string().optional(),
      detail: z.string().optional(),
      failure: z.string().min(1).optional(),
    }),
  ),
});

/**
 * Parses a health file: `{ "stamps": { "<name>": { "ready": true, "version": "1.5.0" } } }`. Pure.
 * With `stampNames`, a stamp the fleet doesn't have is an error (a misspelt
 * name would otherwise leave the real stamp unknown, silently).
 */
export function parseHealthFile(text: string, path: string, stampNames?: readonly string[]): HealthReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ValidationError([
      { file: path, line: 1, column: 1, field: '(json)', message: `${(error as Error).message}; fix the JSON syntax` },
    ]);
  }
  const result = healthFileSchema.safeParse(data);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({
        file: path,
        line: 1,
        column: 1,
        field: issue.path.map(String).join('.') || '(document)',
        message: `${issue.message}; expected { "stamps": { "<name>": { "ready": boolean, "version": "<version>" } } }`,
      })),
    );
  }
  if (stampNames !== undefined) {
    const known = new Set(stampNames);
    const unknown = Object.keys(result.data.stamps).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      // JSON is YAML, so the YAML locator finds each name's line and column.
      const located = parseYamlSource({ path, text }).source;
      throw new ValidationError(
        unknown.map((name) => {
          const message = `${quoteName(name)} is not a stamp of this fleet; ${didYouMean(name, stampNames)}use a name from stamps/, or remove the entry`;
          return located
            ? issueAt(located, ['stamps', name], message, true)
            : { file: path, line: 1, column: 1, field: `stamps.${name}`, message };
        }),
      );
    }
  }
  return { source: path, stamps: result.data.stamps };
}

/** One stamp's health, or undefined when unknown. Own properties only: a stamp named `constructor` is not Object's. */
export function stampHealth(report: HealthReport, stamp: string): StampHealth | undefined {
  return Object.hasOwn(report.stamps, stamp) ? report.stamps[stamp] : undefined;
}

/**
 * Why the health source told nothing, when it answered for none of `stamps`:
 * no source at all, or one reason shared by every stamp (kubectl without
 * contexts, nothing listening). Every output format prints this once.
 * @returns undefined when some stamp's health is known, or the stamps fail for different reasons
 */
export function healthSourceProblem(report: HealthReport, stamps: readonly string[]): string | undefined {
  if (stamps.length === 0 || stamps.some((s) => stampHealth(report, s) !== undefined)) return undefined;
  if (report.source === NO_HEALTH.source) return 'no health source, so every stamp is unknown; pass --health <file.json|flux|http>';
  // The same reason for every stamp, once each stamp's own name is taken out of it.
  const reasons = [
    ...new Set(
      stamps
        .map((s) => (report.unknown && Object.hasOwn(report.unknown, s) ? report.unknown[s] : undefined)?.split(s).join('<stamp>'))
        .filter((r): r is string => r !== undefined),
    ),
  ];
  if (reasons.length === 1 && stamps.every((s) => report.unknown !== undefined && Object.hasOwn(report.unknown, s))) {
    return `health source ${report.source} answered for no stamp: ${reasons[0]!}`;
  }
  return `health source ${report.source} answered for no stamp${reasons.length > 0 ? `; for example: ${reasons[0]!}` : ''}`;
}

/** How a stamp stands against a target version. `failed`: the source reports an explicit failure. */
export type HealthVerdict = 'healthy' | 'unknown' | 'unready' | 'wrong-version' | 'failed';

/** A stamp is healthy only when it reports ready AND runs the target version, with no failure. */
export function healthVerdict(report: HealthReport, stamp: string, target: string): HealthVerdict {
  const health = stampHealth(report, stamp);
  if (health === undefined) return 'unknown';
  if (health.failure !== undefined) return 'failed';
  if (health.version !== undefined && health.version !== target) return 'wrong-version';
  if (!health.ready) return 'unready';
  return health.version === target ? 'healthy' : 'unknown';
}

/** A phrase describing a stamp's health, for messages. */
export function describeHealth(report: HealthReport, stamp: string): string {
  const health = stampHealth(report, stamp);
  if (health === undefined) {
    const unknown = report.unknown && Object.hasOwn(report.unknown, stamp) ? report.unknown[stamp] : undefined;
    if (unknown) return `health unknown (${unknown})`;
    if (report.source === NO_HEALTH.source) return 'health unknown (no health source; pass --health)';
    return `health unknown (not in ${report.source})`;
  }
  if (health.failure !== undefined) return `failed: ${health.failure}${health.version ? `, running ${health.version}` : ''}`;
  return `${health.ready ? 'ready' : 'not ready'}, running ${health.version ?? 'an unknown version'}${health.detail ? ` (${health.detail})` : ''}`;
}
