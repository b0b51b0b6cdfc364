// YAML sources with positions, so every problem can name its file, line and column.
import jsyaml from 'js-yaml';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import semver from 'semver';
import type { Issue } from './errors.ts';
import { escapeControl, quoteValue, truncateText } from './hygiene.ts';
import { READ_LIMITS } from './read.ts';

/** A file's path (relative to the fleet root, POSIX separators) and its text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export type FieldPath = readonly PropertyKey[];

/** A parsed YAML file: its data, and a Document that can locate any field in its text. */
export interface YamlSource {
  readonly path: string;
  readonly text: string;
  /** The file's content as plain data. */
  readonly data: unknown;
  /** The `yaml` Document, with node ranges. Parsed on first use. */
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

// The data comes from js-yaml, which is an order of magnitude faster than the
// `yaml` package's Document parser (1.4 s against 16 s for 100,000 tenants).
// The Document, which only locating an error or editing a file in place needs,
// is parsed on first use; most files never need it.
class LazyYamlSource implements YamlSource {
  readonly path: string;
  readonly text: string;
  readonly data: unknown;
  #parsed: { doc: Document; lineCounter: LineCounter } | undefined;

  constructor(file: SourceFile, data: unknown) {
    this.path = file.path;
    this.text = file.text;
    this.data = data;
  }

  get doc(): Document {
    return this.#document().doc;
  }

  get lineCounter(): LineCounter {
    return this.#document().lineCounter;
  }

  #document() {
    if (!this.#parsed) {
      const lineCounter = new LineCounter();
      this.#parsed = { doc: parseDocument(this.text, { lineCounter, uniqueKeys: true }), lineCounter };
    }
    return this.#parsed;
  }
}

/** Thrown from the js-yaml listener to stop a parse at an anchor. */
class AnchorFound extends Error {
  constructor(readonly anchor: string) {
    super(anchor);
  }
}

/**
 * Parses YAML, reporting syntax errors as issues. Fleet files are small and
 * hand-written, so the parse refuses what only an attack needs, before any
 * of it is expanded: anchors and aliases (an alias bomb is a few hundred
 * bytes that expand to gigabytes), nesting deeper than `READ_LIMITS.maxDepth`,
 * and text longer than `READ_LIMITS.maxFileBytes`.
 */
export function parseYamlSource(file: SourceFile): { source?: YamlSource; issues: Issue[] } {
  if (file.text.length > READ_LIMITS.maxFileBytes) {
    return {
      issues: [
        {
          file: file.path,
          line: 1,
          column: 1,
          field: '(file)',
          message: `is larger than the ${READ_LIMITS.maxFileBytes} bytes a fleet file may hold, so it was not parsed; split it into smaller files`,
        },
      ],
    };
  }
  try {
    // CORE_SCHEMA: YAML 1.2 core types only, as the `yaml` package reads them
    // (no timestamps turned into Dates, no merge keys).
    const options: jsyaml.LoadOptions & { maxDepth: number } = {
      schema: jsyaml.CORE_SCHEMA,
      filename: file.path,
      maxDepth: READ_LIMITS.maxDepth,
      // An alias can only name an anchor defined before it, so refusing every
      // anchor as soon as its node closes refuses every alias too.
      listener: (event, state) => {
        const anchor = (state as unknown as { anchor?: string | null }).anchor;
        if (event === 'close' && anchor) throw new AnchorFound(anchor);
      },
    };
    const data: unknown = jsyaml.load(file.text, options);
    return { source: new LazyYamlSource(file, data), issues: [] };
  } catch (error) {
    if (error instanceof AnchorFound) return { issues: [anchorIssue(file, error.anchor)] };
    const reason = (error as { reason?: string }).reason ?? '';
    if (reason.startsWith('nesting exceeded maxDepth')) return { issues: [depthIssue(file, error)] };
    return { issues: syntaxIssues(file, error) };
  }
}

function anchorIssue(file: SourceFile, anchor: string): Issue {
  const at = file.text.indexOf(`&${anchor}`);
  const { line, column } = positionOf(file.text, at < 0 ? 0 : at);
  return {
    file: file.path,
    line,
    column,
    field: '(yaml)',
    message: `anchor &${escapeControl(truncateText(anchor, 40))}: fleet files may not use YAML anchors or aliases (&name, *name); write each value out in full`,
  };
}

function depthIssue(file: SourceFile, error: unknown): Issue {
  const mark = (error as { mark?: { line: number; column: number } }).mark;
  return {
    file: file.path,
    line: (mark?.line ?? 0) + 1,
    column: (mark?.column ?? 0) + 1,
    field: '(yaml)',
    message: `nested deeper than ${READ_LIMITS.maxDepth} levels, which no fleet file needs; flatten it`,
  };
}

/** 1-based line and column of an offset. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

// Errors of the `yaml` parser that mean "this line is indented wrongly"; the
// parser reports them at the end of the line and again for each line after.
const INDENTATION_ERRORS = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_INDENT', 'MISSING_CHAR', 'UNEXPECTED_TOKEN']);

/**
 * One issue for a YAML syntax error, at the line where it starts: the first
 * error only, because one slip (a key moved to column 1) makes every later
 * line look wrong too. The `yaml` package words errors better; js-yaml's
 * position is the fallback.
 */
