// Turns cdk8s output into the objects we commit: no cdk8s bookkeeping, nothing noisy.
import { ApiObject, type Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { InternalError } from '@stampyard/stamp-spec';
import type { ApiObjectJson } from '../types.ts';
import { CLUSTER_SCOPED_KINDS } from './custom-resources.ts';

const CDK8S_PREFIX = 'cdk8s.io/';

function stripCdk8sKeys(record: unknown): void {
  if (!record || typeof record !== 'object') return;
  const map = record as Record<string, unknown>;
  for (const key of Object.keys(map)) if (key.startsWith(CDK8S_PREFIX)) delete map[key];
}

/** Removes cdk8s' own labels and annotations (anywhere), and the namespace cdk8s stamps on cluster-scoped objects. */
export function cleanObject(object: ApiObjectJson): ApiObjectJson {
  if (CLUSTER_SCOPED_KINDS.has(object.kind)) delete object.metadata.namespace;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const map = value as Record<string, unknown>;
    for (const key of ['labels', 'annotations', 'matchLabels', 'selector']) {
      if (key in map) {
        stripCdk8sKeys(map[key]);
        const record = map[key];
        if (record && typeof record === 'object' && Object.keys(record).length === 0) delete map[key];
      }
    }
    for (const child of Object.values(map)) visit(child);
  };
  visit(object);
  return object;
}

/** Runs the chart's validations once (what `app.synth()` would), throwing every failure together. */
export function validateChart(chart: Chart): void {
  const errors: string[] = [];
  for (const child of chart.node.findAll()) {
    for (const error of child.node.validate()) errors.push(`[${child.node.path}] ${error}`);
  }
  if (errors.length > 0) throw new InternalError(`cdk8s validation failed:\n  ${errors.join('\n  ')}`);
}

/** The API objects under `scope`, in construct order, as cleaned JSON. */
export function objectsOf(scope: Construct): ApiObjectJson[] {
  return scope.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => cleanObject(o.toJson() as ApiObjectJson));
}
