// Writing bindings back into tenant files, keeping their comments and layout.
import jsyaml from 'js-yaml';
import type { Document } from 'yaml';
import type { FileChange, LoadedFleet } from '@stampyard/stamp-spec';

/** A change to one tenant entry: the fields to set. */
export interface TenantEdit {
  /** Index into `LoadedFleet.tenantLists`. */
  readonly list: number;
  /** Index into that list's `items`. */
  readonly index: number;
  readonly stamp: string;
  /** @default - left as it is */
  readonly previousStamp?: string;
  /** The tenant's epoch (a migration cutover bumps it). @default - left as it is */
  readonly epoch?: number;
}

/**
 * The new text of every tenant file an edit touches. Pure; the fleet is not changed.
 * Every byte other than the fields set stays as it was: comments, blank lines,
 * flow or block style, quoting. The values are spliced into the text at the
 * positions a js-yaml pass gives; a file whose layout the splice doesn't
 * handle (an item that isn't a plain mapping) goes through the Document API
 * instead (`setIn` on a copy, then `toString`), which keeps comments too.
 * Splicing is the fast path: at 100,000 tenants, copying and re-printing the
 * Documents took seconds.
 */
export function tenantFileChanges(fleet: LoadedFleet, edits: readonly TenantEdit[]): FileChange[] {
  const byList = new Map<number, TenantEdit[]>();
  for (const edit of edits) {
    const list = byList.get(edit.list) ?? [];
    list.push(edit);
    byList.set(edit.list, list);
  }
  const changes: FileChange[] = [];
  for (const [listIndex, listEdits] of [...byList].sort((a, b) => a[0] - b[0])) {
    const entry = fleet.tenantLists[listIndex];
    if (!entry) throw new RangeError(`no tenant list at index ${listIndex}`);
    const fields = listEdits.flatMap((edit) => [
      { index: edit.index, key: 'stamp', value: edit.stamp },
      ...(edit.previousStamp !== undefined ? [{ index: edit.index, key: 'previousStamp', value: edit.previousStamp }] : []),
      ...(edit.epoch !== undefined ? [{ index: edit.index, key: 'epoch', value: String(edit.epoch) }] : []),
    ]);
    const content = spliceFields(entry.source.text, fields) ?? setWithDocument(entry.source.doc, fields);
    changes.push({ path: entry.source.path, content });
  }
  return changes;
}

interface FieldEdit {
  readonly index: number;
  readonly key: string;
  /** A DNS label (a stamp name) or a whole number (an epoch), so it is written as a plain scalar. */
  readonly value: string;
}

/** The Document API path: a copy of the parsed file, `setIn`, `toString`. */
export function setWithDocument(doc: Document, fields: readonly FieldEdit[]): string {
  const copy = doc.clone();
  // `epoch` is a number; every other field is a stamp name.
  for (const field of fields) copy.setIn(['items', field.index, field.key], field.key === 'epoch' ? Number(field.value) : field.value);
  return copy.toString({ lineWidth: 0 });
}

const PLAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Where one key and its scalar value end in the text. */
interface PairSpan {
  readonly key: string;
  readonly keyEnd: number;
  readonly value: unknown;
  readonly valueEnd: number;
}

/**
 * The key and value positions of every flat mapping (all values scalars) under
 * `items`, in order, from one js-yaml pass with its node listener. The `yaml`
 * Document would give the same positions but takes ten times as long to parse
 * 100,000 tenants. Returns undefined for anything but a plain list of flat items.
 */
