import { describe, expect, it } from 'vitest';
import { NO_HEALTH, healthSourceProblem, healthVerdict, parseHealthFile, type HealthReport } from './report.ts';

describe('health file', () => {
  it('parses stamps and leaves missing ones unknown', () => {
    const report = parseHealthFile(
      '{"stamps":{"a":{"ready":true,"version":"1.5.0"},"b":{"ready":false,"version":"1.5.0"},"c":{"ready":true,"version":"1.4.0"}}}',
      'h.json',
    );
    expect(['a', 'b', 'c', 'd'].map((s) => healthVerdict(report, s, '1.5.0'))).toEqual(['healthy', 'unready', 'wrong-version', 'unknown']);
  });

  const invalid = [
    { name: 'broken JSON', text: '{"stamps":', error: /h\.json:1:1 \(json\): .*fix the JSON syntax/ },
    {
      name: 'ready not a boolean',
      text: '{"stamps":{"a":{"ready":"yes"}}}',
      error: /h\.json:1:1 stamps\.a\.ready: .*expected \{ "stamps"/,
    },
    { name: 'no stamps key', text: '{"a":{"ready":true}}', error: /stamps: / },
  ];
  it.each(invalid)('rejects $name naming the file and field', ({ text, error }) => {
    expect(() => parseHealthFile(text, 'h.json')).toThrow(error);
  });
});

describe('health file stamps and failing sources', () => {
  it('refuses a stamp the fleet does not have, at its line, with the near miss', () => {
    const text = '{\n  "stamps": {\n    "stamp-eu-l": { "ready": true }\n  }\n}\n';
    expect(() => parseHealthFile(text, 'health.json', ['stamp-eu-1', 'stamp-us-1'])).toThrow(
      "health.json:3:5 stamps.stamp-eu-l: 'stamp-eu-l' is not a stamp of this fleet; did you mean 'stamp-eu-1'? use a name from stamps/, or remove the entry",
    );
  });

  it.each([
    ['no source', NO_HEALTH, 'no health source, so every stamp is unknown; pass --health <file.json|flux|http>'],
    [
      'flux without contexts',
      {
        source: 'flux',
        stamps: {},
        unknown: {
          'stamp-a': 'kubectl failed: error: context "stamp-a" does not exist',
          'stamp-b': 'kubectl failed: error: context "stamp-b" does not exist',
        },
      },
      'health source flux answered for no stamp: kubectl failed: error: context "<stamp>" does not exist',
    ],
    ['one stamp known', { source: 'flux', stamps: { 'stamp-a': { ready: true } } }, undefined],
  ])('%s', (_name, report: HealthReport, expected) => {
    expect(healthSourceProblem(report, ['stamp-a', 'stamp-b'])).toBe(expected);
  });
});
