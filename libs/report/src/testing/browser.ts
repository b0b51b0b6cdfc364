// Opens a dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// and records every network request it makes, which must be none.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Chromium, failing loudly when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it with \`apt-get install -y chromium\` (CI's .ci/run does) or set CHROMIUM_PATH`);
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
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (/^(file|data|about):/.test(url)) return route.continue();
    if (!requests.includes(url)) requests.push(url);
    return route.abort();
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!/^(file|data|about):/.test(url) && !requests.includes(url)) requests.push(url);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return {
    page,
    requests,
    close: async () => {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
