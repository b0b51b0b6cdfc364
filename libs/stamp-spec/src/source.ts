// YAML sources with positions, so every problem can name its file, line and column.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { Issue } from './errors.ts';

/** A file's path (relative to the fleet root, POSIX separators) and its text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export type FieldPath = readonly PropertyKey[];

/** A parsed YAML file that can locate any field in its text. */
export interface YamlSource {
  readonly path: string;
  readonly text: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

/** Renders a path as `spec.network.cidr` or `items[3].id`. */
export function fieldName(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(document)' : out;
}

/** Parses YAML, reporting syntax errors as issues. */
export function parseYamlSource(file: SourceFile): { source?: YamlSource; issues: Issue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: Issue[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    return {
      file: file.path,
      line: pos.line,
      column: pos.col,
      field: '(yaml)',
      message: `${error.message.split('\n')[0]}; fix the YAML syntax`,
    };
  });
  if (issues.length > 0) return { issues };
  return { source: { path: file.path, text: file.text, doc, lineCounter }, issues };
}

/**
 * The position of a field: of its key when `atKey`, else of its value.
 * Falls back to the nearest existing parent.
 */
export function locate(source: YamlSource, path: FieldPath, atKey = false): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  // For a missing field, point at its parent's key rather than at a sibling.
  let parentKeyOffset = 0;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === part);
      if (!pair) {
        if (atKey) offset = parentKeyOffset;
        break;
      }
      const keyStart = rangeStart(pair.key);
      parentKeyOffset = keyStart ?? parentKeyOffset;
      node = pair.value;
      offset = (atKey && part === path[path.length - 1] ? keyStart : rangeStart(node) ?? keyStart) ?? offset;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  const pos = source.lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** Builds an issue at a field of a source. */
export function issueAt(source: YamlSource, path: FieldPath, message: string, atKey = false): Issue {
  return { file: source.path, ...locate(source, path, atKey), field: fieldName(path), message };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Shows a received value briefly in a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let value: unknown = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part as string];
  }
  return value;
}

/** Validates a parsed source against a schema, turning every zod issue into a located issue. */
export function validateSource<S extends z.ZodType>(
  source: YamlSource,
  schema: S,
): { value?: z.output<S>; issues: Issue[] } {
  const data: unknown = source.doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, issues: [] };
  const issues: Issue[] = [];
  for (const zodIssue of result.error.issues) {
    const path = zodIssue.path as PropertyKey[];
    if (zodIssue.code === 'unrecognized_keys') {
      for (const key of zodIssue.keys) {
        issues.push(
          issueAt(source, [...path, key], `unknown field '${key}'; remove it or fix its spelling (see the JSON Schema in schemas/)`, true),
        );
      }
      continue;
    }
    const received = valueAt(data, path);
    const missing = received === undefined;
    const what = missing ? 'is required but missing; add it' : `${humanize(zodIssue.message)}, received ${describeValue(received)}`;
    issues.push(issueAt(source, path, what, missing));
  }
  return { issues };
}

function humanize(message: string): string {
  return message.replace(/^Invalid input: /, '').replace(/^Invalid option: /, '');
}
