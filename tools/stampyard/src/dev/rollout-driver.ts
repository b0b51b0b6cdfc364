// Drives `stampyard rollout` in-process for the local fleet: start, then one promote
// step at a time with the http health source and a virtual --now.
import { runStampyard, runStampyardOk } from './cli.ts';
import { jsonObject } from './http.ts';

/** What one `rollout promote` step did (libs/rollout's PromotionPlan, as printed with --output json). */
export interface PromoteStep {
  /** promoted | waiting | frozen | complete | halted | blocked | idle */
  readonly action: string;
  readonly wave: number | null;
  readonly stamps: readonly string[];
  readonly reason: string;
  /** ISO time a wait or freeze ends, when known. */
  readonly until?: string;
}

export interface RolloutDriverOptions {
  /** The fleet copy. */
  readonly root: string;
  /** The `--upstreams` JSON file: stamp → base URL the http health source GETs `/healthz` on. */
  readonly upstreamsFile: string;
}

export class RolloutDriver {
  constructor(private readonly options: RolloutDriverOptions) {}

  async start(version: string, now: Date): Promise<void> {
    await runStampyardOk(['rollout', 'start', version, '--root', this.options.root, '--now', now.toISOString()]);
  }

  async promote(now: Date): Promise<PromoteStep> {
    const argv = [
      'rollout',
      'promote',
      '--root',
      this.options.root,
      '--health',
      'http',
      '--health-urls',
      this.options.upstreamsFile,
      '--now',
      now.toISOString(),
      '--output',
      'json',
    ];
    const outcome = await runStampyard(argv);
    const step = parsePromoteOutput(outcome.stdout);
    if (!step) {
      throw new Error(`stampyard ${argv.join(' ')} exited ${outcome.exitCode} without a step:\n${`${outcome.stderr}${outcome.stdout}`.trim()}`);
    }
    return step;
  }
}

/** Reads a promote step from `rollout promote --output json`. Pure. */
export function parsePromoteOutput(stdout: string): PromoteStep | undefined {
  const top = jsonObject(stdout.trim());
  if (!top) return undefined;
  const nested = [top, top['plan'], top['step'], top['result']].find(
    (o): o is Record<string, unknown> => o !== null && typeof o === 'object' && typeof (o as Record<string, unknown>)['action'] === 'string',
  );
  if (!nested) return undefined;
  const wave = nested['wave'];
  const stamps = nested['stamps'];
  const until = nested['until'];
  return {
    action: nested['action'] as string,
    wave: typeof wave === 'number' ? wave : null,
    stamps: Array.isArray(stamps) ? stamps.filter((s): s is string => typeof s === 'string') : [],
    reason: typeof nested['reason'] === 'string' ? nested['reason'] : '',
    ...(typeof until === 'string' ? { until } : {}),
  };
}
