import { describe, expect, it } from 'vitest';
import { healthVerdict, parseHealthFile } from './report.ts';

describe('health file', () => {
  it('parses stamps and leaves missing ones unknown', () => {
    const report = parseHealthFile('{"stamps":{"a":{"ready":true,"version":"1.5.0"},"b":{"ready":false,"version":"1.5.0"},"c":{"ready":true,"version":"1.4.0"}}}', 'h.json');
    expect(['a', 'b', 'c', 'd'].map((s) => healthVerdict(report, s, '1.5.0'))).toEqual(['healthy', 'unready', 'wrong-version', 'unknown']);
  });

  const invalid = [
    { name: 'broken JSON', text: '{"stamps":', error: /h\.json:1:1 \(json\): .*fix the JSON syntax/ },
    { name: 'ready not a boolean', text: '{"stamps":{"a":{"ready":"yes"}}}', error: /h\.json:1:1 stamps\.a\.ready: .*expected \{ "stamps"/ },
    { name: 'no stamps key', text: '{"a":{"ready":true}}', error: /stamps: / },
  ];
  it.each(invalid)('rejects $name naming the file and field', ({ text, error }) => {
    expect(() => parseHealthFile(text, 'h.json')).toThrow(error);
  });
});
