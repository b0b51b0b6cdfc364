// rollout.yaml's format. It lives with the other file formats so one schema
// gives its type, its validation and its committed JSON Schema; libs/rollout
// owns what the state means.
import { z } from 'zod';
import { API_VERSION, semverString } from './schema.ts';

/** How many history events rollout.yaml keeps; older ones are dropped. */
export const HISTORY_LIMIT = 50;

const isoTime = z.iso.datetime({ offset: true });

export const rolloutEventSchema = z.strictObject({
  at: isoTime.describe('When it happened.'),
  event: z
    .enum([
      'started',
      'promoted',
      'halted',
      'resumed',
      'rolled-back',
      'completed',
      'aborted',
      'recovered',
      'approved',
      'excluded',
      'included',
    ])
    .describe('What happened.'),
  wave: z.int().min(0).optional().describe('The wave it concerned. @default - none'),
  stamps: z.array(z.string()).optional().describe('Stamps it changed. @default - none'),
  message: z.string().describe('A sentence for people.'),
});

export const rolloutStampSchema = z.strictObject({
  fromVersion: semverString.describe('The version the stamp ran before this rollout promoted it.'),
  promotedAt: isoTime.describe('When this rollout set the stamp to the target version.'),
  revision: z
    .int()
    .min(0)
    .optional()
    .describe(
      "rollout.yaml's revision that recorded this promotion; the bake starts when a commit with it lands. @default - unknown: the bake counts from promotedAt",
    ),
});

export const rolloutApprovalSchema = z.strictObject({
  wave: z.int().min(0).describe('The wave approved, one of fleet.yaml rollout.approval.waves.'),
  by: z.string().min(1).describe('Who approved it.'),
  at: isoTime.describe('When.'),
  reason: z.string().min(1).optional().describe('Why, for the record. @default - none'),
});

export const rolloutExclusionSchema = z.strictObject({
  reason: z.string().min(1).describe('Why the stamp is kept out of this rollout.'),
  at: isoTime.describe('When it was excluded.'),
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
      allowDowngrade: z
        .boolean()
        .optional()
        .describe("Started with --allow-downgrade: the target is lower than some stamp's version. @default false"),
    }),
    phase: z
      .enum(['progressing', 'halted', 'rolled-back', 'complete', 'aborted'])
      .describe(
        'progressing until every stamp runs the target and has baked (complete); halted by a failure or by hand; rolled-back; aborted.',
      ),
    completedAt: isoTime.optional().describe('When the rollout completed. @default - not complete'),
    halted: z
      .strictObject({ reason: z.string().min(1), at: isoTime })
      .optional()
      .describe(
        'The first reason the rollout halted (later halts are appended to history); set while halted or rolled back. @default - not halted',
      ),
    stamps: z
      .record(z.string(), rolloutStampSchema)
      .default({})
      .describe('Each stamp this rollout promoted: the version it came from and when. @default {}'),
    history: z.array(rolloutEventSchema).max(HISTORY_LIMIT).default([]).describe(`The last ${HISTORY_LIMIT} events. @default []`),
    approvals: z
      .array(rolloutApprovalSchema)
      .default([])
      .describe("Approvals of this rollout's waves (`stampyard rollout approve`); a new rollout starts with none. @default []"),
    excluded: z
      .record(z.string(), rolloutExclusionSchema)
      .default({})
      .describe('Stamps kept out of this rollout (`stampyard rollout exclude`): never promoted, never blocking a wave. @default {}'),
  })
  .describe('rollout.yaml: the state of the current (or last) rollout, written by `stampyard rollout`.');

export type RolloutState = z.output<typeof rolloutStateSchema>;
export type RolloutEvent = z.output<typeof rolloutEventSchema>;
export type RolloutStampRecord = z.output<typeof rolloutStampSchema>;
export type RolloutApproval = z.output<typeof rolloutApprovalSchema>;
export type RolloutExclusion = z.output<typeof rolloutExclusionSchema>;
