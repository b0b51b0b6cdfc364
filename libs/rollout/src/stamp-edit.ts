// Editing a stamp file's version without disturbing its comments or layout.
import { parseDocument } from 'yaml';
import { InternalError, stampFilePath, type FileChange, type SourceFile } from '@stampyard/stamp-spec';
import type { VersionChange } from './fleet-view.ts';

/** The stamp file's text with `spec.version` set; comments and formatting are kept. Pure. */
export function setStampVersion(text: string, version: string): string {
  const doc = parseDocument(text);
  if (!doc.hasIn(['spec', 'version'])) throw new InternalError('a validated stamp file has no spec.version');
  doc.setIn(['spec', 'version'], version);
  return doc.toString({ lineWidth: 0 });
}

/** The file changes that apply version changes to stamp files given by their current text. Pure. */
export function stampFileChanges(files: readonly SourceFile[], changes: readonly VersionChange[]): FileChange[] {
  const byPath = new Map(files.map((f) => [f.path, f.text]));
  return changes.map((change) => {
    const path = stampFilePath(change.stamp);
    const text = byPath.get(path);
    if (text === undefined) throw new InternalError(`no file ${path} for stamp ${change.stamp}`);
    return { path, content: setStampVersion(text, change.to) };
  });
}
