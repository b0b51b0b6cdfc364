// Per-stamp usage export: a CronJob that, every period, reads the app's per-tenant usage from its admin port
// (GET /usage on every api pod) and writes the closed periods as Parquet to the zone's lake
// (fleet.yaml spec.zones.<zone>.lake), as zone=<zone>/stamp=<stamp>/date=<yyyy-mm-dd>/usage-<period-start>.parquet.
import { Cron, Duration, type CronOptions } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { catalogEntry, imageReference, stampZone, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import { containerSecurityContext, podSecurityContext } from './private/hardening.ts';
import { objectLabels } from './private/labels.ts';
import { containerResources } from './private/resources.ts';
import { componentPods, emptyDir, serviceFor } from './private/workloads.ts';

/** The admin port every app pod serves GET /usage on (the stamp-app's `ADMIN_PORT`). */
export const ADMIN_PORT = 9090;

/** Five minutes past every hour: the stamp-app's periods are hours, so the last one has just closed. */
export const USAGE_EXPORT_SCHEDULE = '5 * * * *';

const EXPORTER_UID = 10002;

export interface UsageExportProps {
  readonly fleet: FleetSpec;
  readonly stamp: Stamp;
  /** The Deployment serving tenants, whose pods count usage. */
  readonly api: kplus.Deployment;
  /** Those pods, as a network-policy peer. */
  readonly apiPods: kplus.Pods;
  /**
   * Cron schedule of the export, in UTC.
   * @default USAGE_EXPORT_SCHEDULE ('5 * * * *')
   */
  readonly schedule?: string;
}

/**
 * Renders nothing unless the stamp's zone has a lake. Then: the app's admin port, a headless Service that
 * resolves to every api pod, the CronJob, its ServiceAccount (bind object-store credentials to it, e.g. with
 * workload identity), and network policies that let only the job reach the admin port.
 */
export class UsageExport extends Construct {
  /** The lake this stamp exports to, or undefined when its zone has none. */
  readonly lake: string | undefined;

  constructor(scope: Construct, id: string, props: UsageExportProps) {
    super(scope, id);
    const { fleet, stamp } = props;
    const zone = stampZone(fleet, stamp) ?? '';
    this.lake = catalogEntry(fleet.zones, zone)?.lake;
    const image = fleet.components.usageExporter;
    if (this.lake === undefined || image === undefined) return;
    const name = stamp.metadata.name;
    const version = stamp.spec.version;
    const labels = (component: string) =>
      objectLabels({ component, instance: name, componentVersion: version, stamp: name, stampVersion: version });

    const api = props.api.containers[0]!;
    api.addPort({ name: 'admin', number: ADMIN_PORT });
    api.env.addVariable('ADMIN_PORT', kplus.EnvValue.fromValue(String(ADMIN_PORT)));
    const admin = serviceFor(this, 'admin-service', {
      name: 'api-admin',
      component: 'api',
      instance: name,
      headless: true,
      ports: [{ name: 'admin', port: ADMIN_PORT, targetPort: ADMIN_PORT }],
    });
    for (const [key, value] of Object.entries(labels('api'))) admin.metadata.addLabel(key, value);

    const serviceAccount = new kplus.ServiceAccount(this, 'sa', {
      metadata: { name: 'usage-export', labels: labels('usage-export') },
      automountToken: false,
    });
    const tmp = emptyDir(this, 'tmp', 'tmp', 256);
    new kplus.CronJob(this, 'cronjob', {
      metadata: { name: 'usage-export', labels: labels('usage-export') },
      podMetadata: { labels: objectLabels({ component: 'usage-export', instance: name, componentVersion: version, stamp: name }) },
      schedule: Cron.schedule(cronFields(props.schedule ?? USAGE_EXPORT_SCHEDULE)),
      timeZone: 'Etc/UTC',
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: Duration.minutes(30),
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: 3,
      activeDeadline: Duration.minutes(20),
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(EXPORTER_UID),
      volumes: [tmp],
      containers: [
        {
          name: 'export',
          image: imageReference(image),
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          // Idempotent: each closed period the pods still hold is written to its own object, replacing a
          // partial one, so a missed or repeated run loses and duplicates nothing.
          args: [
            'analytics',
            'export',
            '--stamp',
            name,
            '--zone',
            zone,
            '--lake',
            this.lake,
            '--source',
            `http://api-admin:${ADMIN_PORT}/usage`,
            '--every-address',
          ],
          envVariables: { HOME: kplus.EnvValue.fromValue('/tmp'), TMPDIR: kplus.EnvValue.fromValue('/tmp') },
          securityContext: containerSecurityContext(EXPORTER_UID),
          resources: containerResources({ cpu: { request: '50m', limit: '500m' }, memory: { request: '128Mi', limit: '512Mi' } }),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });

    // Only the job reaches the admin port; the job reaches the admin port and the object store (443), nothing else.
    const exporterPods = componentPods(this, 'usage-export', name);
    const jobPolicy = new kplus.NetworkPolicy(this, 'policy', {
      metadata: { name: 'allow-usage-export', labels: labels('usage-export') },
      selector: exporterPods,
    });
    jobPolicy.addEgressRule(props.apiPods, [kplus.NetworkPolicyPort.tcp(ADMIN_PORT)]);
    jobPolicy.addEgressRule(kplus.NetworkPolicyIpBlock.anyIpv4(this, 'object-store'), [kplus.NetworkPolicyPort.tcp(443)]);
    const adminPolicy = new kplus.NetworkPolicy(this, 'admin-policy', {
      metadata: { name: 'allow-api-admin', labels: labels('api') },
      selector: props.apiPods,
    });
    adminPolicy.addIngressRule(exporterPods, [kplus.NetworkPolicyPort.tcp(ADMIN_PORT)]);
  }
}

/** `m h dom mon dow` → cdk8s' CronOptions. */
function cronFields(schedule: string): CronOptions {
  const [minute, hour, day, month, weekDay] = schedule.trim().split(/\s+/);
  if (weekDay === undefined)
    throw new TypeError(`schedule '${schedule}' must have five fields: minute hour day-of-month month day-of-week`);
  return { minute, hour, day, month, weekDay };
}
