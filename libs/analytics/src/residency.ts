// The residency rule for reading a lake: which zones one query may read. Pure.

export interface ZoneSelection {
  /** The zone named by --zone. @default - none */
  readonly zone?: string;
  /** --allow-cross-zone: read every zone of the lake in one query. @default false */
  readonly allowCrossZone?: boolean;
}

export type ZoneDecision =
  { readonly ok: true; readonly zones: readonly string[]; readonly crossZone: boolean } | { readonly ok: false; readonly error: string };

/**
 * Decides which zones a query reads.
 * Invariant: without `allowCrossZone`, the answer never holds more than one zone, so one query never
 * mixes two zones' rows unless the operator asked for it by name.
 * - `zone` given: that zone alone (it must be a zone of the fleet or of the lake). Combined with
 *   `allowCrossZone` it is a usage error: the two say opposite things.
 * - no `zone`, lake with one zone (or none): that zone.
 * - no `zone`, several zones: an error, unless `allowCrossZone`; then all of them.
 */
export function chooseZones(lakeZones: readonly string[], fleetZones: readonly string[], selection: ZoneSelection): ZoneDecision {
  const known = [...new Set([...lakeZones, ...fleetZones])].sort();
  if (selection.zone !== undefined) {
    if (selection.allowCrossZone) return { ok: false, error: '--zone and --allow-cross-zone contradict each other; pass one' };
    if (!known.includes(selection.zone)) {
      return {
        ok: false,
        error: `--zone: '${selection.zone}' is not a residency zone of the fleet or the lake; use one of ${known.join(', ') || '(none)'}`,
      };
    }
    return { ok: true, zones: [selection.zone], crossZone: false };
  }
  if (lakeZones.length <= 1) return { ok: true, zones: [...lakeZones], crossZone: false };
  if (!selection.allowCrossZone) {
    return {
      ok: false,
      error: `the lake holds ${lakeZones.length} residency zones (${lakeZones.join(', ')}); pass --zone <zone> to query one, or --allow-cross-zone to read them all in one query`,
    };
  }
  return { ok: true, zones: [...lakeZones], crossZone: true };
}
