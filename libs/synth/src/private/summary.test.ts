import { describe, expect, it } from 'vitest';
import { formatSummary, summarizeNameStatus } from './summary.ts';

describe('the CI step summary', () => {
  const diff = [
    'A\tstamps/stamp-eu-9.yaml',
    'M\tstamps/stamp-eu-1.yaml',
    'D\tstamps/stamp-us-3.yaml',
    'A\trendered/stamps/stamp-eu-9/apps/manifests.yaml',
    'A\trendered/clusters/stamp-eu-9/manifests.yaml',
    'M\trendered/stamps/stamp-eu-1/apps/manifests.yaml',
    'D\trendered/stamps/stamp-us-3/data/manifests.yaml',
    'M\trendered/routing/table/routing-shard-003.json',
    'M\trendered/global/manifests.yaml',
    'M\tschemas/stamp.schema.json',
    '',
  ].join('\n');

  it('lists stamps added, changed and removed, and rendered files changed per stamp', () => {
    const summary = summarizeNameStatus(diff);
    expect(summary).toMatchObject({ added: ['stamp-eu-9'], changed: ['stamp-eu-1'], removed: ['stamp-us-3'] });
    expect(Object.fromEntries(summary.rendered)).toEqual({
      'stamp-eu-9': 2,
      'stamp-eu-1': 1,
      'stamp-us-3': 1,
      'rendered/routing': 1,
      'rendered/global': 1,
      schemas: 1,
    });
    const markdown = formatSummary(summary, '0123456789abcdef');
    expect(markdown).toContain('- Stamps added: `stamp-eu-9`');
    expect(markdown).toContain('| `stamp-eu-9` | 2 |');
    expect(markdown.split('\n')[0]).toBe('## Stamps and rendered output versus `0123456789ab`');
  });

  it('says so when nothing rendered changed', () => {
    expect(formatSummary(summarizeNameStatus(''), 'main')).toContain('No rendered files changed.');
  });
});
