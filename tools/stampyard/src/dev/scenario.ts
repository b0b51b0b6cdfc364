// The local fleet: render a temporary copy of the fleet, run one stamp-app per stamp and
// the gateway on loopback, route sample tenants, walk a rollout through every wave, halt
// one with an unhealthy canary, write the report. `stampyard dev` and the e2e test call it.
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import semver from 'semver';
import { loadFleet, mostCommonVersion, sortedReleases, writeFileAtomic, type LoadedFleet } from '@stampyard/stamp-spec';
import { readRoutingTable, type RoutingTable } from '@stampyard/routing';
import { GATEWAY_READY_PATH, gatewayAdminPort, gatewaySpec } from './apps.ts';
import { runStampyardOk } from './cli.ts';
import { pickStartTime, VirtualClock } from './clock.ts';
import { isListening, sleep, waitForHttpOk } from './http.ts';
import type { ProgressReporter } from './progress.ts';
import { RolloutDriver, type PromoteStep } from './rollout-driver.ts';
import { LocalStamps, type DesiredStamp } from './stamps.ts';
import { Supervisor, isProcessAlive } from './supervisor.ts';
import { checkRoutes, checkUnknownTenant, sampleTenants, type RouteCheck } from './traffic.ts';
import { copyFleetRepo, restoreFleetFiles, setDemoAnalysis, setOnFailure, DEMO_ANALYSIS } from './workspace.ts';
import { startLocalPrometheus } from './prometheus.ts';
import { bundleApp } from './bundle.ts';
import { UsageDemo, type UsagePhaseResult } from './usage.ts';

export interface LocalFleetOptions {
  /** The fleet repository to copy. It is never written to. */
  readonly root: string;
  /** Where the report goes (report.html and summary.md). */
  readonly outDir: string;
  /**
   * How much faster than wall time the rollout's clock runs: 60 bakes one minute in one second.
   * @default 60
   */
  readonly bakeScale?: number;
  /** How many tenants to send requests for. @default 12 */
  readonly tenants?: number;
  /** Keep the temporary copy instead of deleting it. @default false */
  readonly keep?: boolean;
  /** What the failure scenario's rollout does on an unhealthy stamp. @default - fleet.yaml's spec.rollout.onFailure */
  readonly onFailure?: 'halt' | 'rollback';
  /** The virtual time the run starts at (moved past any freeze window). @default - the clock */
  readonly now?: Date;
  /** Aborts the run (Ctrl-C); every process is still stopped. @default - none */
  readonly signal?: AbortSignal;
}

/** One promote step, as the run saw it. */
export interface WaveTransition {
  readonly scenario: 'rollout' | 'failure';
  /** promoted | waiting | complete | halted | … (libs/rollout's PromotionAction) */
  readonly action: string;
  readonly wave: number | null;
  readonly stamps: readonly string[];
  /** The virtual time of the step. */
  readonly at: string;
  readonly reason: string;
}

export interface RolloutOutcome {
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly transitions: readonly WaveTransition[];
  /** Declared version per stamp at the end (stamp files). */
  readonly declared: Readonly<Record<string, string>>;
  /** Version per stamp its stamp-app's /healthz reported at the end. */
  readonly observed: Readonly<Record<string, string | null>>;
}

export interface FailureOutcome extends RolloutOutcome {
  readonly onFailure: 'halt' | 'rollback';
  /** The canary stamp restarted with --unhealthy. */
  readonly unhealthyStamp: string;
  readonly canaryWave: number;
  /** Declared versions before the rollout started. */
  readonly declaredBefore: Readonly<Record<string, string>>;
  /** Stamps of waves after the canary wave. */
  readonly laterWaveStamps: readonly string[];
  /** The last step's action: `halted` is what the scenario expects. */
  readonly finalAction: string;
}

