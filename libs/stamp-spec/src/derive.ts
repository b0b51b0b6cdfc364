// Facts derived from the files, in one place so every package derives them the same way.
import semver from 'semver';
import type { FleetSpec, ImageRef, Release, SizeProfile, Stamp } from './schema.ts';

/** The public host of a stamp: `<name>.<domain>`. */
export function stampHost(fleet: FleetSpec, stamp: Stamp): string {
  return `${stamp.metadata.name}.${fleet.domain}`;
}

/**
 * The entry a catalog (a record parsed from a file) has under `key`, or undefined. Own properties only:
 * a name from a file such as `constructor`, `toString` or `__proto__` is never Object.prototype's.
 */
export function catalogEntry<T>(catalog: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(catalog, key) ? catalog[key] : undefined;
}

/** The data-residency zone of a stamp, from its region. */
export function stampZone(fleet: FleetSpec, stamp: Stamp): string | undefined {
  return catalogEntry(fleet.regions, stamp.spec.region)?.zone;
}

/** Every residency zone in the region catalog, sorted. */
export function residencyZones(fleet: FleetSpec): string[] {
  return [...new Set(Object.values(fleet.regions).map((r) => r.zone))].sort();
}

export function findRelease(fleet: FleetSpec, version: string): Release | undefined {
  return fleet.releases.find((r) => r.version === version);
}

export function findSize(fleet: FleetSpec, size: string): SizeProfile | undefined {
  return catalogEntry(fleet.sizes, size);
}

/** `repository@digest` when pinned to a digest, else `repository:tag`. */
export function imageReference(image: ImageRef): string {
  return image.digest ? `${image.repository}@${image.digest}` : `${image.repository}:${image.tag}`;
}

/** Releases sorted by semver, oldest first. */
export function sortedReleases(fleet: FleetSpec): Release[] {
  return [...fleet.releases].sort((a, b) => semver.compare(a.version, b.version));
}

/** The version most stamps run; ties go to the highest version. */
export function mostCommonVersion(stamps: readonly Stamp[]): string | undefined {
  const counts = new Map<string, number>();
  for (const s of stamps) counts.set(s.spec.version, (counts.get(s.spec.version) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || semver.rcompare(a[0], b[0]))[0]?.[0];
}

/** Where a stamp file lives, relative to the fleet root. */
export function stampFilePath(name: string): string {
  return `stamps/${name}.yaml`;
}
