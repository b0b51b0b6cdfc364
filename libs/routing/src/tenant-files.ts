// Writing bindings back into tenant files, keeping their comments and layout.
import { isMap, isScalar, isSeq, isPair, type Document, type Scalar, type YAMLMap } from 'yaml';
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
}

/**
 * The new text of every tenant file an edit touches. Pure; the fleet is not changed.
 * Every byte other than the fields set stays as it was: comments, blank lines,
 * flow or block style, quoting. The values are spliced into the text at the
 * positions the parsed Document gives; a file whose layout the splice doesn't
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
    ]);
    const content = spliceFields(entry.source.doc, entry.source.text, fields) ?? setWithDocument(entry.source.doc, fields);
    changes.push({ path: entry.source.path, content });
  }
  return changes;
}

interface FieldEdit {
  readonly index: number;
  readonly key: string;
  /** A DNS label (a stamp name), so it is written as a plain scalar. */
  readonly value: string;
}

/** The Document API path: a copy of the parsed file, `setIn`, `toString`. */
export function setWithDocument(doc: Document, fields: readonly FieldEdit[]): string {
  const copy = doc.clone();
  for (const field of fields) copy.setIn(['items', field.index, field.key], field.value);
  return copy.toString({ lineWidth: 0 });
}

const PLAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Splices the fields into the text, or returns undefined when some item's
 * layout is one the splice doesn't handle.
 */
export function spliceFields(doc: Document, text: string, fields: readonly FieldEdit[]): string | undefined {
  const items = doc.get('items', true);
  if (!isSeq(items)) return undefined;
  const inserts: { at: number; end: number; text: string; order: number }[] = [];
  // Several new keys of one item go in the order given, at the same spot.
  let order = 0;
  for (const field of fields) {
    if (!PLAIN.test(field.value)) return undefined;
    const item = items.items[field.index];
    if (!isMap(item) || item.items.length === 0 || !item.range) return undefined;
    const pair = item.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === field.key);
    if (pair) {
      const value = pair.value as Scalar | null;
      if (!isScalar(value) || !value.range || value.type !== 'PLAIN') return undefined;
      inserts.push({ at: value.range[0], end: value.range[1], text: field.value, order: order++ });
      continue;
    }
    const at = insertionPoint(item, text);
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

function insertionPoint(item: YAMLMap, text: string): { offset: number; format: (key: string, value: string) => string } | undefined {
  const last = item.items[item.items.length - 1]!;
  const first = item.items[0]!;
  if (!isScalar(last.value) || !last.value.range || !isScalar(first.key) || !first.key.range) return undefined;
  // A block scalar (| or >) runs over several lines; leave that to the Document API.
  if (last.value.type === 'BLOCK_LITERAL' || last.value.type === 'BLOCK_FOLDED') return undefined;
  const valueEnd = last.value.range[1];
  if (item.flow) {
    // `{ id: a, residency: eu }` → `{ id: a, residency: eu, stamp: s }`
    const close = text.indexOf('}', valueEnd);
    if (close === -1 || close >= item.range![2] + 1 || text.slice(valueEnd, close).trim() !== '') return undefined;
    return { offset: valueEnd, format: (key, value) => `, ${key}: ${value}` };
  }
  // Block mapping: a new line after the last pair's line, indented like the first key.
  const keyStart = first.key.range[0];
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  const indent = keyStart - lineStart;
  const lineEnd = text.indexOf('\n', valueEnd);
  const at = lineEnd === -1 ? text.length : lineEnd;
  return { offset: at, format: (key, value) => `\n${' '.repeat(indent)}${key}: ${value}` };
}