export interface LocalFleetResult {
  /** Everything went as expected. */
  readonly ok: boolean;
  /** What went wrong, one sentence each; empty when ok. */
  readonly problems: readonly string[];
  /** The temporary copy (deleted unless `keep`). */
  readonly workDir: string;
  readonly tenantsSampled: readonly string[];
  readonly routesBefore: readonly RouteCheck[];
  readonly routesAfter: readonly RouteCheck[];
  /** Status the gateway answered for a tenant no table holds. */
  readonly unknownTenantStatus: number;
  readonly rollout?: RolloutOutcome;
  readonly failure?: FailureOutcome;
  /** The usage demo's phases (before and after the rollout). */
  readonly usage?: readonly UsagePhaseResult[];
  /** The report files written. */
  readonly report?: { readonly html: string; readonly markdown: string };
  /** Every process the run started. */
  readonly pids: readonly number[];
  /** Every port a process of the run listened on. */
  readonly ports: readonly number[];
  /** Pids still alive and ports still listening after shutdown (both empty on a clean exit). */
  readonly leftovers: { readonly pids: readonly number[]; readonly ports: readonly number[] };
}

const MAX_STEPS = 60;
const HEALTH_RETRY_MS = 100;

/** Runs the whole local fleet and shuts every process down, whatever happens. */
export async function runLocalFleet(options: LocalFleetOptions, reporter: ProgressReporter): Promise<LocalFleetResult> {
  const supervisor = new Supervisor();
  const killOnExit = () => supervisor.killAllSync();
  process.once('exit', killOnExit);
  const run = new Run(options, reporter, supervisor);
  try {
    await run.execute();
  } catch (error) {
    run.problems.push(options.signal?.aborted ? 'interrupted' : (error as Error).message);
  } finally {
    run.stopTraffic();
    await supervisor.stopAll();
    process.removeListener('exit', killOnExit);
  }
  const ports = [
    ...run.stamps.allPorts(),
    ...(run.gatewayPort ? [run.gatewayPort] : []),
    ...(run.prometheusPort ? [run.prometheusPort] : []),
  ];
  const leftovers = {
    pids: supervisor.startedPids.filter(isProcessAlive),
    ports: (await Promise.all(ports.map(async (p) => ((await isListening(p)) ? p : undefined)))).filter((p) => p !== undefined),
  };
  if (leftovers.pids.length > 0 || leftovers.ports.length > 0) {
    run.problems.push(`left behind: pids ${leftovers.pids.join(', ') || '-'}, ports ${leftovers.ports.join(', ') || '-'}`);
  }
  if (run.workDir && !options.keep) await rm(run.workDir, { recursive: true, force: true });
  return {
    ok: run.problems.length === 0,
    problems: run.problems,
    workDir: run.workDir,
    tenantsSampled: run.sample,
    routesBefore: run.routesBefore,
    routesAfter: run.routesAfter,
    unknownTenantStatus: run.unknownTenantStatus,
    ...(run.rollout ? { rollout: run.rollout } : {}),
    ...(run.failure ? { failure: run.failure } : {}),
    ...(run.report ? { report: run.report } : {}),
    ...(run.usage ? { usage: run.usage.phases } : {}),
    pids: [...supervisor.startedPids],
    ports,
    leftovers,
  };
}

/** The state of one run; `execute` is the scenario, step by step. */
class Run {
  readonly problems: string[] = [];
  stamps: LocalStamps;
  workDir = '';
  gatewayPort: number | undefined;
  sample: string[] = [];
  routesBefore: RouteCheck[] = [];
  routesAfter: RouteCheck[] = [];
  unknownTenantStatus = 0;
  rollout: RolloutOutcome | undefined;
  failure: FailureOutcome | undefined;
  report: { html: string; markdown: string } | undefined;
  usage: UsageDemo | undefined;
  private clock!: VirtualClock;
  /** The local Prometheus's URL, when `prometheus` is installed. */
  private prometheusUrl: string | undefined;
  /** The percentage of requests a failing canary answers 500 under the analysis scenario. */
  private static readonly CANARY_ERROR_PERCENT = 50;
  prometheusPort: number | undefined;
  private trafficTimer: NodeJS.Timeout | undefined;
  private table!: RoutingTable;
  private upstreamsFile = '';

  constructor(
    private readonly options: LocalFleetOptions,
    private readonly reporter: ProgressReporter,
    supervisor: Supervisor,
  ) {
    this.stamps = new LocalStamps(supervisor);
    this.supervisor = supervisor;
  }

