// Schema validation of rendered manifests: kubernetes-models' schemas, plus the checks they miss
// (unknown fields such as a misspelt `replicaz`, containers without an image).
// Only the group-versions Stampyard renders: importing all of kubernetes-models costs about
// 2.4 s of CPU at startup, this subset about 0.9 s. Add a group-version here to validate its kinds.
import * as coreV1 from 'kubernetes-models/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as kustomizeV1 from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import * as sourceV1 from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1';
import { crdKinds, crdProblems } from './crd-schemas.ts';

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(this: unknown): void };
}

interface AjvError {
  readonly instancePath: string;
  readonly message?: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
}

function isModelClass(value: unknown): value is ModelClass {
  return (
    typeof value === 'function' &&
    typeof (value as Partial<ModelClass>).apiVersion === 'string' &&
    typeof (value as Partial<ModelClass>).kind === 'string' &&
    typeof (value as { prototype?: { validate?: unknown } }).prototype?.validate === 'function'
  );
}

const GROUP_VERSIONS = [coreV1, appsV1, autoscalingV2, batchV1, networkingV1, policyV1, rbacV1, kustomizeV1, sourceV1];

/** Every model class of the imported group-versions, by `apiVersion/kind`, built once. */
const MODELS: ReadonlyMap<string, ModelClass> = new Map(
  GROUP_VERSIONS.flatMap((module) => Object.values(module as Record<string, unknown>).filter(isModelClass)).map((model) => [
    `${model.apiVersion}/${model.kind}`,
    model,
  ]),
);

/** Whether a model exists for this apiVersion and kind. */
export function hasModel(apiVersion: string, kind: string): boolean {
  return MODELS.has(`${apiVersion}/${kind}`);
}

/**
 * What the schema validator looked at, per JSON pointer: the properties it read, or that it
 * enumerated the object (a map such as `labels`). An object the validator never looked into is
 * free-form (e.g. `x-kubernetes-preserve-unknown-fields`).
 */
interface Access {
  readonly read: Set<string>;
  enumerated: boolean;
}

/** Wraps `value` so every property the validator reads is recorded against its JSON pointer. */
function tracked(value: unknown, pointer: string, accesses: Map<string, Access>): unknown {
  if (!value || typeof value !== 'object') return value;
  let access = accesses.get(pointer);
  if (!access) {
    access = { read: new Set(), enumerated: false };
    accesses.set(pointer, access);
  }
  const record = access;
  const children = new Map<PropertyKey, unknown>();
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return child;
      if (!Array.isArray(target)) record.read.add(key);
      if (!child || typeof child !== 'object') return child;
      let wrapped = children.get(key);
      if (wrapped === undefined) {
        wrapped = tracked(child, `${pointer}/${escapePointer(key)}`, accesses);
        children.set(key, wrapped);
      }
      return wrapped;
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function displayPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part, i) => (/^[0-9]+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/**
 * The known properties of each object in a kind's schema, by JSON pointer with array indices as `*`,
 * learnt from what the validator reads. `open` means a map or a free-form object: any key is fine.
 * Learnt once per path and kind, so validating a thousand similar stamps costs one tracked run.
 */
type Shape = { readonly open: true } | { readonly open: false; readonly keys: Set<string> };
const SHAPES = new Map<string, Map<string, Shape>>();

function normalize(pointer: string): string {
  return pointer.replace(/\/[0-9]+(?=\/|$)/g, '/*');
}

function learn(shapes: Map<string, Shape>, accesses: Map<string, Access>): void {
  for (const [pointer, access] of accesses) {
    const key = normalize(pointer);
    const known = shapes.get(key);
    if (known?.open) continue;
    if (access.enumerated || access.read.size === 0) shapes.set(key, { open: true });
    else if (known) for (const k of access.read) known.keys.add(k);
    else shapes.set(key, { open: false, keys: new Set(access.read) });
  }
}

/** Walks the object along known keys; calls `visit` for each object node with its shape (or undefined if unlearnt). */
function walkShapes(
  value: unknown,
  pointer: string,
  shapes: Map<string, Shape>,
  visit: (pointer: string, key: string | undefined, shape: Shape | undefined) => boolean,
): boolean {
  if (!value || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every((item, i) => walkShapes(item, `${pointer}/${i}`, shapes, visit));
  const shape = shapes.get(normalize(pointer));
  if (!visit(pointer, undefined, shape) || !shape || shape.open) return shape !== undefined;
  let complete = true;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPointer = `${pointer}/${escapePointer(key)}`;
    if (!shape.keys.has(key)) visit(childPointer, key, shape);
    else complete = walkShapes(child, childPointer, shapes, visit) && complete;
  }
  return complete;
}

/** Reports fields present in `value` that the schema doesn't know. */
function unknownFields(value: unknown, shapes: Map<string, Shape>, out: string[]): void {
  walkShapes(value, '', shapes, (pointer, key) => {
    if (key !== undefined) out.push(`${displayPath(pointer)}: unknown field '${key}' (not in the schema); check its spelling or remove it`);
    return true;
  });
}

function valueAt(object: unknown, pointer: string): unknown {
  let value = object;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

function formatSchemaError(object: unknown, e: AjvError): string {
  const allowed = Array.isArray(e.params['allowedValues']) ? `; allowed: ${(e.params['allowedValues'] as unknown[]).join(', ')}` : '';
  const received = e.keyword === 'required' ? '' : ` (received ${JSON.stringify(valueAt(object, e.instancePath)) ?? 'undefined'})`;
  return `${displayPath(e.instancePath)}: ${e.message ?? e.keyword}${allowed}${received}`;
}

function schemaErrors(object: unknown, run: () => void): string[] {
  try {
    run();
    return [];
  } catch (error) {
    const errors = (error as { errors?: readonly AjvError[] }).errors;
    if (!Array.isArray(errors)) return [`(root): ${(error as Error).message}`];
    return errors.map((e) => formatSchemaError(object, e));
  }
}

const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function imageErrors(object: Record<string, unknown>, out: string[]): void {
  const path = POD_SPEC_PATHS[String(object['kind'])];
  if (!path) return;
  let spec: unknown = object;
  for (const key of path) spec = spec && typeof spec === 'object' ? (spec as Record<string, unknown>)[key] : undefined;
  if (!spec || typeof spec !== 'object') return;
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const containers = (spec as Record<string, unknown>)[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container: unknown, i) => {
      const image = container && typeof container === 'object' ? (container as Record<string, unknown>)['image'] : undefined;
      if (typeof image !== 'string' || image.trim() === '') {
        const name = container && typeof container === 'object' ? (container as Record<string, unknown>)['name'] : undefined;
        out.push(
          `${path.join('.')}.${list}[${i}].image: container '${String(name ?? i)}' has no image; set one, e.g. ghcr.io/acme/api:1.4.0`,
        );
      }
    });
  }
}

