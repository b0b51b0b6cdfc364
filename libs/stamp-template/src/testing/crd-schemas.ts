// Strict validation of custom resources against the CRD schemas vendored in
// test-fixtures/crds (see UPSTREAM.md there for their versions). Unknown fields are rejected:
// every object schema that lists `properties` and doesn't preserve unknown fields gets
// `additionalProperties: false`, which is what the API server's pruning would silently drop.
// CEL rules (`x-kubernetes-validations`) and formats are not checked here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/** The vendored CRDs' folder. */
export const CRD_FIXTURES_DIR = fileURLToPath(new URL('../../test-fixtures/crds', import.meta.url));

type Schema = Record<string, unknown>;

interface CrdVersion {
  readonly schema: Schema;
  readonly file: string;
}

/** Every served version of every vendored CRD, by `apiVersion/kind`. */
function loadCrds(dir: string): Map<string, CrdVersion> {
  const out = new Map<string, CrdVersion>();
  for (const project of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const name of readdirSync(join(dir, project.name))
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      const file = join(project.name, name);
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as {
          kind?: string;
          spec?: {
            group: string;
            names: { kind: string };
            versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[];
          };
        } | null;
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        for (const version of crd.spec.versions) {
          const schema = version.schema?.openAPIV3Schema;
          if (version.served && schema) out.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, { schema, file });
        }
      }
    }
  }
  return out;
}

/** The CRD schema made strict (unknown fields rejected) and readable by Ajv. */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const input = schema as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strictSchema(v)]));
    } else if (['items', 'additionalProperties', 'not'].includes(key) || ['allOf', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = strictSchema(value);
    } else {
      out[key] = value;
    }
  }
  if (input['x-kubernetes-int-or-string'] === true) {
    delete out['type'];
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserve = input['x-kubernetes-preserve-unknown-fields'] === true;
  if (out['properties'] && out['additionalProperties'] === undefined && !preserve) out['additionalProperties'] = false;
  return out;
}

let crds: Map<string, CrdVersion> | undefined;
const compiled = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;

/** Whether a vendored CRD defines this apiVersion and kind. */
export function hasCrd(apiVersion: string, kind: string): boolean {
  crds ??= loadCrds(CRD_FIXTURES_DIR);
  return crds.has(`${apiVersion}/${kind}`);
}

/** The apiVersion/kind pairs the vendored CRDs define. */
export function crdKinds(): string[] {
  crds ??= loadCrds(CRD_FIXTURES_DIR);
  return [...crds.keys()].sort();
}

function validatorFor(key: string): ValidateFunction | undefined {
  crds ??= loadCrds(CRD_FIXTURES_DIR);
  let validate = compiled.get(key);
  if (validate) return validate;
  const crd = crds.get(key);
  if (!crd) return undefined;
  ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const schema = strictSchema(crd.schema) as Schema;
  // The API server adds these; every object must carry them.
  const root = {
    ...schema,
    required: [...new Set([...((schema['required'] as string[] | undefined) ?? []), 'apiVersion', 'kind', 'metadata'])],
  };
  validate = ajv.compile(root);
  compiled.set(key, validate);
  return validate;
}

/** The problems of one custom resource, `field: message`; undefined when no vendored CRD defines its kind. */
export function crdProblems(object: Record<string, unknown>): string[] | undefined {
  const validate = validatorFor(`${String(object['apiVersion'])}/${String(object['kind'])}`);
  if (!validate) return undefined;
  if (validate(object)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => {
    const path =
      e.instancePath
        .replace(/^\//, '')
        .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
        .replace(/\//g, '.') || '(root)';
    if (e.keyword === 'additionalProperties') {
      const field = String((e.params as { additionalProperty?: string }).additionalProperty);
      return `${path === '(root)' ? field : `${path}.${field}`}: unknown field '${field}' (not in the CRD schema); check its spelling or remove it`;
    }
    const allowed =
      e.keyword === 'enum' ? `; allowed: ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}` : '';
    return `${path}: ${e.message ?? e.keyword}${allowed}`;
  });
}
