import { describe, expect, it } from 'vitest';
import { expiredLimit, sweepIntervalMs, type ExchangeProgress } from './client-limits.ts';

const limits = { requestBodyTimeoutMs: 100, requestTimeoutMs: 1000, clientWriteTimeoutMs: 300 };
const base: ExchangeProgress = { startedMs: 0, requestComplete: false, lastReadMs: 0, responding: false };

describe('expiredLimit', () => {
  it.each([
    { name: 'a body still arriving in time', progress: { ...base, lastReadMs: 50 }, now: 149, expected: undefined },
    { name: 'an idle body gap', progress: { ...base, lastReadMs: 50 }, now: 150, expected: 'request-body' },
    { name: 'a body trickling past the whole-request limit', progress: { ...base, lastReadMs: 990 }, now: 1000, expected: 'request' },
    {
      name: 'a complete request is never timed as a request',
      progress: { ...base, requestComplete: true },
      now: 10_000,
      expected: undefined,
    },
    {
      name: 'a response streaming back is never cut by the request limits',
      progress: { ...base, responding: true },
      now: 10_000,
      expected: undefined,
    },
    {
      name: 'a stalled client write',
      progress: { ...base, requestComplete: true, writeStalledSinceMs: 700 },
      now: 1000,
      expected: 'client-write',
    },
    {
      name: 'a write stalled briefly',
      progress: { ...base, requestComplete: true, writeStalledSinceMs: 701 },
      now: 1000,
      expected: undefined,
    },
  ] as { name: string; progress: ExchangeProgress; now: number; expected: string | undefined }[])(
    '$name → $expected',
    ({ progress, now, expected }) => {
      expect(expiredLimit(progress, now, limits)).toBe(expected);
    },
  );

  it.each([
    { limits, expected: 25 },
    { limits: { requestBodyTimeoutMs: 10_000, requestTimeoutMs: 60_000, clientWriteTimeoutMs: 30_000 }, expected: 1000 },
    { limits: { requestBodyTimeoutMs: 8, requestTimeoutMs: 8, clientWriteTimeoutMs: 8 }, expected: 10 },
    { limits: { requestBodyTimeoutMs: 900, requestTimeoutMs: 800, clientWriteTimeoutMs: 1000 }, expected: 200 },
    { limits: { requestBodyTimeoutMs: 900, requestTimeoutMs: 1000, clientWriteTimeoutMs: 400 }, expected: 100 },
  ])('sweeps every $expected ms', ({ limits: l, expected }) => expect(sweepIntervalMs(l)).toBe(expected));
});