  private readonly supervisor: Supervisor;

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  async execute(): Promise<void> {
    const { reporter } = this;
    reporter.step(`Render the fleet (a temporary copy of ${this.options.root})`);
    this.workDir = await copyFleetRepo(this.options.root);
    reporter.info(`working copy: ${this.workDir}`);
    await this.synth();
    let fleet = await loadFleet(this.workDir);
    const tableResult = await readRoutingTable(join(this.workDir, 'rendered', 'routing'));
    if (!tableResult.ok) throw new Error(`rendered/routing: ${tableResult.error}`);
    this.table = tableResult.table;

    reporter.step(`Start ${fleet.stamps.length} stamp-app processes and the gateway on 127.0.0.1`);
    this.stamps = new LocalStamps(this.supervisor, await bundleApp('stamp-app', await ensureDir(join(this.workDir, 'local'))));
    await this.stamps.reconcile(desiredVersions(fleet));
    this.upstreamsFile = join(this.workDir, 'local', 'upstreams.json');
    await writeFileAtomic(this.upstreamsFile, `${JSON.stringify(this.stamps.upstreams(), null, 2)}\n`);
    for (const [name, url] of Object.entries(this.stamps.upstreams()))
      reporter.info(`${name.padEnd(20)} ${url}  (${fleet.stamps.find((s) => s.stamp.metadata.name === name)?.stamp.spec.version})`);
    const gateway = await this.supervisor.start(
      gatewaySpec({
        table: join(this.workDir, 'rendered', 'routing'),
        upstreams: this.upstreamsFile,
        port: 0,
        readyFile: join(this.workDir, 'local', 'gateway-ready.json'),
      }),
    );
    this.gatewayPort = gateway.port;
    await waitForHttpOk(
      await gatewayAdminPort(join(this.workDir, 'local', 'gateway-ready.json'), 15_000, this.signal),
      GATEWAY_READY_PATH,
      15_000,
      this.signal,
    );
    reporter.info(`gateway              http://127.0.0.1:${gateway.port}  (upstreams: ${relative(this.workDir, this.upstreamsFile)})`);
    await this.startPrometheus();

    reporter.step('Route sample tenants through the gateway');
    this.sample = sampleTenants(this.table, this.options.tenants ?? 12);
    if (this.sample.length === 0) this.problems.push('the routing table has no active tenants to send requests for');
    this.routesBefore = await checkRoutes(gateway.port, this.table, this.sample);
    reporter.routes(`Requests through the gateway (${this.table.domain}), before the rollout:`, this.routesBefore);
    this.expectRoutes(this.routesBefore, 'before the rollout');
    const unknown = await checkUnknownTenant(gateway.port, this.table);
    this.unknownTenantStatus = unknown.status;
    if (!unknown.ok) this.problems.push(`the gateway answered ${unknown.status} for an unknown tenant; expected a 4xx`);
    this.usage = new UsageDemo(this.workDir, reporter, this.problems);
    reporter.step("Send skewed tenant traffic, export every stamp's usage into the lake, ask each zone");
    await this.usage.phase('before the rollout', {
      fleet,
      table: this.table,
      gatewayPort: gateway.port,
      tenants: this.sample,
      usageUrls: this.stamps.usageUrls(),
    });

    // The virtual clock starts now, so the rollout's times read like a real day's.
    const start = pickStartTime(this.options.now ?? new Date(), fleet.fleet.spec.rollout.freezeWindows);
    this.clock = new VirtualClock(start, this.options.bakeScale ?? 60);
    const fromVersion = mostCommonVersion(fleet.stamps.map((s) => s.stamp));
    const toVersion = fromVersion ? nextRelease(fleet, fromVersion) : undefined;
    if (!fromVersion || !toVersion) {
      this.problems.push(`no release after ${fromVersion ?? '(none)'} in fleet.yaml spec.releases; add one to roll out`);
      await this.writeReport();
      return;
    }

    reporter.step(`Roll out ${fromVersion} → ${toVersion} through every wave (bake: 1 minute = ${formatMs(this.clock.realMsFor(1))})`);
    const transitions = await this.walkRollout('rollout', toVersion, new Set());
    fleet = await loadFleet(this.workDir);
    this.rollout = { fromVersion, toVersion, transitions, declared: declaredVersions(fleet), observed: await this.observedVersions() };
    this.expectRolloutComplete(this.rollout);
    this.routesAfter = await checkRoutes(gateway.port, this.table, this.sample);
    reporter.routes('Requests through the gateway, after the rollout:', this.routesAfter);
    this.expectRoutes(this.routesAfter, 'after the rollout');
    for (const c of this.routesAfter) {
      if (c.ok && c.servedVersion !== toVersion)
        this.problems.push(`${c.tenant} was served by ${c.servedStamp} on ${c.servedVersion}, expected ${toVersion}`);
    }
    reporter.step('Send skewed tenant traffic again, export, ask each zone: the lake now holds both releases');
    await this.usage.phase('after the rollout', {
      fleet,
      table: this.table,
      gatewayPort: gateway.port,
      tenants: this.sample,
      usageUrls: this.stamps.usageUrls(),
    });

    await this.failureScenario(fromVersion, toVersion);
    this.stopTraffic();
    await this.writeReport();
  }

