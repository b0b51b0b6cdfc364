// Drives the rollout in-process for the local fleet: the same libraries and the same writer as
// `stampyard rollout`, called directly with a virtual `now` (no printed JSON, no --now strings).
import { ExitError } from '@stampyard/stamp-spec';
import { loadHealth, planPromotion, planStart, type PromotionAction, type PromotionPlan } from '@stampyard/rollout';
import type { Io } from '../context.ts';
import { withRepoLock } from '../lock.ts';
import { applyRolloutChange, readRolloutContext, rolloutLandings } from '../rollout-io.ts';

/** What one promote step did: libs/rollout's PromotionPlan, without the state it wrote. */
export interface PromoteStep {
  readonly action: PromotionAction;
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
  /** Where lock and recovery notes go. @default - nowhere */
  readonly io?: Io;
}

const silent: Io = { stdout: () => undefined, stderr: () => undefined, isTty: false };

export class RolloutDriver {
  constructor(private readonly options: RolloutDriverOptions) {}

  private get io(): Io {
    return this.options.io ?? silent;
  }

  async start(version: string, now: Date): Promise<void> {
    const { root } = this.options;
    await withRepoLock(root, 'stampyard dev (rollout start)', this.io, async () => {
      const ctx = await readRolloutContext(root, this.io);
      const transition = planStart(ctx.fleet, ctx.state, version, now);
      if (!transition.ok) throw new ExitError(1, transition.problems.join('\n  '));
      await applyRolloutChange(ctx, 'stampyard dev (rollout start)', transition.state, transition.changes);
    });
  }

  async promote(now: Date): Promise<PromoteStep> {
    const { root, upstreamsFile } = this.options;
    return withRepoLock(root, 'stampyard dev (rollout promote)', this.io, async () => {
      const ctx = await readRolloutContext(root, this.io);
      const health = await loadHealth({ health: 'http', healthUrls: upstreamsFile }, ctx.fleet.spec, ctx.fleet.stamps);
      const plan = planPromotion({ fleet: ctx.fleet, state: ctx.state, health, now, landings: await rolloutLandings(root) });
      if (plan.state) await applyRolloutChange(ctx, 'stampyard dev (rollout promote)', plan.state, plan.changes);
      return stepOf(plan);
    });
  }
}

function stepOf(plan: PromotionPlan): PromoteStep {
  return { action: plan.action, wave: plan.wave, stamps: plan.stamps, reason: plan.reason, ...(plan.until ? { until: plan.until } : {}) };
}
