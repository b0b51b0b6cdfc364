import { describe, expect, it } from 'vitest';
import { main } from './main.ts';

describe('main exit codes (before listening)', () => {
  it.each([
    { name: 'usage error', argv: ['--port', 'x'], env: {}, code: 2 },
    { name: 'missing table', argv: [], env: {}, code: 2 },
    {
      name: 'unreadable --upstreams',
      argv: ['--table', 't.json', '--upstreams', '/nonexistent/upstreams.json', '--log-level', 'silent'],
      env: {},
      code: 1,
    },
    { name: 'unreadable key', argv: ['--table', 't.json', '--jwks', '/nonexistent/jwks.json', '--log-level', 'silent'], env: {}, code: 1 },
  ])('$name → $code', async ({ argv, env, code }) => {
    expect(await main(argv, env)).toBe(code);
  });
});
