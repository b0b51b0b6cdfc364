import { describe, expect, it } from 'vitest';
import { parseStampAppConfig } from './config.ts';

describe('parseStampAppConfig', () => {
  it('reads flags, with defaults for the rest', () => {
    const result = parseStampAppConfig(['--stamp', 'stamp-eu-1', '--port', '0'], {});
    expect(result).toEqual({
      ok: true,
      config: {
        stamp: 'stamp-eu-1',
        version: '0.0.0',
        port: 0,
        host: '127.0.0.1',
        unhealthy: false,
        delayMs: 0,
        hang: false,
        usagePeriodSeconds: 3600,
        errorPercent: 0,
      },
    });
  });

  it('reads the environment, and flags win over it', () => {
    const result = parseStampAppConfig(['--version', '2.0.0'], {
      STAMP_APP_STAMP: 's1',
      STAMP_APP_VERSION: '1.0.0',
      STAMP_APP_UNHEALTHY: '1',
      STAMP_APP_DELAY_MS: '5',
    });
    expect(result.ok && result.config).toMatchObject({ stamp: 's1', version: '2.0.0', unhealthy: true, delayMs: 5 });
    const admin = parseStampAppConfig(['--stamp', 's', '--error-percent', '20'], { ADMIN_PORT: '9100', STAMP_APP_ERROR_PERCENT: '90' });
    expect(admin.ok && admin.config).toMatchObject({ adminPort: 9100, errorPercent: 20 });
  });

  it('reads the admin port from ADMIN_PORT', () => {
    const result = parseStampAppConfig(['--stamp', 's'], {
      ADMIN_PORT: '9090',
      STAMP_APP_USAGE_PERIOD_SECONDS: '60',
      STAMP_APP_ERROR_PERCENT: '5',
    });
    expect(result.ok && result.config).toMatchObject({ adminPort: 9090, usagePeriodSeconds: 60, errorPercent: 5 });
  });

  const invalid = [
    { name: 'missing stamp', argv: [], expectedError: '--stamp <name> is required' },
    {
      name: 'port out of range',
      argv: ['--stamp', 's', '--port', '70000'],
      expectedError: '--port must be an integer from 0 to 65535, received "70000"',
    },
    { name: 'port not a number', argv: ['--stamp', 's', '--port', 'x'], expectedError: '--port must be an integer' },
    {
      name: 'negative delay',
      argv: ['--stamp', 's', '--delay-ms=-1'],
      expectedError: '--delay-ms must be an integer from 0 to 3600000, received "-1"',
    },
    {
      name: 'zero-length usage period',
      argv: ['--stamp', 's', '--usage-period-seconds', '0'],
      expectedError: '--usage-period-seconds must be an integer from 1 to 86400, received "0"',
    },
    { name: 'unknown flag', argv: ['--stamp', 's', '--nope'], expectedError: "Unknown option '--nope'" },
    {
      name: 'admin port out of range',
      argv: ['--stamp', 's', '--admin-port', '65536'],
      expectedError: '--admin-port must be an integer from 0 to 65535, received "65536"',
    },
    {
      name: 'error percent above 100',
      argv: ['--stamp', 's', '--error-percent', '150'],
      expectedError: '--error-percent: error percent must be a whole number from 0 to 100, such as 5, received "150"',
    },
  ];
  it.each(invalid)('rejects $name', ({ argv, expectedError }) => {
    const result = parseStampAppConfig(argv, {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(expectedError);
  });
});
