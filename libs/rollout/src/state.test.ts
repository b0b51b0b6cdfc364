import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, newRolloutState, parseRolloutState, rolloutJsonSchema, serializeRolloutState, withEvent } from './state.ts';
import { setStampVersion } from './stamp-edit.ts';

const valid = `apiVersion: stampyard.dev/v1alpha1
kind: Rollout
revision: 3
target:
  version: 1.5.0
  startedAt: 2026-11-02T09:00:00.000Z
phase: progressing
stamps:
  stamp-eu-1: { fromVersion: 1.4.0, promotedAt: "2026-11-02T09:00:00.000Z" }
history: []
`;

describe('rollout.yaml', () => {
  it('parses and round-trips through serialize', () => {
    const { state, issues } = parseRolloutState({ path: 'rollout.yaml', text: valid });
    expect(issues).toEqual([]);
    const again = parseRolloutState({ path: 'rollout.yaml', text: serializeRolloutState(state!) });
    expect(again.state).toEqual(state);
  });

  const cases = [
    {
      name: 'a bad version',
      edit: (t: string) => t.replace('version: 1.5.0', 'version: one'),
      expected: /rollout\.yaml:5:12 target\.version: must be a semantic version/,
    },
    {
      name: 'a negative revision',
      edit: (t: string) => t.replace('revision: 3', 'revision: -1'),
      expected: /rollout\.yaml:3:11 revision: .*received -1/,
    },
    {
      name: 'an unknown phase',
      edit: (t: string) => t.replace('phase: progressing', 'phase: paused'),
      expected: /rollout\.yaml:7:8 phase: .*"paused"/,
    },
    { name: 'an unknown field', edit: (t: string) => `${t}paused: true\n`, expected: /rollout\.yaml:11:1 paused: unknown field 'paused'/ },
    {
      name: 'a bad time',
      edit: (t: string) => t.replace('promotedAt: "2026-11-02T09:00:00.000Z"', 'promotedAt: yesterday'),
      expected: /rollout\.yaml:9:49 stamps\.stamp-eu-1\.promotedAt/,
    },
    {
      name: 'broken YAML',
      edit: (t: string) => t.replace('phase: progressing', 'phase: [progressing'),
      expected: /rollout\.yaml:\d+:\d+ \(yaml\)/,
    },
  ];
  it.each(cases)('reports $name with file, line and column', ({ edit, expected }) => {
    const { state, issues } = parseRolloutState({ path: 'rollout.yaml', text: edit(valid) });
    expect(state).toBeUndefined();
    expect(issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`).join('\n')).toMatch(expected);
  });

  it('keeps only the last HISTORY_LIMIT events', () => {
    let state = newRolloutState('1.5.0', new Date('2026-11-02T00:00:00Z'));
    for (let i = 0; i < HISTORY_LIMIT + 7; i++)
      state = withEvent(state, { at: '2026-11-02T00:00:00.000Z', event: 'promoted', message: `step ${i}` });
    expect(state.history).toHaveLength(HISTORY_LIMIT);
    expect(state.history[0]?.message).toBe('step 7');
  });
});

describe('setStampVersion', () => {
  it('changes only spec.version, keeping comments and layout', () => {
    const text = `# yaml-language-server: $schema=../schemas/stamp.schema.json
apiVersion: stampyard.dev/v1alpha1
kind: Stamp
metadata:
  name: stamp-eu-1
spec:
  region: westeurope # primary
  wave: 0
  version: 1.4.0 # bumped by rollout
  network: { cidr: 10.1.0.0/16 }
`;
    expect(setStampVersion(text, '1.5.0')).toBe(text.replace('version: 1.4.0', 'version: 1.5.0'));
  });
});

describe('rolloutJsonSchema', () => {
  it('describes rollout.yaml for editors', () => {
    const schema = rolloutJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['apiVersion', 'kind', 'revision', 'target', 'phase', 'stamps', 'history']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['revision', 'target', 'phase']));
  });
});
