// Real stamp-app processes on loopback for tests: start, send traffic, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../../apps/stamp-app/bin/stampyard-stamp-app.mjs', import.meta.url));

export interface RunningStampApp {
  readonly stamp: string;
  readonly url: string;
  /** The usage endpoint: `<admin url>/usage`. */
  readonly usageUrl: string;
  readonly stop: () => Promise<void>;
}

/** Starts `stampyard-stamp-app --port 0 --admin-port 0` and waits for its startup line. */
export async function startStampApp(stamp: string, version: string, extraArgs: readonly string[] = []): Promise<RunningStampApp> {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, '--stamp', stamp, '--version', version, '--port', '0', '--admin-port', '0', ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const started = JSON.parse(line) as { url: string; adminUrl: string };
  return {
    stamp,
    url: started.url,
    usageUrl: `${started.adminUrl}/usage`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Sends `count` requests as `tenant` (POST with `bodyBytes` of body; `fail` asks for a 500). */
export async function sendRequests(
  app: RunningStampApp,
  tenant: string,
  count: number,
  options: { bodyBytes?: number; fail?: boolean } = {},
): Promise<void> {
  const body = 'x'.repeat(options.bodyBytes ?? 0);
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${app.url}/orders${options.fail ? '?fail=1' : ''}`, {
      method: 'POST',
      body,
      headers: { 'x-stampyard-tenant': tenant },
    });
    await response.arrayBuffer();
  }
}
