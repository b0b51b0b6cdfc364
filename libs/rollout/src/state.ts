// rollout.yaml: the one committed file that records a rollout's progress.
import { z } from 'zod';
import { stringify } from 'yaml';
import { API_VERSION, parseYamlSource, semverString, validateSource, type Issue, type SourceFile } from '@stampyard/stamp-spec';

/** Where the rollout state lives, relative to the fleet root. */
export const ROLLOUT_FILE = 'rollout.yaml';

/** How many history events rollout.yaml keeps; older ones are dropped. */
export const HISTORY_LIMIT = 50;

const isoTime = z.iso.datetime({ offset: true });

export const rolloutEventSchema = z.strictObject({
  at: isoTime.describe('When it happened.'),
  event: z.enum(['started', 'promoted', 'halted', 'resumed', 'rolled-back', 'completed']).describe('What happened.'),
  wave: z.int().min(0).optional().describe('The wave it concerned. @default - none'),
  stamps: z.array(z.string()).optional().describe('Stamps it changed. @default - none'),
  message: z.string().describe('A sentence for people.'),
});

export const rolloutStampSchema = z.strictObject({
  fromVersion: semverString.describe('The version the stamp ran before this rollout promoted it.'),
  promotedAt: isoTime.describe('When this rollout set the stamp to the target version.'),
});

export const rolloutStateSchema = z
  .strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Rollout'),
    revision: z.int().min(0).describe('Bumped on every write; a write whose revision changed since it was read is refused.'),
    target: z.strictObject({
      version: semverString.describe('The release being rolled out.'),
      startedAt: isoTime.describe('When `stampyard rollout start` ran.'),
    }),
    phase: z.enum(['progressing', 'complete']).describe('progressing until every stamp runs the target and has baked.'),
    completedAt: isoTime.optional().describe('When the rollout completed. @default - not complete'),
    halted: z
      .strictObject({ reason: z.string().min(1), at: isoTime })
      .optional()
      .describe('Set while the rollout is halted; nothing is promoted until `stampyard rollout resume`. @default - not halted'),
    stamps: z
      .record(z.string(), rolloutStampSchema)
      .default({})
      .describe('Each stamp this rollout promoted: the version it came from and when. @default {}'),
    history: z.array(rolloutEventSchema).max(HISTORY_LIMIT).default([]).describe(`The last ${HISTORY_LIMIT} events. @default []`),
  })
  .describe('rollout.yaml: the state of the current (or last) rollout, written by `stampyard rollout`.');

export type RolloutState = z.output<typeof rolloutStateSchema>;
export type RolloutEvent = z.output<typeof rolloutEventSchema>;
export type RolloutStampRecord = z.output<typeof rolloutStampSchema>;

/** Parses rollout.yaml, reporting every problem with its file, line and column. Pure. */
export function parseRolloutState(file: SourceFile): { state?: RolloutState; issues: Issue[] } {
  const parsed = parseYamlSource(file);
  if (!parsed.source) return { issues: parsed.issues };
  const validated = validateSource(parsed.source, rolloutStateSchema);
  return validated.value ? { state: validated.value, issues: [] } : { issues: validated.issues };
}

/** Whether a rollout is under way (started, not complete). */
export function isInProgress(state: RolloutState | undefined): state is RolloutState {
  return state !== undefined && state.phase === 'progressing';
}

/** Appends an event, keeping the last HISTORY_LIMIT. */
export function withEvent(state: RolloutState, event: RolloutEvent): RolloutState {
  return { ...state, history: [...state.history, event].slice(-HISTORY_LIMIT) };
}

/** rollout.yaml's text: stable key order, no line wrapping, one revision higher than `state`'s. */
export function serializeRolloutState(state: RolloutState, schemaPath?: string): string {
  const stamps = Object.fromEntries(Object.keys(state.stamps).sort().map((name) => [name, state.stamps[name]]));
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
  };
  const modeline = schemaPath ? `# yaml-language-server: $schema=${schemaPath}\n` : '';
  return `${modeline}# Written by \`stampyard rollout\`; change it only through that command.\n${stringify(ordered, { lineWidth: 0 })}`;
}

/** A fresh state for a rollout of `version` started at `now`. */
export function newRolloutState(version: string, now: Date, previous?: RolloutState): RolloutState {
  return {
    apiVersion: API_VERSION,
    kind: 'Rollout',
    revision: previous?.revision ?? 0,
    target: { version, startedAt: now.toISOString() },
    phase: 'progressing',
    stamps: {},
    history: previous?.history ?? [],
  };
}

/** The JSON Schema of rollout.yaml, for editors (`schemas/rollout.schema.json` once synth writes it). */
export function rolloutJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rolloutStateSchema, { io: 'input' }) as Record<string, unknown>;
}
