// The Jobs that move a tenant's data during a migration, rendered into the stamps they run in.
// Each runs the stamp's own api image with the stamp's own service account (its credentials to its
// zone's object store), so the data never leaves the zone. Plain objects: they depend on the
// migration files, not on the stamp's shape, so they are added beside the chart's output.
import { findRelease, imageReference, stampZone, type FleetSpec, type LoadedMigration, type Stamp } from '@stampyard/stamp-spec';
import type { ApiObjectJson } from './types.ts';

/** The path in the zone's object store a migration's export is written to and the import reads. */
export function migrationExportPath(zone: string, tenant: string, epoch: number): string {
  return `stampyard-migrations/${zone}/${tenant}-${epoch}.json`;
}

/** The Job names, which the `flux` health source looks up (`kubectl get job <name> -n <stamp>`). */
export function migrationJobName(action: 'export' | 'import' | 'cleanup', tenant: string, epoch: number): string {
  return `migrate-${action}-${tenant}-${epoch}`.slice(0, 63).replace(/-+$/, '');
}

function job(
  fleet: FleetSpec,
  stamp: Stamp,
  action: 'export' | 'import' | 'cleanup',
  tenant: string,
  epoch: number,
  zone: string,
): ApiObjectJson {
  const release = findRelease(fleet, stamp.spec.version);
  const name = stamp.metadata.name;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: migrationJobName(action, tenant, epoch),
      namespace: name,
      labels: {
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/managed-by': 'stampyard',
        'app.kubernetes.io/name': `migrate-${action}`,
        'app.kubernetes.io/part-of': 'stampyard',
        'stampyard.dev/stamp': name,
        'stampyard.dev/tenant': tenant,
      },
    },
    spec: {
      backoffLimit: 6,
      ttlSecondsAfterFinished: 604800,
      template: {
        metadata: { labels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': `migrate-${action}` } },
        spec: {
          restartPolicy: 'OnFailure',
          serviceAccountName: 'api',
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: action,
              image: release ? imageReference(release.images.api) : 'invalid-release',
              args: ['migrate', action, '--tenant', tenant],
              env: [
                { name: 'STAMPYARD_MIGRATION_OBJECT', value: migrationExportPath(zone, tenant, epoch) },
                { name: 'STAMPYARD_STAMP', value: name },
              ],
              resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

/**
 * The migration Jobs each stamp runs now, by stamp name. Pure. While a migration
 * is `copying` (and until it is done, so the completed Jobs stay visible to the
 * health source), the source runs the export and the target the import. The
 * cleanup Job (on the source, after the retention period) comes from
 * `cleanups`: finished migrations whose retention has passed.
 */
export function migrationJobs(
  fleet: FleetSpec,
  stamps: readonly Stamp[],
  migrations: readonly LoadedMigration[],
  cleanups: readonly { readonly tenant: string; readonly stamp: string; readonly epoch: number }[] = [],
): Map<string, ApiObjectJson[]> {
  const byName = new Map(stamps.map((s) => [s.metadata.name, s]));
  const out = new Map<string, ApiObjectJson[]>();
  const add = (stampName: string, action: 'export' | 'import' | 'cleanup', tenant: string, epoch: number) => {
    const stamp = byName.get(stampName);
    if (!stamp) return;
    const zone = stampZone(fleet, stamp) ?? '';
    out.set(stampName, [...(out.get(stampName) ?? []), job(fleet, stamp, action, tenant, epoch, zone)]);
  };
  for (const { migration: m } of migrations) {
    if (m.status.phase === 'fenced') continue;
    add(m.spec.from, 'export', m.metadata.name, m.spec.epoch);
    add(m.spec.to, 'import', m.metadata.name, m.spec.epoch);
  }
  for (const c of cleanups) add(c.stamp, 'cleanup', c.tenant, c.epoch);
  return out;
}
