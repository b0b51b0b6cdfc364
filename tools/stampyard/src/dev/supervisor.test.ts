import { afterEach, describe, expect, it } from 'vitest';
import { stampAppSpec } from './apps.ts';
import { httpGet, isListening } from './http.ts';
import { Supervisor, isProcessAlive } from './supervisor.ts';
import { LocalStamps } from './stamps.ts';

const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stopAll()));
});

function supervisor(): Supervisor {
  const s = new Supervisor();
  supervisors.push(s);
  return s;
}

// A child that binds port 0, prints it, and ignores SIGTERM: only SIGKILL stops it.
const STUBBORN = `
const s = require('node:net').createServer().listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));
process.on('SIGTERM', () => {});`;

describe('Supervisor', () => {
  it('learns the port from the startup line and leaves no process or listener after stop', async () => {
    const sup = supervisor();
    const app = await sup.start(stampAppSpec({ stamp: 'stamp-eu-1', version: '1.4.0', port: 0, unhealthy: false }));
    const health = await httpGet(app.port, '/healthz');
    expect(JSON.parse(health.body)).toEqual({ version: '1.4.0', ready: true });
    await sup.stop(app);
    expect(isProcessAlive(app.pid)).toBe(false);
    expect(await isListening(app.port)).toBe(false);
    expect(sup.livePids).toEqual([]);
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const sup = supervisor();
    const child = await sup.start({
      name: 'stubborn',
      command: process.execPath,
      args: ['-e', STUBBORN],
      readPort: (l) => Number(/:(\d+)$/.exec(l)?.[1]) || undefined,
    });
    expect(await isListening(child.port)).toBe(true);
    await sup.stopAll(200);
    expect(isProcessAlive(child.pid)).toBe(false);
    expect(await isListening(child.port)).toBe(false);
  });

  it('reports a child that exits before listening, with its output', async () => {
    const sup = supervisor();
    await expect(
      sup.start({
        name: 'broken',
        command: process.execPath,
        args: ['-e', 'console.error("no config"); process.exit(3)'],
        readPort: () => undefined,
      }),
    ).rejects.toThrow(/broken \(pid \d+\) exited \(code 3\) before it was listening[\s\S]*no config/);
    expect(sup.livePids).toEqual([]);
  });
});

describe('LocalStamps', () => {
  it('restarts only changed stamps, on the same port, at the declared version and health', async () => {
    const stamps = new LocalStamps(supervisor());
    expect(
      await stamps.reconcile(
        new Map([
          ['a', { version: '1.4.0' }],
          ['b', { version: '1.4.0' }],
        ]),
      ),
    ).toEqual(['a', 'b']);
    const ports = stamps.upstreams();
    expect(
      await stamps.reconcile(
        new Map([
          ['a', { version: '1.5.0', unhealthy: true }],
          ['b', { version: '1.4.0' }],
        ]),
      ),
    ).toEqual(['a']);
    expect(stamps.upstreams()).toEqual(ports);
    expect(await stamps.observe()).toEqual({
      a: { status: 503, version: '1.5.0', ready: false },
      b: { status: 200, version: '1.4.0', ready: true },
    });
  });
});
