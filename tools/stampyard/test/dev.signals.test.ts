// Ctrl-C during `stampyard dev` (the real bin, a real process): every child stops, exit 130.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../src/context.ts';
import { isListening } from '../src/dev/http.ts';

/** Pids of stamp-app and gateway processes whose parent is `pid`, from /proc. */
function appChildrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === pid && /stamp-app\.mjs|stampyard-gateway|prometheus/.test(command)) children.push(Number(entry));
    } catch {
      // Gone while reading.
    }
  }
  return children;
}

describe('stampyard dev on SIGINT', () => {
  it('stops every stamp-app and the gateway and exits 130', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'stampyard-dev-sigint-'));
    const child = spawn(
      process.execPath,
      [join(REPOSITORY_ROOT, 'tools/stampyard/bin/stampyard.mjs'), 'dev', '--out-dir', outDir, '--bake-scale', '60'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stderr = '';
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once the fleet is up: the routing table printed, the rollout under way.
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('==> Roll out')) resolve();
      });
      void exited.then(() => reject(new Error(`exited before the rollout started:\n${stderr}`)));
    });
    const ports = [...stderr.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    const pids = appChildrenOf(child.pid!);
    // 8 stamp-apps and the gateway, and Prometheus where it is installed (it prints its URL too).
    const prometheus = /^\s*prometheus\s+http:/m.test(stderr);
    expect(ports.length).toBe(prometheus ? 10 : 9);
    expect(pids.length).toBe(prometheus ? 10 : 9);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    for (const port of ports) expect(await isListening(port), `port ${port}`).toBe(false);
    expect(stderr).toContain('SIGINT: stopping every process');
    await rm(outDir, { recursive: true, force: true });
  }, 90_000);
});
