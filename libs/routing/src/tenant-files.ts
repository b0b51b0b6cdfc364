// Writing bindings back into tenant files, keeping their comments and layout.
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
 * The new text of every tenant file an edit touches. Pure. Edits go through the
 * yaml Document API (`setIn`) on a copy of the parsed file, so comments, blank
 * lines, flow or block style and quoting survive.
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
    const doc = entry.source.doc.clone();
    for (const edit of listEdits) {
      doc.setIn(['items', edit.index, 'stamp'], edit.stamp);
      if (edit.previousStamp !== undefined) doc.setIn(['items', edit.index, 'previousStamp'], edit.previousStamp);
    }
    changes.push({ path: entry.source.path, content: doc.toString({ lineWidth: 0 }) });
  }
  return changes;
}
