// rollout.yaml: the one committed file that records a rollout's progress.
import { z } from 'zod';
import { stringify } from 'yaml';
import {
  API_VERSION,
  HISTORY_LIMIT,
  parseYamlSource,
  rolloutStateSchema,
  validateSource,
  type Issue,
  type RolloutEvent,
  type RolloutState,
  type SourceFile,
} from '@stampyard/stamp-spec';

// The format is defined in stamp-spec with the other file formats; re-exported for rollout's users.
export {
  HISTORY_LIMIT,
  rolloutApprovalSchema,
  rolloutEventSchema,
  rolloutExclusionSchema,
  rolloutStampSchema,
  rolloutStateSchema,
} from '@stampyard/stamp-spec';
export type { RolloutApproval, RolloutEvent, RolloutExclusion, RolloutStampRecord, RolloutState } from '@stampyard/stamp-spec';

/** Where the rollout state lives, relative to the fleet root. */
export const ROLLOUT_FILE = 'rollout.yaml';

/** Parses rollout.yaml, reporting every problem with its file, line and column. Pure. */
export function parseRolloutState(file: SourceFile): { state?: RolloutState; issues: Issue[] } {
  const parsed = parseYamlSource(file);
  if (!parsed.source) return { issues: parsed.issues };
  const validated = validateSource(parsed.source, rolloutStateSchema);
  return validated.value ? { state: validated.value, issues: [] } : { issues: validated.issues };
}

/** Appends an event, keeping the last HISTORY_LIMIT. */
export function withEvent(state: RolloutState, event: RolloutEvent): RolloutState {
  return { ...state, history: [...state.history, event].slice(-HISTORY_LIMIT) };
}

/** A copy with keys in code-unit order; a prototype-free object, so a stamp named `__proto__` stays a key. */
function sortedByKey<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of Object.entries(record).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) out[key] = value;
  return out;
}

/** rollout.yaml's text: stable key order, no line wrapping, one revision higher than `state`'s. */
export function serializeRolloutState(state: RolloutState, schemaPath = './schemas/rollout.schema.json'): string {
  const stamps = sortedByKey(state.stamps);
  const ordered = {
    apiVersion: state.apiVersion,
    kind: state.kind,
    revision: state.revision,
    target: state.target,
    phase: state.phase,
    ...(state.completedAt ? { completedAt: state.completedAt } : {}),
    ...(state.halted ? { halted: state.halted } : {}),
    stamps,
    history: state.history,
    ...(state.approvals.length > 0 ? { approvals: state.approvals } : {}),
    ...(Object.keys(state.excluded).length > 0 ? { excluded: sortedByKey(state.excluded) } : {}),
  };
  const modeline = schemaPath ? `# yaml-language-server: $schema=${schemaPath}\n` : '';
  return `${modeline}# Written by \`stampyard rollout\`; change it only through that command.\n${stringify(ordered, { lineWidth: 0 })}`;
}

/** A fresh state for a rollout of `version` started at `now`. */
export function newRolloutState(
  version: string,
  now: Date,
  previous?: RolloutState,
  options: { readonly allowDowngrade?: boolean } = {},
): RolloutState {
  return {
    apiVersion: API_VERSION,
    kind: 'Rollout',
    revision: previous?.revision ?? 0,
    target: { version, startedAt: now.toISOString(), ...(options.allowDowngrade ? { allowDowngrade: true } : {}) },
    phase: 'progressing',
    stamps: {},
    history: previous?.history ?? [],
    // Approvals and exclusions belong to one rollout: they never carry over to the next.
    approvals: [],
    excluded: {},
  };
}

/** The JSON Schema of rollout.yaml, for editors (synth writes it to `schemas/rollout.schema.json`). */
export function rolloutJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rolloutStateSchema, { io: 'input' }) as Record<string, unknown>;
}