function itemSpans(text: string): PairSpan[][] | undefined {
  const scalars: { end: number; value: unknown }[] = [];
  const seen = new Set<object>();
  const spans: PairSpan[][] = [];
  let flat = true;
  const data = jsyaml.load(text, {
    schema: jsyaml.CORE_SCHEMA,
    listener(type, state) {
      if (type !== 'close') return;
      if (state.kind === 'scalar') {
        // In flow style the reported end can include the whitespace after the scalar.
        let end = state.position;
        while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
        scalars.push({ end, value: state.result });
        return;
      }
      const result = state.result as unknown;
      if (state.kind !== 'mapping' || result === null || typeof result !== 'object' || seen.has(result)) return;
      seen.add(result);
      const entries = Object.entries(result as Record<string, unknown>);
      if (entries.some(([, v]) => v !== null && typeof v === 'object')) return; // the document itself
      const pairs = scalars.slice(scalars.length - 2 * entries.length);
      const item = entries.map(([key, value], i) => ({
        key,
        keyEnd: pairs[2 * i]?.end ?? -1,
        value,
        valueEnd: pairs[2 * i + 1]?.end ?? -1,
      }));
      // An empty value (`stamp:`) emits no scalar event, which would shift the pairs.
      if (item.some((p, i) => pairs[2 * i]?.value !== p.key || pairs[2 * i + 1]?.value !== p.value)) flat = false;
      spans.push(item);
    },
  }) as { items?: unknown };
  if (!flat || !Array.isArray(data?.items) || data.items.length !== spans.length) return undefined;
  return spans;
}

/**
 * Splices the fields into the text, or returns undefined when some item's
 * layout is one the splice doesn't handle.
 */
export function spliceFields(text: string, fields: readonly FieldEdit[]): string | undefined {
  const items = itemSpans(text);
  if (!items) return undefined;
  const inserts: { at: number; end: number; text: string; order: number }[] = [];
  // Several new keys of one item go in the order given, at the same spot.
  let order = 0;
  for (const field of fields) {
    if (!PLAIN.test(field.value)) return undefined;
    const item = items[field.index];
    if (!item || item.length === 0) return undefined;
    const pair = item.find((p) => p.key === field.key);
    if (pair) {
      const old = String(pair.value);
      const start = pair.valueEnd - old.length;
      // Only a plain scalar is replaced in place; quoted or odd layouts go to the Document API.
      if (text.slice(start, pair.valueEnd) !== old) return undefined;
      inserts.push({ at: start, end: pair.valueEnd, text: field.value, order: order++ });
      continue;
    }
    const at = insertionPoint(item[item.length - 1]!, text);
    if (at === undefined) return undefined;
    inserts.push({ at: at.offset, end: at.offset, text: at.format(field.key, field.value), order: order++ });
  }
  // One pass from the start, so a file of thousands of tenants is copied once.
  inserts.sort((a, b) => a.at - b.at || a.order - b.order);
  const parts: string[] = [];
  let cursor = 0;
  for (const edit of inserts) {
    parts.push(text.slice(cursor, edit.at), edit.text);
    cursor = edit.end;
  }
  parts.push(text.slice(cursor));
  return parts.join('');
}

function insertionPoint(last: PairSpan, text: string): { offset: number; format: (key: string, value: string) => string } | undefined {
  const valueEnd = last.valueEnd;
  const lineEnd = text.indexOf('\n', valueEnd);
  const rest = text.slice(valueEnd, lineEnd === -1 ? text.length : lineEnd);
  const next = rest.trimStart()[0];
  if (next === '}') {
    // `{ id: a, residency: eu }` → `{ id: a, residency: eu, stamp: s }`
    return { offset: valueEnd, format: (key, value) => `, ${key}: ${value}` };
  }
  // A block mapping: only a comment may follow the last value on its line
  // (a closing quote or a block scalar means a layout left to the Document API).
  if (next !== undefined && next !== '#') return undefined;
  const keyStart = last.keyEnd - last.key.length;
  if (text.slice(keyStart, last.keyEnd) !== last.key) return undefined;
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  const before = text.slice(lineStart, keyStart);
  // `  - id: a` (a one-key item) indents past the dash; otherwise keys start the line.
  if (before.trim() !== '' && before.trim() !== '-') return undefined;
  const indent = keyStart - lineStart;
  const at = lineEnd === -1 ? text.length : lineEnd;
  return { offset: at, format: (key, value) => `\n${' '.repeat(indent)}${key}: ${value}` };
}