function syntaxIssues(file: SourceFile, error: unknown): Issue[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const lineText = file.text.split('\n')[pos.line - 1] ?? '';
    const indent = lineText.length - lineText.trimStart().length;
    if (INDENTATION_ERRORS.has(first.code) && lineText.trim() !== '') {
      return [
        {
          file: file.path,
          line: pos.line,
          column: indent + 1,
          field: '(yaml)',
          message: `the indentation of ${quoteValue(lineText.trim(), 40)} doesn't fit the lines around it; indent it like the keys next to it (spaces only)`,
        },
      ];
    }
    return [
      {
        file: file.path,
        line: pos.line,
        column: pos.col,
        field: '(yaml)',
        message: `${escapeControl(first.message.split('\n')[0]!)}; fix the YAML syntax`,
      },
    ];
  }
  const mark = (error as { mark?: { line: number; column: number } }).mark;
  const reason = (error as { reason?: string }).reason ?? (error as Error).message;
  return [
    {
      file: file.path,
      line: (mark?.line ?? 0) + 1,
      column: (mark?.column ?? 0) + 1,
      field: '(yaml)',
      message: `${escapeControl(reason)}; fix the YAML syntax`,
    },
  ];
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
      offset = (atKey && part === path[path.length - 1] ? keyStart : (rangeStart(node) ?? keyStart)) ?? offset;
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

/** Shows a received value briefly in a message: cut to about 80 characters, credentials redacted, control characters escaped. */
export function describeValue(value: unknown): string {
  return quoteValue(value);
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let value: unknown = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part as string];
  }
  return value;
}

/** The most issues reported for one file; one more line says there are more. */
export const MAX_ISSUES_PER_FILE = 50;

/** The text of a field's value as written in the file, e.g. `1.10` where the data holds the number 1.1. */
function rawValue(source: YamlSource, path: FieldPath): string | undefined {
  const node = source.doc.getIn(path as PropertyKey[], true) as Node | undefined;
  const range = node?.range;
  return range ? source.text.slice(range[0], range[1]).trim() : undefined;
}

/** The top-level fields a schema requires, for the message about an empty file. */
function requiredKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, { safeParse: (v: unknown) => { success: boolean } }> }).shape;
  if (!shape) return [];
  return Object.entries(shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([key]) => key);
}

/** Validates a parsed source against a schema, turning every zod issue into a located issue. */
export function validateSource<S extends z.ZodType>(source: YamlSource, schema: S): { value?: z.output<S>; issues: Issue[] } {
  const data = source.data;
  if (data === null || data === undefined) {
    // An empty file, or one with only comments: one message saying what it needs.
    const keys = requiredKeys(schema);
    return {
      issues: [
        {
          file: source.path,
          line: 1,
          column: 1,
          field: '(document)',
          message: `the file is empty or holds only comments; write a document with ${keys.length > 0 ? keys.join(', ') : 'its fields'}, or delete the file`,
        },
      ],
    };
  }
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, issues: [] };
  const issues: Issue[] = [];
  const all = result.error.issues;
  for (const zodIssue of all) {
    if (issues.length >= MAX_ISSUES_PER_FILE) {
      // A file of 200,000 broken items must not cost minutes and gigabytes to report.
      issues.push({
        file: source.path,
        line: 1,
        column: 1,
        field: '(file)',
        message: `more problems in this file than the first ${MAX_ISSUES_PER_FILE} shown; fix those, then run again`,
      });
      break;
    }
    const path = zodIssue.path as PropertyKey[];
    if (zodIssue.code === 'unrecognized_keys') {
      for (const key of zodIssue.keys) {
        issues.push(
          issueAt(
            source,
            [...path, key],
            `unknown field '${escapeControl(truncateText(key, 40))}'; remove it or fix its spelling (see the JSON Schema in schemas/)`,
            true,
          ),
        );
      }
      continue;
    }
    const received = valueAt(data, path);
    const missing = received === undefined;
    const what = missing ? 'is required but missing; add it' : describeIssue(zodIssue, received, path, () => rawValue(source, path));
    issues.push(issueAt(source, path, what, missing));
  }
  return { issues };
}

/** What is wrong, what was received, and how to fix it, for one zod issue. */
function describeIssue(issue: z.core.$ZodIssue, received: unknown, path: FieldPath, raw: () => string | undefined): string {
  // zod words it "Invalid input: expected number, received string"; keep the expectation, show the value itself.
  const message = issue.message.replace(/^Invalid (input|option): /, '').replace(/, received [a-z]+$/, '');
  const fix = nearMiss(issue, received, path, raw) ?? fixFor(issue);
  return `${message}, received ${describeValue(received)}${fix ? `; ${fix}` : ''}`;
}

/**
 * The value the author most likely meant, when one can be told: a version
 * written as `1.4` (which YAML reads as a number) or `v1.4.0` is `1.4.0`; a
 * number or boolean where text belongs is the same text in quotes.
 */
function nearMiss(issue: z.core.$ZodIssue, received: unknown, path: FieldPath, raw: () => string | undefined): string | undefined {
  const key = path[path.length - 1];
  const isVersion = key === 'version' || key === 'target';
  if (isVersion && (typeof received === 'number' || typeof received === 'string')) {
    const written = (typeof received === 'number' ? raw() : received) ?? String(received);
    const coerced = semver.coerce(written)?.version;
    if (coerced && coerced !== received) return `write ${coerced}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'string' && (typeof received === 'number' || typeof received === 'boolean')) {
    const written = raw() ?? String(received);
    return `write it in quotes, "${escapeControl(truncateText(written, 40))}", so YAML reads it as text`;
  }
  return undefined;
}

function fixFor(issue: z.core.$ZodIssue): string | undefined {
  const unit = (origin: string) => (origin === 'string' ? ' characters' : origin === 'array' ? ' items' : '');
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'write a whole number';
      return `write ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'too_small':
      return `use at least ${String(issue.minimum)}${unit(issue.origin)}`;
    case 'too_big':
      return `use at most ${String(issue.maximum)}${unit(issue.origin)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `write ${JSON.stringify(issue.values[0])}` : 'use one of the values listed';
    default:
      // Custom rules already say how to fix (e.g. "must be a DNS-1123 label ...").
      return undefined;
  }
}
