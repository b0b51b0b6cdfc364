import { describe, expect, it } from 'vitest';
import { buildFleetView } from './view.ts';
import { renderHtml } from './html.ts';
import { aLargeFleetInput, aTroubledFleetInput } from './testing/fixtures.ts';

describe('renderHtml', () => {
  const html = renderHtml(buildFleetView(aTroubledFleetInput()));

  it('is one self-contained file: no external URL, stylesheet link, image or script source', () => {
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'`);
    expect(html).toMatch(/^<!doctype html>/);
  });

  it('has landmarks, headings, semantic tables and both colour schemes', () => {
    for (const tag of ['<header>', '<nav aria-label="Sections">', '<main>', '<footer>', '<h1>', '<h2 id="matrix-h">'])
      expect(html).toContain(tag);
    expect(html).toContain('<th scope="col"><button type="button" data-col="0">Stamp</button></th>');
    expect(html).toContain('<th scope="row">stamp-eu-1</th>');
    expect(html).toContain('@media (prefers-color-scheme: dark)');
    expect(html).toMatch(/<svg class="waves" role="img" aria-labelledby="waves-title"/);
  });

  it('labels every tile in text: name, version and health word', () => {
    const tiles = html.match(/<li class="tile [^]*?<\/li>/g) ?? [];
    expect(tiles).toHaveLength(6);
    for (const t of tiles)
      expect(t).toMatch(
        /<strong>stamp-[a-z]+-\d<\/strong><span>1\.\d\.0( \(runs 1\.\d\.0\))? · wave \d<\/span><span class="load">\d+ tenants? · \d+\/\d+ units<\/span><span class="hw">(healthy|unhealthy|progressing|degraded)<\/span>/,
      );
    // Reported healthy, but drift found it running the wrong version: never green.
    expect(html).toMatch(
      /<strong>stamp-us-1<\/strong><span>1.5.0 \(runs 1.4.0\) · wave 0<\/span><span class="load">[^<]*<\/span><span class="hw">degraded<\/span><span class="flag">straggler · drift error<\/span>/,
    );
  });

  it('escapes text from the files', () => {
    const input = aTroubledFleetInput();
    const out = renderHtml(
      buildFleetView({ ...input, drift: [{ stamp: null, kind: 'k', severity: 'error', message: '<img src=x onerror=alert(1)>' }] }),
    );
    expect(out).not.toContain('<img src=x');
    expect(out).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('stays under 2 MB with 1,000 stamps and 100,000 tenants, collapsing big regions and never listing tenants', () => {
    const big = renderHtml(buildFleetView(aLargeFleetInput()));
    expect(Buffer.byteLength(big)).toBeLessThan(2 * 1024 * 1024);
    expect(big).not.toContain('tenant-99999');
    expect((big.match(/<details class="region" data-group open>/g) ?? []).length).toBe(0);
    expect((big.match(/<details class="region" data-group>/g) ?? []).length).toBe(4);
    expect(big).toContain('<details><summary>Every stamp (1,000)</summary>');
    expect(big).toContain('100,000 tenants');
    expect(big).not.toContain('<summary>Every finding');
    const manyFindings = renderHtml(
      buildFleetView({
        ...aLargeFleetInput(10, 10),
        drift: Array.from({ length: 51 }, (_, i) => ({ stamp: null, kind: 'k', severity: 'warning' as const, message: `m${i}` })),
      }),
    );
    expect(manyFindings).toContain('<details><summary>Every finding (51)</summary>');
  });
});
