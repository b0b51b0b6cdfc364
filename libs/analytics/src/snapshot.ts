// What a stamp-app's usage endpoint serves (GET /usage on its admin port), and reading it. Pure.
import { z } from 'zod';

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

const tenantUsageSchema = z.strictObject({
  tenant: z.string().min(1).max(253),
  requests: count,
  errors: count,
  latencySumMs: z.number().min(0).max(Number.MAX_SAFE_INTEGER),
  latencyCount: count,
  storageBytes: count,
});

const periodSchema = z
  .strictObject({
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    /** False for the period still being counted (only served with `?include_open=1`). */
    closed: z.boolean(),
    tenants: z.array(tenantUsageSchema),
  })
  .refine((p) => Date.parse(p.start) < Date.parse(p.end), { message: 'end must be after start', path: ['end'] });

/** The JSON the usage endpoint serves. */
export const usageSnapshotSchema = z.strictObject({
  stamp: z.string().min(1),
  version: z.string().min(1),
  periodSeconds: z.int().min(1),
  periods: z.array(periodSchema),
});

export type UsageSnapshot = z.output<typeof usageSnapshotSchema>;
export type UsagePeriod = UsageSnapshot['periods'][number];
export type TenantUsage = UsagePeriod['tenants'][number];

/** Reads a usage endpoint's answer. `source` names it in the message (a URL or file). */
export function parseUsageSnapshot(source: string, body: string): { ok: true; snapshot: UsageSnapshot } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, error: `${source}: not JSON (${(error as Error).message}); is this the stamp-app's admin port and /usage?` };
  }
  const parsed = usageSnapshotSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, error: `${source}: not a usage snapshot: ${problems.join('; ')}` };
  }
  return { ok: true, snapshot: parsed.data };
}
