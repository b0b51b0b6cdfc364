// The dashboard in a real browser: headless Chromium, no network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildFleetView } from './view.ts';
import { renderHtml } from './html.ts';
import { aLargeFleetInput, aTroubledFleetInput } from './testing/fixtures.ts';
import { launchChromium, lowContrastText, openDashboard } from './testing/browser.ts';

describe('the HTML dashboard in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the halted wave, the zone above 80% and the straggler, and makes no network request', async () => {
    const { page, requests, close } = await openDashboard(browser, renderHtml(buildFleetView(aTroubledFleetInput())));
    try {
      const alerts = page.getByRole('region', { name: 'Needs attention' });
      expect(await alerts.getByText('Wave 1 is halted: stamp-eu-2 is unhealthy').isVisible()).toBe(true);
      expect(await page.locator('.zone-card', { hasText: 'Zone eu' }).getByText('84.8%', { exact: true }).isVisible()).toBe(true);
      expect(await page.getByRole('img', { name: 'Zone eu: 84.8% of capacity used' }).isVisible()).toBe(true);
      const straggler = page.locator('.tile', { hasText: 'stamp-us-1' });
      // Reported healthy, but a drift error (wrong version) means it is never shown green.
      expect(await straggler.innerText()).toMatch(
        /stamp-us-1\s+1\.5\.0 \(runs 1\.4\.0\) · wave 0\s+\d+ tenants? · \d+\/\d+ units\s+degraded\s+straggler · drift error/,
      );
      expect(await page.locator('#rollout td.state-halted').innerText()).toBe('halted: stamp-eu-2 is unhealthy: error rate 12% above 5%');
      expect(await page.getByRole('img', { name: /Wave progress/ }).isVisible()).toBe(true);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });

  it('records a network request when a page makes one (the check above can fail)', async () => {
    const html = renderHtml(buildFleetView(aTroubledFleetInput()))
      .replace('</main>', '<img alt="" src="http://127.0.0.1:9/probe.png"></main>')
      .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    const { requests, close } = await openDashboard(browser, html);
    try {
      expect(requests).toEqual(['http://127.0.0.1:9/probe.png']);
    } finally {
      await close();
    }
  });

  it('filters the grid, the matrix and the drift list by region, wave, version and status', async () => {
    const { page, close } = await openDashboard(browser, renderHtml(buildFleetView(aTroubledFleetInput())));
    try {
      const visibleTiles = () => page.locator('.tile:visible strong').allInnerTexts();
      expect(await visibleTiles()).toHaveLength(6);
      await page.getByLabel('Region', { exact: true }).selectOption('eastus');
      expect((await visibleTiles()).sort()).toEqual(['stamp-us-1', 'stamp-us-3']);
      expect(await page.locator('table.matrix tbody tr:visible th').allInnerTexts()).toEqual(['stamp-us-1 straggler', 'stamp-us-3']);
      // The drift list keeps this region's findings and the fleet-wide ones.
      expect(await page.locator('table.drift tbody tr:visible th').allInnerTexts()).toEqual(['stamp-us-1', 'fleet-wide']);
      // Other regions' groups are hidden entirely.
      expect(await page.locator('details.region:visible summary').allInnerTexts()).toEqual([expect.stringMatching(/^eastus/)]);
      expect(await page.locator('#filter-count').innerText()).toBe('Showing 2 of 6 stamps');

      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.getByLabel('Status', { exact: true }).selectOption('unhealthy');
      expect(await visibleTiles()).toEqual(['stamp-eu-2']);
      await page.getByLabel('Status', { exact: true }).selectOption('');
      await page.getByLabel('Wave', { exact: true }).selectOption('2');
      expect((await visibleTiles()).sort()).toEqual(['stamp-eu-3', 'stamp-us-3']);
      await page.getByLabel('Wave', { exact: true }).selectOption('');
      await page.getByLabel('Version', { exact: true }).selectOption('1.4.0');
      // Declared or observed: stamp-us-1 declares 1.5.0 but runs 1.4.0.
      expect((await visibleTiles()).sort()).toEqual(['stamp-eu-3', 'stamp-us-1', 'stamp-us-2', 'stamp-us-3']);
    } finally {
      await close();
    }
  });

  it.each(['light', 'dark'] as const)('keeps text contrast at WCAG AA (4.5:1) in %s mode, for every health word', async (colorScheme) => {
    const view = buildFleetView(aTroubledFleetInput());
    const words: Record<string, 'degraded' | 'unknown'> = { 'stamp-eu-1': 'degraded', 'stamp-eu-3': 'unknown' };
    const html = renderHtml({ ...view, stamps: view.stamps.map((s) => ({ ...s, health: words[s.name] ?? s.health })) });
    const { page, close } = await openDashboard(browser, html, { colorScheme });
    try {
      const failures = await lowContrastText(page);
      expect(failures).toEqual([]);
      expect(await page.locator('.tile .hw').allInnerTexts()).toEqual(
        expect.arrayContaining(['degraded', 'unknown', 'healthy', 'unhealthy', 'progressing']),
      );
    } finally {
      await close();
    }
  });

  it('finds low-contrast text when there is some (the check above can fail)', async () => {
    const html = renderHtml(buildFleetView(aTroubledFleetInput())).replace('</main>', '<p style="color:#ddd">faint</p></main>');
    const { page, close } = await openDashboard(browser, html, { colorScheme: 'light' });
    try {
      expect(await lowContrastText(page)).toEqual([expect.stringMatching(/^p\. "faint": 1\.\d\d$/)]);
    } finally {
      await close();
    }
  });

  it('sorts the version matrix by a header', async () => {
    const { page, close } = await openDashboard(browser, renderHtml(buildFleetView(aTroubledFleetInput())));
    try {
      const waveHeader = page.locator('table.matrix thead').getByRole('button', { name: 'Wave' });
      await waveHeader.click();
      const waves = async () => page.locator('table.matrix tbody tr td:nth-of-type(2)').allInnerTexts();
      expect(await waves()).toEqual(['0', '0', '1', '1', '2', '2']);
      await waveHeader.click();
      expect(await waves()).toEqual(['2', '2', '1', '1', '0', '0']);
      expect(await page.locator('table.matrix th[aria-sort="descending"]').innerText()).toMatch(/Wave/);
    } finally {
      await close();
    }
  });

  it('stays usable with 1,000 stamps: regions collapsed, filters still work', async () => {
    const { page, requests, close } = await openDashboard(browser, renderHtml(buildFleetView(aLargeFleetInput())));
    try {
      expect(await page.locator('.tile:visible').count()).toBe(0);
      expect(await page.locator('details.region summary').allInnerTexts()).toHaveLength(4);
      await page.getByLabel('Region', { exact: true }).selectOption('westus2');
      expect(await page.locator('#filter-count').innerText()).toBe('Showing 250 of 1000 stamps');
      expect(await page.locator('details.region:visible').count()).toBe(1);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });
});
