import { describe, expect, it } from 'vitest';
import { classifyUpstreamError } from './upstream-errors.ts';

describe('classifyUpstreamError', () => {
  it.each([
    { error: { code: 'ECONNREFUSED' }, status: 502, code: 'stamp-unreachable', verdict: 'connect-failure' },
    { error: { code: 'ENOTFOUND' }, status: 502, code: 'stamp-unreachable', verdict: 'connect-failure' },
    { error: { code: 'UND_ERR_CONNECT_TIMEOUT' }, status: 504, code: 'stamp-timeout', verdict: 'connect-failure' },
    { error: { code: 'UND_ERR_HEADERS_TIMEOUT' }, status: 504, code: 'stamp-timeout', verdict: 'failure' },
    { error: { code: 'UND_ERR_BODY_TIMEOUT' }, status: 504, code: 'stamp-timeout', verdict: 'failure' },
    { error: { code: 'ECONNRESET' }, status: 502, code: 'stamp-unreachable', verdict: 'failure' },
    { error: { code: 'UND_ERR_SOCKET', message: 'other side closed' }, status: 502, code: 'stamp-unreachable', verdict: 'failure' },
    { error: {}, status: 502, code: 'stamp-unreachable', verdict: 'failure' },
    {
      error: { code: 'UND_ERR_SOCKET', message: 'bad response' },
      status: 502,
      code: 'stamp-bad-response',
      verdict: 'success',
      anomaly: 'unsolicited-100-continue',
    },
    {
      error: { code: 'UND_ERR_SOCKET', message: 'bad upgrade' },
      status: 502,
      code: 'stamp-bad-response',
      verdict: 'success',
      anomaly: 'unsolicited-upgrade',
    },
    {
      error: { code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' },
      status: 502,
      code: 'stamp-bad-response',
      verdict: 'success',
      anomaly: 'content-length-mismatch',
    },
    { error: { code: 'ERR_INVALID_CHAR' }, status: 502, code: 'stamp-bad-response', verdict: 'success', anomaly: 'invalid-header' },
    {
      error: { code: 'HPE_INVALID_HEADER_TOKEN' },
      status: 502,
      code: 'stamp-bad-response',
      verdict: 'success',
      anomaly: 'malformed-response',
    },
  ] as { error: { code?: string; message?: string }; status: number; code: string; verdict: string; anomaly?: string }[])(
    '$error.code $error.message → $status $verdict',
    ({ error, status, code, verdict, anomaly }) => {
      const failure = classifyUpstreamError(error, 'stamp-1');
      expect(failure).toMatchObject({ status, code, verdict });
      expect(failure.anomaly).toBe(anomaly);
      expect(failure.message).toContain('stamp-1');
    },
  );
});
