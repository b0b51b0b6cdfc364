// The example fleet's dashboard, rendered by the real command and opened in headless Chromium.
// Saves docs/dashboard.png (shown in the README) and a dark-mode screenshot under dist/report/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { launchChromium, openDashboard } from '@stampyard/report/testing';
import { REPOSITORY_ROOT } from '../context.ts';
import { runCli } from '../testing/run.ts';

describe('the example fleet dashboard in Chromium', () => {
  let browser: Browser;
  let repo: TempRepo;
  let html: string;
  beforeAll(async () => {
    browser = await launchChromium();
    repo = await copyExampleFleet();
    // Every stamp reports ready at its declared version, except one canary still starting.
    const stamps = ['stamp-eu-1', 'stamp-eu-2', 'stamp-eu-3', 'stamp-eu-4', 'stamp-eu-fabrikam', 'stamp-us-1', 'stamp-us-2', 'stamp-us-3'];
    const health = Object.fromEntries(
      stamps.map((s) => [
        s,
        s === 'stamp-us-1' ? { ready: false, version: '1.4.0', detail: 'api 2/3 ready' } : { ready: true, version: '1.4.0' },
      ]),
    );
    await writeFile(join(repo.root, 'health.json'), JSON.stringify({ stamps: health }));
    const out = join(repo.root, 'report.html');
    // From the fleet's folder, so the page names the health file as a person would pass it.
    const cwd = process.cwd();
    process.chdir(repo.root);
    const run = await runCli([
      'report',
      '--now',
      '2026-11-28T12:00:00Z',
      '--skip-rendered',
      '--health',
      'health.json',
      '--format',
      'html',
      '--out',
      out,
    ]).finally(() => process.chdir(cwd));
    expect(run.exitCode, run.stderr).toBe(0);
    html = await readFile(out, 'utf8');
  });
  afterAll(async () => {
    await browser?.close();
    await repo?.cleanup();
  });

  it('shows every stamp with a text label and makes no network request (light, saved to docs/dashboard.png)', async () => {
    const { page, requests, close } = await openDashboard(browser, html, { colorScheme: 'light' });
    try {
      expect(await page.locator('.tile').count()).toBe(8);
      expect(await page.locator('.tile', { hasText: 'stamp-us-1' }).innerText()).toMatch(
        /stamp-us-1\s+1\.4\.0 · wave 0\s+\d+ tenants? · \d+\/\d+ units\s+unhealthy/,
      );
      expect(await page.locator('.zone-card', { hasText: 'Zone eu' }).innerText()).toMatch(/84\.7%/);
      expect(await page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")).toBe(false);
      await mkdir(join(REPOSITORY_ROOT, 'docs'), { recursive: true });
      await page.screenshot({ path: join(REPOSITORY_ROOT, 'docs/dashboard.png'), fullPage: true });
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });

  it('switches to the dark palette with prefers-color-scheme: dark (saved to dist/report/dashboard-dark.png)', async () => {
    const { page, requests, close } = await openDashboard(browser, html, { colorScheme: 'dark' });
    try {
      const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
      expect(background).toBe('rgb(13, 17, 23)');
      await mkdir(join(REPOSITORY_ROOT, 'dist/report'), { recursive: true });
      await page.screenshot({ path: join(REPOSITORY_ROOT, 'dist/report/dashboard-dark.png'), fullPage: true });
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });
});
