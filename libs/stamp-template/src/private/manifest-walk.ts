// Reading rendered objects back: their pod specs and containers. Used by tests and checks.
import type { ApiObjectJson } from '../types.ts';

export interface ContainerRef {
  readonly object: ApiObjectJson;
  readonly list: 'containers' | 'initContainers';
  readonly container: Record<string, unknown>;
}

/** The pod spec of a workload object, or undefined for other kinds. */
export function podSpecOf(object: ApiObjectJson): Record<string, unknown> | undefined {
  const spec = object['spec'] as Record<string, unknown> | undefined;
  if (object.kind === 'Pod') return spec;
  if (object.kind === 'CronJob')
    return podSpecOf({ ...object, kind: 'Job', spec: (spec?.['jobTemplate'] as Record<string, unknown> | undefined)?.['spec'] });
  const template = spec?.['template'] as Record<string, unknown> | undefined;
  return template?.['spec'] as Record<string, unknown> | undefined;
}

/** Every container and init container of every workload in `objects`. */
export function containersOf(objects: readonly ApiObjectJson[]): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const object of objects) {
    const spec = podSpecOf(object);
    if (!spec) continue;
    for (const list of ['initContainers', 'containers'] as const) {
      for (const container of (spec[list] as Record<string, unknown>[] | undefined) ?? []) refs.push({ object, list, container });
    }
  }
  return refs;
}
