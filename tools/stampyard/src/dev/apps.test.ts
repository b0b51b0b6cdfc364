import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayAdminPort, gatewaySpec, portFromStartupLine } from './apps.ts';

describe('portFromStartupLine', () => {
  it.each([
    {
      line: '{"msg":"listening","stamp":"stamp-eu-1","version":"1.4.0","host":"127.0.0.1","port":40123,"url":"http://127.0.0.1:40123"}',
      port: 40123,
    },
    { line: '{"level":30,"msg":"listening","url":"http://127.0.0.1:5123"}', port: 5123 },
    { line: '{"level":60,"port":8080,"msg":"cannot start"}', port: undefined },
    { line: 'gateway listening on http://127.0.0.1:8081', port: 8081 },
    { line: '{"level":30,"msg":"proxying to http://127.0.0.1:4000"}', port: undefined },
    { line: 'starting', port: undefined },
    { line: '{"msg":"listening","port":0}', port: undefined },
  ])('$line → $port', ({ line, port }) => {
    expect(portFromStartupLine(line)).toBe(port);
  });
});

describe('the gateway in the local fleet', () => {
  it('gets a free admin port and a ready file; readiness is read from the admin port the ready file names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stampyard-dev-apps-'));
    try {
      const readyFile = join(dir, 'gateway-ready.json');
      const spec = gatewaySpec({ table: 't', upstreams: 'u', port: 0, readyFile });
      expect(spec.args.join(' ')).toContain(`--admin-port 0 --ready-file ${readyFile}`);
      await expect(gatewayAdminPort(readyFile, 100)).rejects.toThrow(/no ready file/);
      await writeFile(readyFile, JSON.stringify({ port: 8080, adminPort: 9090, revision: 'sha256:x' }));
      expect(await gatewayAdminPort(readyFile, 100)).toBe(9090);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
