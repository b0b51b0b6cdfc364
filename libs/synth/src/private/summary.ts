// The pull-request summary: which stamps were added, changed or removed, and how many
// rendered files changed per stamp, from `git diff --name-status` against the base.

export interface ChangeSummary {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  /** Stamp (or `global`, `routing`, `schemas`) → rendered files changed. */
  readonly rendered: Map<string, number>;
}

/** Reads `git diff --name-status` output (tab-separated: status, path[, new path]). */
export function summarizeNameStatus(nameStatus: string): ChangeSummary {
  const summary: ChangeSummary = { added: [], changed: [], removed: [], rendered: new Map() };
  for (const line of nameStatus.split('\n')) {
    const [status, ...paths] = line.split('\t');
    if (!status || paths.length === 0) continue;
    const path = paths[paths.length - 1]!;
    const stampFile = /^stamps\/([^/]+)\.ya?ml$/.exec(path)?.[1];
    if (stampFile) {
      const list =
        status.startsWith('A') || status.startsWith('R') ? summary.added : status.startsWith('D') ? summary.removed : summary.changed;
      list.push(stampFile);
      continue;
    }
    const group = /^rendered\/(?:stamps|clusters)\/([^/]+)\//.exec(path)?.[1] ?? /^(rendered\/[^/]+|schemas)\//.exec(path)?.[1];
    if (group) summary.rendered.set(group, (summary.rendered.get(group) ?? 0) + 1);
  }
  for (const list of [summary.added, summary.changed, summary.removed]) list.sort();
  return summary;
}

/** The summary as GitHub-flavoured markdown. */
export function formatSummary(summary: ChangeSummary, base: string): string {
  const names = (list: readonly string[]) => (list.length > 0 ? list.map((n) => `\`${n}\``).join(', ') : 'none');
  const lines = [
    `## Stamps and rendered output versus \`${base.slice(0, 12)}\``,
    '',
    `- Stamps added: ${names(summary.added)}`,
    `- Stamps changed: ${names(summary.changed)}`,
    `- Stamps removed: ${names(summary.removed)}`,
    '',
  ];
  if (summary.rendered.size === 0) {
    lines.push('No rendered files changed.');
  } else {
    lines.push('| rendered for | files changed |', '| --- | ---: |');
    for (const [group, count] of [...summary.rendered].sort((a, b) => a[0].localeCompare(b[0]))) lines.push(`| \`${group}\` | ${count} |`);
  }
  return `${lines.join('\n')}\n`;
}
