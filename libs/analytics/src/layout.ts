// The lake layout: where each object lives, and reading a path back. Pure.
//
//   <lake>/zone=<zone>/stamp=<stamp>/date=<yyyy-mm-dd>/usage-<period-start>.parquet   one export of one period
//   <lake>/zone=<zone>/compacted/month=<yyyy-mm>/usage-<digest>.parquet                written by `analytics compact`
//
// Zone and stamp are DNS-1123 labels (the fleet schema enforces that), so a name can never hold
// '/', '..' or '=' and escape its folder; `parseLakePath` rejects anything else.

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `20261203T160000Z`: a period start as it appears in file names (no ':' for object stores). */
export function compactTimestamp(time: Date): string {
  return time
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The UTC date of a time, `yyyy-mm-dd`. */
export function utcDate(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** Whether a name may be used as a zone or stamp folder. */
export function isLakeLabel(name: string): boolean {
  return LABEL.test(name);
}

/** The object path of one stamp's export of one period, relative to the lake. */
export function usageObjectPath(zone: string, stamp: string, periodStart: Date): string {
  if (!isLakeLabel(zone)) throw new TypeError(`zone ${JSON.stringify(zone)} is not a DNS-1123 label`);
  if (!isLakeLabel(stamp)) throw new TypeError(`stamp ${JSON.stringify(stamp)} is not a DNS-1123 label`);
  return `zone=${zone}/stamp=${stamp}/date=${utcDate(periodStart)}/usage-${compactTimestamp(periodStart)}.parquet`;
}

/** The folder compaction writes a zone's month into, relative to the lake. */
export function compactedFolder(zone: string, month: string): string {
  return `zone=${zone}/compacted/month=${month}`;
}

/** A lake object, read back from its path. */
export type LakeObject =
  | {
      readonly kind: 'export';
      readonly path: string;
      readonly zone: string;
      readonly stamp: string;
      readonly date: string;
      readonly periodStart: Date;
    }
  | { readonly kind: 'compacted'; readonly path: string; readonly zone: string; readonly month: string };

const EXPORT_PATH = /^zone=([^/]+)\/stamp=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/usage-(\d{8}T\d{6}Z)\.parquet$/;
const COMPACTED_PATH = /^zone=([^/]+)\/compacted\/month=(\d{4}-\d{2})\/usage-[a-z0-9]+\.parquet$/;

/** Reads a path relative to the lake (POSIX separators). Returns what is wrong with it when it isn't a lake object. */
export function parseLakePath(path: string): LakeObject | { readonly kind: 'invalid'; readonly path: string; readonly problem: string } {
  const compacted = COMPACTED_PATH.exec(path);
  if (compacted) {
    const [, zone, month] = compacted as unknown as [string, string, string];
    if (!isLakeLabel(zone)) return { kind: 'invalid', path, problem: `zone ${JSON.stringify(zone)} is not a DNS-1123 label` };
    return { kind: 'compacted', path, zone, month };
  }
  const match = EXPORT_PATH.exec(path);
  if (!match) {
    return {
      kind: 'invalid',
      path,
      problem: 'is not laid out as zone=<zone>/stamp=<stamp>/date=<yyyy-mm-dd>/usage-<yyyymmddThhmmssZ>.parquet',
    };
  }
  const [, zone, stamp, date, stamped] = match as unknown as [string, string, string, string, string];
  if (!isLakeLabel(zone)) return { kind: 'invalid', path, problem: `zone ${JSON.stringify(zone)} is not a DNS-1123 label` };
  if (!isLakeLabel(stamp)) return { kind: 'invalid', path, problem: `stamp ${JSON.stringify(stamp)} is not a DNS-1123 label` };
  const iso = `${stamped.slice(0, 4)}-${stamped.slice(4, 6)}-${stamped.slice(6, 8)}T${stamped.slice(9, 11)}:${stamped.slice(11, 13)}:${stamped.slice(13, 15)}Z`;
  const periodStart = new Date(iso);
  if (Number.isNaN(periodStart.getTime()) || periodStart.toISOString().slice(0, 19) !== iso.slice(0, 19)) {
    return { kind: 'invalid', path, problem: `usage-${stamped} is not a valid period start` };
  }
  if (utcDate(periodStart) !== date) {
    return { kind: 'invalid', path, problem: `period start ${periodStart.toISOString()} is not on date=${date}` };
  }
  return { kind: 'export', path, zone, stamp, date, periodStart };
}
