import { describe, expect, it } from 'vitest';
import { buildFleetView } from './view.ts';
import { renderMarkdown } from './markdown.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { aTroubledFleetInput } from './testing/fixtures.ts';
import type { AnalyticsInput } from './analytics.ts';

const analytics: AnalyticsInput = {
  lake: '/lake',
  zones: [
    {
      zone: 'eu',
      tables: [
        {
          question: 'top-tenants',
          columns: ['tenant', 'requests'],
          rows: [
            ['big|co', 30],
            ['<script>x</script>', 3],
          ],
        },
        { question: 'noisy-neighbours', columns: ['stamp', 'tenant', 'ratio'], rows: [] },
        { question: 'version-errors', columns: ['version', 'error_percent'], rows: [['1.5.0', 20]] },
      ],
      skipped: ['zone=eu/x.parquet: is not laid out as …'],
    },
    { zone: 'us', tables: [{ question: 'top-tenants', columns: ['tenant', 'requests'], rows: [['yank', 5]] }], skipped: [] },
  ],
};

describe('the usage section (report --lake)', () => {
  const view = buildFleetView({ ...aTroubledFleetInput(), analytics });

  it('shows each zone’s answers under its own heading, in markdown', () => {
    const md = renderMarkdown(view);
    expect(md).toContain('### Usage (analytics lake)');
    expect(md.indexOf('#### Zone eu')).toBeLessThan(md.indexOf('#### Zone us'));
    expect(md).toContain('| big\\|co | 30 |');
    expect(md).toContain('**Noisy neighbours: load share far above placement weight**\n\nNone.');
    expect(md).toContain('- skipped zone=eu/x.parquet');
  });

  it('escapes what tenants named themselves, in HTML', () => {
    const html = renderHtml(view);
    expect(html).toContain('<a href="#usage">Usage</a>');
    expect(html).toContain('&#60;script&#62;x&#60;/script&#62;');
    expect(html).not.toContain('<script>x</script>');
  });

  it('carries the answers in JSON, and nothing without --lake', () => {
    expect(JSON.parse(renderJson(view)).analytics).toEqual(analytics);
    const plain = buildFleetView(aTroubledFleetInput());
    expect(renderMarkdown(plain)).not.toContain('Usage');
    expect(renderHtml(plain)).not.toContain('id="usage"');
  });
});