function describe(object: unknown): string {
  if (!object || typeof object !== 'object') return '(not an object)';
  const o = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const ns = typeof o.metadata?.namespace === 'string' ? `${o.metadata.namespace}/` : '';
  return `${String(o.kind ?? '?')} ${ns}${String(o.metadata?.name ?? '?')}`;
}

/**
 * Validates one Kubernetes object against its vendored CRD schema (Flux, cert-manager,
 * external-secrets, external-dns; unknown fields rejected) or its kubernetes-models schema, then checks what those schemas miss: unknown fields and containers
 * without an image. Returns every problem as `Kind namespace/name field: message`; empty when valid.
 */
export function validateManifest(obj: unknown): string[] {
  const prefix = describe(obj);
  if (!obj || typeof obj !== 'object' || Array.isArray(obj))
    return [`${prefix}: a manifest must be an object with apiVersion, kind and metadata`];
  const object = obj as Record<string, unknown>;
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [`${prefix}: apiVersion and kind must be strings`];
  // A vendored CRD (Flux, cert-manager, external-secrets, external-dns) wins: it is the upstream's own, newer schema.
  const fromCrd = crdProblems(object);
  if (fromCrd) return fromCrd.map((p) => `${prefix} ${p}`);
  const model = MODELS.get(`${apiVersion}/${kind}`);
  if (!model) {
    const crdVersions = crdKinds().map((k) => k.slice(0, k.lastIndexOf('/')));
    const versions = [...new Set([...[...MODELS.values()].map((m) => m.apiVersion), ...crdVersions])].sort().join(', ');
    return [`${prefix}: no schema for apiVersion ${apiVersion} kind ${kind}; check both for typos (known apiVersions: ${versions})`];
  }

  const modelKey = `${apiVersion}/${kind}`;
  let shapes = SHAPES.get(modelKey);
  if (!shapes) SHAPES.set(modelKey, (shapes = new Map()));
  const learnt = shapes;
  const complete = walkShapes(object, '', learnt, () => true);
  let problems: string[];
  if (complete) {
    problems = schemaErrors(object, () => model.prototype.validate.call(object));
  } else {
    // A path not seen before for this kind: validate once through a tracking proxy and learn its shape.
    const accesses = new Map<string, Access>();
    problems = schemaErrors(object, () => model.prototype.validate.call(tracked(object, '', accesses)));
    learn(learnt, accesses);
    walkShapes(object, '', learnt, (pointer, key, shape) => {
      if (key === undefined && shape === undefined) learnt.set(normalize(pointer), { open: true }); // never read: free-form
      return true;
    });
  }
  unknownFields(object, learnt, problems);
  imageErrors(object, problems);
  return problems.map((p) => `${prefix} ${p}`);
}

/** Validates many objects; returns every problem of every object. */
export function validateManifests(objects: Iterable<unknown>): string[] {
  const problems: string[] = [];
  for (const object of objects) problems.push(...validateManifest(object));
  return problems;
}
