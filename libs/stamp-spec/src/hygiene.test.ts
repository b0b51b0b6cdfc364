import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeControl, escapeMarkdown, neutralizeWorkflowCommands, quoteValue, redactSecrets, safeText, truncateText } from './hygiene.ts';
import { closestMatch } from './suggest.ts';

describe('output hygiene', () => {
  it.each([
    ['newline', 'a\nb', 'a\\nb'],
    ['ANSI escape', '\u001b[31mred', '\\x1b[31mred'],
    ['carriage return', 'ok\rFAIL', 'ok\\rFAIL'],
    ['NUL and DEL', '\u0000\u007f', '\\x00\\x7f'],
    ['line separator', 'a\u2028b', 'a\\u2028b'],
  ])('escapes %s', (_name, input, expected) => {
    expect(escapeControl(input)).toBe(expected);
  });

  it.each([
    ['::warning file=README.md::owned', '\\x3a:warning file=README.md::owned'],
    ['  ::add-mask::x', '  \\x3a:add-mask::x'],
    ['##[error]boom', '\\x23#[error]boom'],
    ['stamps/a.yaml:1:1 fine', 'stamps/a.yaml:1:1 fine'],
  ])('no line of %j starts a workflow command', (input, expected) => {
    expect(neutralizeWorkflowCommands(input)).toBe(expected);
  });

  it('safe text is one line that never starts a workflow command, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const out = safeText(text);
        expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(out.trimStart().startsWith('::')).toBe(false);
        expect(out.trimStart().startsWith('##[')).toBe(false);
      }),
    );
  });

  it.each([
    [
      'URL userinfo',
      'https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com/acme/fleet',
      'https://[redacted]@github.com/acme/fleet',
    ],
    ['GitHub token', 'token ghp_0123456789abcdefghijABCDEFGHIJ0123 here', 'token [redacted token] here'],
    ['password pair', 'password=hunter2', 'password=[redacted]'],
    ['AWS key', 'AKIAABCDEFGHIJKLMNOP', '[redacted key]'],
  ])('redacts %s', (_name, input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('leaves digests and versions alone', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(redactSecrets(`ghcr.io/acme/api:1.4.0@${digest}`)).toBe(`ghcr.io/acme/api:1.4.0@${digest}`);
  });

  it('cuts a received value to about 80 characters', () => {
    const text = quoteValue('root:x:0:0:root:/root:/bin/bash\n'.repeat(40));
    expect(text.length).toBeLessThan(130);
    expect(text).toContain('… (');
    expect(text).not.toContain('\n');
    expect(truncateText('short')).toBe('short');
  });

  it('Markdown: no link, image, HTML, mention or autolink comes through', () => {
    const out = escapeMarkdown('![x](https://evil.example/p.png) [click](http://a) <img src=x onerror=alert(1)> @octocat #12\nnext');
    expect(out).not.toMatch(/(^|[^\\])!\[|(^|[^\\])\]\(|<img|@octocat|https?:\/\/|\n/);
    expect(out).toContain('@&#8203;octocat');
    expect(out).toContain('&lt;img');
  });

  it('Markdown escaping never lets a tag or link through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const out = escapeMarkdown(text);
        expect(out).not.toMatch(/<[a-z/!]/i);
        expect(out).not.toMatch(/(^|[^\\])\]\(/);
        expect(out).not.toContain('\n');
      }),
    );
  });
});

describe('near-miss suggestions', () => {
  it.each([
    ['westeurop', ['westeurope', 'northeurope'], 'westeurope'],
    ['WestEurope', ['westeurope'], 'westeurope'],
    ['mediun', ['small', 'medium', 'large'], 'medium'],
    ['mars', ['eastus', 'westus2'], undefined],
    ['x'.repeat(10_000), ['eastus'], undefined],
  ])('%s → %s', (value, candidates, expected) => {
    expect(closestMatch(value, candidates)).toBe(expected);
  });
});
