// Several health sources at once (`--health prometheus,flux`): a stamp is healthy only when every
// source says so. Pure.
import type { HealthReport, StampHealth } from './report.ts';

/** What one source says about one stamp: its health, or why it is unknown. */
type View = { readonly source: string; readonly health: StampHealth } | { readonly source: string; readonly unknown: string };

function viewOf(report: HealthReport, stamp: string): View {
  if (Object.hasOwn(report.stamps, stamp)) return { source: report.source, health: report.stamps[stamp]! };
  const why = report.unknown && Object.hasOwn(report.unknown, stamp) ? report.unknown[stamp]! : `not in ${report.source}`;
  return { source: report.source, unknown: why };
}

/**
 * One report from several, requiring all of them:
 * - an explicit failure in any source is a failure (whatever the others say, unknown included);
 * - otherwise a stamp any source cannot judge is unknown, naming that source's reason;
 * - otherwise it is ready only when every source says ready, and runs the version the sources report
 *   (a source without versions, such as prometheus, defers to the others; two sources that disagree
 *   give `mixed(a,b)`, which is never the target).
 * A single report comes back unchanged.
 */
export function combineHealth(reports: readonly HealthReport[]): HealthReport {
  if (reports.length === 1) return reports[0]!;
  const names = new Set<string>();
  for (const r of reports) for (const name of [...Object.keys(r.stamps), ...Object.keys(r.unknown ?? {})]) names.add(name);
  const stamps = Object.create(null) as Record<string, StampHealth>;
  const unknown = Object.create(null) as Record<string, string>;
  for (const name of [...names].sort()) {
    const views = reports.map((r) => viewOf(r, name));
    const known = views.flatMap((v) => ('health' in v ? [{ source: v.source, health: v.health }] : []));
    const failures = known.filter((v) => v.health.failure !== undefined);
    const versions = [...new Set(known.flatMap((v) => (v.health.version !== undefined ? [v.health.version] : [])))].sort();
    const version = versions.length === 1 ? versions[0] : versions.length > 1 ? `mixed(${versions.join(',')})` : undefined;
    const details = known.flatMap((v) => (v.health.detail ? [`${v.source}: ${v.health.detail}`] : []));
    if (failures.length > 0) {
      stamps[name] = {
        ready: false,
        ...(version !== undefined ? { version } : {}),
        ...(details.length ? { detail: details.join('; ') } : {}),
        failure: failures.map((v) => `${v.source}: ${v.health.failure!}`).join('; '),
      };
      continue;
    }
    const missing = views.flatMap((v) => ('unknown' in v ? [`${v.source}: ${v.unknown}`] : []));
    if (missing.length > 0) {
      unknown[name] = missing.join('; ');
      continue;
    }
    stamps[name] = {
      ready: known.every((v) => v.health.ready),
      ...(version !== undefined ? { version } : {}),
      ...(details.length ? { detail: details.join('; ') } : {}),
    };
  }
  return { source: reports.map((r) => r.source).join(','), stamps, unknown };
}
