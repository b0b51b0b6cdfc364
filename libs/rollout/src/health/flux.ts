// Health from Flux: each stamp's Kustomizations and app Deployments, read with kubectl.
import { execFile } from 'node:child_process';
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import type { HealthReport, StampHealth } from './report.ts';
import { mapLimit, sortRecord } from '../private/map-limit.ts';

export interface KubectlResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs kubectl with these arguments. Injected so tests can replay recorded output. */
export type KubectlRunner = (args: readonly string[]) => Promise<KubectlResult>;

/** Runs the real kubectl (from PATH) with a timeout. */
export function kubectlRunner(timeoutMs = 30_000, binary = 'kubectl'): KubectlRunner {
  return (args) =>
    new Promise((resolve) => {
      execFile(binary, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr: stderr || (error?.message ?? ''), exitCode: code });
      });
    });
}

export interface FluxHealthOptions {
  readonly spec: FleetSpec;
  readonly stamps: readonly Stamp[];
  readonly kubectl: KubectlRunner;
  /** The namespace holding a stamp's app Deployments. @default - the stamp's name */
  readonly namespace?: (stamp: Stamp) => string;
  /** A Git revision (commit SHA) every Kustomization must have applied. @default - lastAppliedRevision must equal lastAttemptedRevision */
  readonly expectedRevision?: string;
  /** Stamps read at once. @default 8 */
  readonly concurrency?: number;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}
interface KubeObject {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number; template?: { spec?: { containers?: { name?: string; image?: string }[] } } };
  status?: {
    conditions?: Condition[];
    observedGeneration?: number;
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    readyReplicas?: number;
    updatedReplicas?: number;
  };
}

function items(stdout: string): KubeObject[] {
  const parsed = JSON.parse(stdout) as { items?: KubeObject[] };
  return parsed.items ?? [];
}

/** Why a Kustomization is not healthy, or undefined when it is Ready at the expected revision. */
export function kustomizationProblem(k: KubeObject, expectedRevision?: string): string | undefined {
  const name = k.metadata?.name ?? '(unnamed)';
  const ready = k.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return `Kustomization ${name} not Ready${ready?.message ? `: ${ready.message}` : ''}`;
  const { observedGeneration, lastAppliedRevision, lastAttemptedRevision } = k.status ?? {};
  if (observedGeneration !== undefined && k.metadata?.generation !== undefined && observedGeneration < k.metadata.generation) {
    return `Kustomization ${name} has not reconciled generation ${k.metadata.generation}`;
  }
  if (lastAttemptedRevision !== undefined && lastAppliedRevision !== lastAttemptedRevision) {
    return `Kustomization ${name} applied ${lastAppliedRevision ?? 'nothing'}, attempting ${lastAttemptedRevision}`;
  }
  if (expectedRevision !== undefined && !(lastAppliedRevision ?? '').includes(expectedRevision)) {
    return `Kustomization ${name} is at ${lastAppliedRevision ?? 'no revision'}, expected ${expectedRevision}`;
  }
  return undefined;
}

/** The stamp's health from its Kustomizations and app Deployments. Pure over kubectl's JSON. */
export function fluxStampHealth(
  spec: FleetSpec,
  kustomizationsJson: string,
  deploymentsJson: string,
  expectedRevision?: string,
): StampHealth {
  const problems: string[] = [];
  const kustomizations = items(kustomizationsJson);
  if (kustomizations.length === 0) problems.push('no Flux Kustomizations in flux-system');
  for (const k of kustomizations) {
    const problem = kustomizationProblem(k, expectedRevision);
    if (problem) problems.push(problem);
  }
  const appRepositories = new Map<string, Map<string, string>>();
  for (const release of spec.releases) {
    for (const image of [release.images.api, release.images.worker]) {
      const tags = appRepositories.get(image.repository) ?? new Map<string, string>();
      tags.set(image.tag, release.version);
      appRepositories.set(image.repository, tags);
    }
  }
  const versions = new Set<string>();
  let appContainers = 0;
  for (const d of items(deploymentsJson)) {
    const name = d.metadata?.name ?? '(unnamed)';
    for (const container of d.spec?.template?.spec?.containers ?? []) {
      const image = container.image ?? '';
      const at = image.indexOf('@');
      const ref = at >= 0 ? image.slice(0, at) : image;
      const colon = ref.lastIndexOf(':');
      const repository = colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
      const tag = colon > ref.lastIndexOf('/') ? ref.slice(colon + 1) : 'latest';
      const tags = appRepositories.get(repository);
      if (!tags) continue;
      appContainers++;
      versions.add(tags.get(tag) ?? tag);
    }
    const want = d.spec?.replicas ?? 1;
    const { readyReplicas = 0, updatedReplicas = 0, observedGeneration } = d.status ?? {};
    if (observedGeneration !== undefined && d.metadata?.generation !== undefined && observedGeneration < d.metadata.generation) {
      problems.push(`Deployment ${name} has not rolled out generation ${d.metadata.generation}`);
    } else if (readyReplicas < want || updatedReplicas < want) {
      problems.push(`Deployment ${name} has ${readyReplicas}/${want} ready, ${updatedReplicas} updated`);
    }
  }
  if (appContainers === 0) problems.push('no app Deployments found');
  const sorted = [...versions].sort();
  const version = sorted.length === 1 ? sorted[0] : sorted.length > 1 ? `mixed(${sorted.join(',')})` : undefined;
  return { ready: problems.length === 0, ...(version ? { version } : {}), ...(problems.length ? { detail: problems.join('; ') } : {}) };
}

/** Reads every stamp's health through kubectl, one context per stamp (named like the stamp). */
export async function fluxHealth(options: FluxHealthOptions): Promise<HealthReport> {
  const stamps: Record<string, StampHealth> = {};
  const unknown: Record<string, string> = {};
  await mapLimit(options.stamps, options.concurrency ?? 8, async (stamp) => {
    const name = stamp.metadata.name;
    const context = ['--context', name];
    const namespace = options.namespace?.(stamp) ?? name;
    const [k, d] = await Promise.all([
      options.kubectl([...context, 'get', 'kustomizations.kustomize.toolkit.fluxcd.io', '-n', 'flux-system', '-o', 'json']),
      options.kubectl([...context, 'get', 'deployments.apps', '-n', namespace, '-o', 'json']),
    ]);
    const failed = [k, d].find((r) => r.exitCode !== 0);
    if (failed) {
      unknown[name] = `kubectl failed: ${failed.stderr.trim().split('\n')[0] ?? `exit ${failed.exitCode}`}`;
      return;
    }
    try {
      stamps[name] = fluxStampHealth(options.spec, k.stdout, d.stdout, options.expectedRevision);
    } catch (error) {
      unknown[name] = `unreadable kubectl output: ${(error as Error).message}`;
    }
  });
  return { source: 'flux', stamps: sortRecord(stamps), unknown: sortRecord(unknown) };
}
