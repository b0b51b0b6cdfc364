// `stampyard rollout history`: past rollouts, read from the git history of rollout.yaml. Pure; the git
// query is `readFileVersions` in git-landings.ts.
import type { FileVersion } from './git-landings.ts';
import { phaseOf, type RolloutPhase } from './phase.ts';
import { parse } from 'yaml';
import { rolloutStateSchema, type RolloutApproval, type RolloutState } from './state.ts';
import type { ResultFormat } from './render.ts';

/** One rollout, as the branch's history of rollout.yaml tells it. */
export interface RolloutHistoryEntry {
  readonly version: string;
  readonly startedAt: string;
  /** When it completed, was aborted or rolled back; null while it is under way. */
  readonly finishedAt: string | null;
  /** Its phase in the last commit that holds it. */
  readonly outcome: RolloutPhase;
  /** Every halt, from every commit of the rollout (rollout.yaml keeps only its last events). */
  readonly halts: readonly { readonly at: string; readonly reason: string }[];
  readonly approvals: readonly RolloutApproval[];
  /** Stamps excluded when it was last written. */
  readonly excluded: readonly { readonly stamp: string; readonly reason: string; readonly at: string }[];
  /** The first and the last commit that wrote it. */
  readonly commits: { readonly first: string; readonly last: string };
}

export interface RolloutHistory {
  /** Newest first. */
  readonly rollouts: readonly RolloutHistoryEntry[];
  /** Commits whose rollout.yaml could not be read, with why (a format older than this tool, a bad merge). */
  readonly unreadable: readonly { readonly commit: string; readonly problem: string }[];
}

const TERMINAL_EVENTS = new Set(['completed', 'aborted', 'rolled-back']);

/**
 * Groups the versions of rollout.yaml by rollout (target version and start time) and summarises each:
 * outcome, start, finish, halts and approvals. Pure: the same history gives the same answer.
 */
export function planRolloutHistory(versions: readonly FileVersion[]): RolloutHistory {
  const groups = new Map<string, { sha: string; state: RolloutState }[]>();
  const unreadable: { commit: string; problem: string }[] = [];
  for (const version of versions) {
    if (version.text === undefined) continue; // the file was deleted in that commit
    // A plain parse (no source positions): history reads many versions, and only needs to know
    // whether each one is readable; `validate` gives positions for the current file.
    let data: unknown;
    try {
      data = parse(version.text);
    } catch (error) {
      unreadable.push({ commit: version.sha, problem: `not YAML: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    const parsed = rolloutStateSchema.safeParse(data);
    if (!parsed.success) {
      unreadable.push({
        commit: version.sha,
        problem: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`).join('; '),
      });
      continue;
    }
    const state = parsed.data;
    const key = `${state.target.version} ${Date.parse(state.target.startedAt)}`;
    const list = groups.get(key) ?? [];
    list.push({ sha: version.sha, state });
    groups.set(key, list);
  }
  const rollouts = [...groups.values()].map((snapshots): RolloutHistoryEntry => {
    const last = snapshots.at(-1)!.state;
    const started = Date.parse(last.target.startedAt);
    const ownEvents = snapshots.flatMap((s) => s.state.history).filter((e) => Date.parse(e.at) >= started);
    const halts = unique(
      ownEvents.filter((e) => e.event === 'halted').map((e) => ({ at: e.at, reason: e.message })),
      (h) => `${h.at} ${h.reason}`,
    );
    const approvals = unique(
      snapshots.flatMap((s) => s.state.approvals),
      (a) => `${a.wave} ${a.at}`,
    );
    const outcome = phaseOf(last);
    const terminal = ownEvents
      .filter((e) => TERMINAL_EVENTS.has(e.event))
      .map((e) => e.at)
      .sort()
      .at(-1);
    const finishedAt =
      outcome === 'complete'
        ? (last.completedAt ?? terminal ?? null)
        : outcome === 'aborted' || outcome === 'rolled-back'
          ? (terminal ?? null)
          : null;
    return {
      version: last.target.version,
      startedAt: last.target.startedAt,
      finishedAt,
      outcome,
      halts: halts.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)),
      approvals: approvals.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.wave - b.wave),
      excluded: Object.entries(last.excluded)
        .map(([stamp, e]) => ({ stamp, reason: e.reason, at: e.at }))
        .sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0)),
      commits: { first: snapshots[0]!.sha, last: snapshots.at(-1)!.sha },
    };
  });
  rollouts.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  return { rollouts, unreadable };
}

function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** The history as text, Markdown or JSON. */
export function renderRolloutHistory(history: RolloutHistory, format: ResultFormat): string {
  if (format === 'json') return `${JSON.stringify(history, null, 2)}\n`;
  const approvals = (r: RolloutHistoryEntry) =>
    r.approvals.map((a) => `wave ${a.wave} by ${a.by} at ${a.at}${a.reason ? ` (${a.reason})` : ''}`).join('; ') || '-';
  const halts = (r: RolloutHistoryEntry) => r.halts.map((h) => `${h.at}: ${h.reason}`).join('; ') || '-';
  const excluded = (r: RolloutHistoryEntry) => r.excluded.map((e) => `${e.stamp} (${e.reason})`).join(', ');
  if (format === 'markdown') {
    const rows = history.rollouts.map(
      (r) =>
        `| ${r.version} | ${r.startedAt} | ${r.finishedAt ?? '-'} | ${r.outcome} | ${halts(r).replaceAll('|', '\\|')} | ${approvals(r).replaceAll('|', '\\|')} |`,
    );
    const body = rows.length ? rows.join('\n') : '| (no rollouts in the history of rollout.yaml) | | | | | |';
    return `### Rollout history\n\n| version | started | finished | outcome | halts | approvals |\n| --- | --- | --- | --- | --- | --- |\n${body}\n`;
  }
  if (history.rollouts.length === 0) return 'no rollouts in the git history of rollout.yaml\n';
  const lines = history.rollouts.flatMap((r) => [
    `${r.version}  ${r.outcome}  started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}`,
    `  halts: ${halts(r)}`,
    `  approvals: ${approvals(r)}`,
    ...(r.excluded.length ? [`  excluded: ${excluded(r)}`] : []),
  ]);
  const notes = history.unreadable.map((u) => `note: rollout.yaml in ${u.commit.slice(0, 12)} could not be read: ${u.problem}`);
  return `${[...lines, ...notes].join('\n')}\n`;
}