  /**
   * Starts a real Prometheus scraping every stamp-app's admin port, keeps a trickle of requests going
   * to every stamp (analyses need traffic to have data), and gives the copy the demo's analysis. Without
   * `prometheus` installed, the run goes on with the http source and an unhealthy canary.
   */
  stopTraffic(): void {
    if (this.trafficTimer) clearInterval(this.trafficTimer);
    this.trafficTimer = undefined;
  }

  private async startPrometheus(): Promise<void> {
    try {
      const prometheus = await startLocalPrometheus(
        this.supervisor,
        join(this.workDir, 'local', 'prometheus'),
        this.stamps.metricsTargets(),
      );
      this.prometheusUrl = prometheus.url;
      this.prometheusPort = Number(new URL(prometheus.url).port);
    } catch (error) {
      this.reporter.info(`prometheus not started (${(error as Error).message.split('\n')[0]}); health comes from /healthz alone`);
      return;
    }
    await setDemoAnalysis(this.workDir);
    await this.synth();
    this.reporter.info(
      `prometheus           ${this.prometheusUrl}  (scraping ${this.stamps.metricsTargets().length} stamp-apps; analysis ${DEMO_ANALYSIS.name}: max ${DEMO_ANALYSIS.max} over ${DEMO_ANALYSIS.window})`,
    );
    const upstreams = () => Object.values(this.stamps.upstreams());
    this.trafficTimer = setInterval(() => {
      // No tenant header: the analysis reads every request of a stamp, and tenants' usage must count only their own.
      for (const url of upstreams())
        void fetch(`${url}/demo`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
    }, 50);
  }

  private async failureScenario(fromVersion: string, toVersion: string): Promise<void> {
    const { reporter } = this;
    await restoreFleetFiles(this.options.root, this.workDir);
    if (this.options.onFailure) await setOnFailure(this.workDir, this.options.onFailure);
    if (this.prometheusUrl) await setDemoAnalysis(this.workDir);
    await this.synth();
    const fleet = await loadFleet(this.workDir);
    const onFailure = fleet.fleet.spec.rollout.onFailure;
    const canaryWave = Math.min(...fleet.stamps.map((s) => s.stamp.spec.wave));
    const canary = fleet.stamps.find((s) => s.stamp.spec.wave === canaryWave)!.stamp.metadata.name;
    reporter.step(
      this.prometheusUrl
        ? `Roll out ${fromVersion} → ${toVersion} again; canary ${canary} fails ${Run.CANARY_ERROR_PERCENT}% of its requests on ${toVersion}, above the ${DEMO_ANALYSIS.name} analysis's max ${DEMO_ANALYSIS.max} (on failure: ${onFailure})`
        : `Roll out ${fromVersion} → ${toVersion} again; canary ${canary} reports unhealthy on ${toVersion} (on failure: ${onFailure})`,
    );
    reporter.info(
      `restarting stamps at their declared versions: ${(await this.stamps.reconcile(desiredVersions(fleet))).join(', ') || 'none changed'}`,
    );
    const declaredBefore = declaredVersions(fleet);
    const transitions = await this.walkRollout('failure', toVersion, new Set([canary]));
    const after = await loadFleet(this.workDir);
    const laterWaveStamps = fleet.stamps.filter((s) => s.stamp.spec.wave > canaryWave).map((s) => s.stamp.metadata.name);
    this.failure = {
      fromVersion,
      toVersion,
      transitions,
      declared: declaredVersions(after),
      observed: await this.observedVersions(),
      onFailure,
      unhealthyStamp: canary,
      canaryWave,
      declaredBefore,
      laterWaveStamps,
      finalAction: transitions.at(-1)?.action ?? 'none',
    };
    this.expectHalt(this.failure);
  }

  /** Starts a rollout of `version` and promotes until it completes, halts or gets stuck. */
  private async walkRollout(
    scenario: WaveTransition['scenario'],
    version: string,
    unhealthy: ReadonlySet<string>,
  ): Promise<WaveTransition[]> {
    const driver = new RolloutDriver({
      root: this.workDir,
      upstreamsFile: this.upstreamsFile,
      ...(this.prometheusUrl ? { prometheusUrl: this.prometheusUrl } : {}),
    });
    await this.clock.paused(() => driver.start(version, this.clock.now()));
    const transitions: WaveTransition[] = [];
    for (let steps = 0; steps < MAX_STEPS; steps++) {
      this.signal?.throwIfAborted();
      const now = this.clock.now();
      // The clock runs only while the run waits: how fast this machine renders and starts
      // processes never eats into a wave's bake time.
      const step = await this.clock.paused(() => driver.promote(now));
      const previous = transitions.at(-1);
      const repeat = previous?.action === step.action && previous.wave === step.wave && step.action === 'waiting';
      if (!repeat)
        transitions.push({
          scenario,
          action: step.action,
          wave: step.wave,
          stamps: step.stamps,
          at: now.toISOString(),
          reason: step.reason,
        });
      this.reporter.wave(scenario, step.wave ?? this.lastWave(transitions), describeStep(step));
      if (step.action === 'complete' || step.action === 'halted' || step.action === 'rolled-back') {
        if (step.stamps.length > 0) await this.applyDeclared(unhealthy, version);
        return transitions;
      }
      if (step.action === 'promoted') {
        await this.applyDeclared(unhealthy, version);
        this.reporter.wave(scenario, step.wave ?? 0, `${describeStep(step)}; stamp-app restarted on ${version}`);
      } else if (step.action === 'waiting') {
        await this.waitUntil(scenario, step, step.wave ?? this.lastWave(transitions));
      } else {
        this.problems.push(`${scenario}: rollout promote answered ${step.action}: ${step.reason}`);
        return transitions;
      }
    }
    this.problems.push(`${scenario}: the rollout neither completed nor halted after ${MAX_STEPS} promote steps`);
    return transitions;
  }

  /** Sleeps until the step's `until` (or a short health retry), counting down on a TTY. */
  private async waitUntil(scenario: string, step: PromoteStep, wave: number): Promise<void> {
    if (!step.until) {
      await sleep(HEALTH_RETRY_MS, this.signal);
      return;
    }
    const until = new Date(step.until);
    for (let realMs = this.clock.realMsUntil(until); realMs > 0; realMs = this.clock.realMsUntil(until)) {
      const minutesLeft = Math.ceil((until.getTime() - this.clock.now().getTime()) / 60_000);
      this.reporter.wave(scenario, wave, `waiting: ${step.reason} (${minutesLeft} min to go)`, true);
      await sleep(Math.min(realMs + 1, 1000), this.signal);
    }
  }

  private lastWave(transitions: readonly WaveTransition[]): number {
    return [...transitions].reverse().find((t) => t.wave !== null)?.wave ?? 0;
  }

  /** Restarts every stamp-app whose declared version changed (what Flux would do; promote re-rendered the copy). */
  private async applyDeclared(unhealthy: ReadonlySet<string>, badVersion: string): Promise<void> {
    const fleet = await loadFleet(this.workDir);
    const errorPercent = this.prometheusUrl ? Run.CANARY_ERROR_PERCENT : undefined;
    await this.clock.paused(() => this.stamps.reconcile(desiredVersions(fleet, unhealthy, badVersion, errorPercent)));
  }

  private async synth(): Promise<void> {
    await runStampyardOk(['synth', '--root', this.workDir]);
  }

  private async observedVersions(): Promise<Record<string, string | null>> {
    const observed = await this.stamps.observe();
    return Object.fromEntries(Object.entries(observed).map(([name, o]) => [name, o.version ?? null]));
  }

  private async writeReport(): Promise<void> {
    this.reporter.step('Write the fleet report');
    await mkdir(this.options.outDir, { recursive: true });
    const html = join(this.options.outDir, 'report.html');
    const markdown = join(this.options.outDir, 'summary.md');
    const now = this.clock.now().toISOString();
    const lake = this.usage?.phases.length ? ['--lake', this.usage.lake] : [];
    await runStampyardOk(['report', '--root', this.workDir, '--format', 'html', '--out', html, '--now', now, ...lake]);
    await runStampyardOk(['report', '--root', this.workDir, '--format', 'markdown', '--out', markdown, '--now', now, ...lake]);
    this.report = { html, markdown };
    this.reporter.result(`Report: ${html}\nSummary: ${markdown}`);
  }

  private expectRoutes(checks: readonly RouteCheck[], when: string): void {
    for (const c of checks) {
      if (!c.ok)
        this.problems.push(
          `${when}: ${c.tenant} expected ${c.expectedStamp}, got ${c.servedStamp ?? 'no stamp'} (${c.error ?? `HTTP ${c.status}`})`,
        );
    }
  }

  private expectRolloutComplete(outcome: RolloutOutcome): void {
    if (outcome.transitions.at(-1)?.action !== 'complete')
      this.problems.push(`rollout: ended with ${outcome.transitions.at(-1)?.action ?? 'no step'}, expected complete`);
    for (const [name, version] of Object.entries(outcome.declared)) {
      if (version !== outcome.toVersion) this.problems.push(`rollout: ${name} declares ${version}, expected ${outcome.toVersion}`);
      if (outcome.observed[name] !== outcome.toVersion)
        this.problems.push(`rollout: ${name}'s stamp-app reports ${outcome.observed[name] ?? 'nothing'}, expected ${outcome.toVersion}`);
    }
  }

  private expectHalt(outcome: FailureOutcome): void {
    const expected = outcome.onFailure === 'rollback' ? 'rolled-back' : 'halted';
    if (outcome.finalAction !== expected) this.problems.push(`failure scenario: ended with ${outcome.finalAction}, expected ${expected}`);
    for (const name of outcome.laterWaveStamps) {
      if (outcome.declared[name] !== outcome.declaredBefore[name]) {
        this.problems.push(
          `failure scenario: ${name} (a later wave) changed from ${outcome.declaredBefore[name]} to ${outcome.declared[name]}`,
        );
      }
      if (outcome.observed[name] !== outcome.declaredBefore[name]) {
        this.problems.push(
          `failure scenario: ${name}'s stamp-app reports ${outcome.observed[name] ?? 'nothing'}, expected ${outcome.declaredBefore[name]}`,
        );
      }
    }
    if (outcome.onFailure === 'rollback' && outcome.declared[outcome.unhealthyStamp] !== outcome.fromVersion) {
      this.problems.push(`failure scenario: ${outcome.unhealthyStamp} was not rolled back to ${outcome.fromVersion}`);
    }
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * What each stamp should run: its declared version. `bad` stamps misbehave on `badVersion`: with
 * `errorPercent`, they fail that share of requests (for the analysis to catch), else report unhealthy.
 */
function desiredVersions(
  fleet: LoadedFleet,
  bad: ReadonlySet<string> = new Set(),
  badVersion?: string,
  errorPercent?: number,
): Map<string, DesiredStamp> {
  return new Map(
    fleet.stamps.map(({ stamp }) => {
      const misbehaves = bad.has(stamp.metadata.name) && stamp.spec.version === badVersion;
      const want: DesiredStamp =
        errorPercent === undefined
          ? { version: stamp.spec.version, unhealthy: misbehaves }
          : { version: stamp.spec.version, ...(misbehaves ? { errorPercent } : {}) };
      return [stamp.metadata.name, want];
    }),
  );
}

function declaredVersions(fleet: LoadedFleet): Record<string, string> {
  return Object.fromEntries(fleet.stamps.map(({ stamp }) => [stamp.metadata.name, stamp.spec.version]));
}

/** The next release in the catalog after `version`. */
export function nextRelease(fleet: LoadedFleet, version: string): string | undefined {
  return sortedReleases(fleet.fleet.spec).find((r) => semver.gt(r.version, version))?.version;
}

function describeStep(step: PromoteStep): string {
  switch (step.action) {
    case 'promoted':
      return `promoted ${step.stamps.join(', ')}`;
    case 'waiting':
      return `waiting: ${step.reason}`;
    default:
      return `${step.action}: ${step.reason}`;
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}
