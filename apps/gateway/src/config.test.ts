import { describe, expect, it } from 'vitest';
import { GATEWAY_FLAGS, parseGatewayConfig, parseUpstreams } from './config.ts';

describe('parseGatewayConfig', () => {
  it('applies defaults', () => {
    const result = parseGatewayConfig(['--table', 't.json'], {});
    expect(result.ok && result.config).toMatchObject({
      table: 't.json',
      port: 8080,
      host: '127.0.0.1',
      identify: ['host', 'header'],
      tenantHeader: 'x-tenant-id',
      maxConcurrentPerStamp: 256,
    });
  });

  it('reads the environment, and flags win', () => {
    const result = parseGatewayConfig(['--port', '9000'], {
      STAMPYARD_GATEWAY_TABLE: '/etc/table',
      STAMPYARD_GATEWAY_PORT: '1',
      STAMPYARD_GATEWAY_JWKS: 'k.json',
    });
    expect(result.ok && result.config).toMatchObject({
      table: '/etc/table',
      port: 9000,
      jwksFile: 'k.json',
      identify: ['host', 'header', 'token'],
    });
  });

  it('has an environment variable for every flag', () => {
    expect(
      GATEWAY_FLAGS.every((f) => f.env === `STAMPYARD_GATEWAY_${f.flags.split(' ')[0]!.slice(2).toUpperCase().replaceAll('-', '_')}`),
    ).toBe(true);
  });

  it.each([
    { name: 'missing table', argv: [], expectedError: '--table <path> is required' },
    {
      name: 'bad port',
      argv: ['--table', 't', '--port', '99999'],
      expectedError: '--port must be an integer from 0 to 65535, received "99999"',
    },
    {
      name: 'token without a key',
      argv: ['--table', 't', '--identify', 'token'],
      expectedError: '--identify includes token but no key is set',
    },
    {
      name: 'two keys',
      argv: ['--table', 't', '--jwks', 'a', '--jwt-public-key', 'b'],
      expectedError: 'give either --jwt-public-key or --jwks, not both',
    },
    {
      name: 'zero bulkhead',
      argv: ['--table', 't', '--max-concurrent-per-stamp', '0'],
      expectedError: '--max-concurrent-per-stamp must be an integer from 1',
    },
    { name: 'unknown flag', argv: ['--table', 't', '--nope'], expectedError: "unknown option '--nope'" },
  ])('rejects $name', ({ argv, expectedError }) => {
    const result = parseGatewayConfig(argv, {});
    expect(!result.ok && result.error).toContain(expectedError);
  });
});

describe('parseUpstreams', () => {
  it('reads stamp → URL', () => {
    expect(parseUpstreams('{"stamp-eu-1":"http://127.0.0.1:9101"}', 'u.json')).toEqual(new Map([['stamp-eu-1', 'http://127.0.0.1:9101']]));
  });
  it.each([
    { text: '[', expected: 'u.json: not valid JSON' },
    { text: '[]', expected: 'u.json: must be a JSON object' },
    { text: '{"s":"ftp://x"}', expected: 'u.json: s: must be an http(s) base URL, received "ftp://x"' },
  ])('rejects $text', ({ text, expected }) => expect(parseUpstreams(text, 'u.json')).toContain(expected));
});
