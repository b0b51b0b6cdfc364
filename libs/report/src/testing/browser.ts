// Opens a dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// and records every network request it makes, which must be none.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium, failing loudly when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}; install it with \`apt-get install -y chromium\` (CI's .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, headless: true });
}

export interface OpenDashboard {
  readonly page: Page;
  /** URLs the page requested beyond its own file:, data: and about: loads. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Writes the HTML to a temp file and opens it from file://, blocking and recording any other request. */
export async function openDashboard(
  browser: Browser,
  html: string,
  options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<OpenDashboard> {
  const dir = await mkdtemp(join(tmpdir(), 'stampyard-dashboard-'));
  const file = join(dir, 'index.html');
  await writeFile(file, html);
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const pageUrl = pathToFileURL(file).href;
  // Only the page itself, inline data and about:blank; any other file is a dependency the page must not have.
  const isOwn = (url: string) => url === pageUrl || /^(data|about):/.test(url);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isOwn(url)) return route.continue();
    if (!requests.includes(url)) requests.push(url);
    return route.abort();
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!isOwn(url) && !requests.includes(url)) requests.push(url);
  });
  await page.goto(pageUrl, { waitUntil: 'load' });
  return {
    page,
    requests,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs in the page: every visible element with its own text whose contrast against its
 * effective background is below WCAG AA (4.5:1). A string, so this package needs no DOM types.
 */
const LOW_CONTRAST_SCRIPT = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      const parts = rgb(bg);
      if (parts.length === 3 || (parts.length === 4 && parts[3] > 0)) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  const out = [];
  for (const el of document.querySelectorAll('main *, header *, footer *')) {
    if (el.closest('svg') || !el.offsetParent) continue;
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '')) continue;
    const fg = lum(rgb(getComputedStyle(el).color));
    const bg = lum(rgb(background(el)));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) out.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '": ' + ratio.toFixed(2));
  }
  return out;
})()`;

/** Text on the page below WCAG AA contrast, described; empty when all of it passes. */
export async function lowContrastText(page: Page): Promise<string[]> {
  return (await page.evaluate(LOW_CONTRAST_SCRIPT)) as string[];
}
