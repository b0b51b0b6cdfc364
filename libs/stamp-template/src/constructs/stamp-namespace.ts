// The stamp's namespace and its budget: Pod Security, ResourceQuota and LimitRange.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { quantityValue, type SizeProfile } from '@stampyard/stamp-spec';
import { RESTRICTED_PSS, type StampLabels } from '../private/labels.ts';
import { SMALL } from './ports.ts';

export interface StampNamespaceProps {
  /** The stamp's labels; the namespace is named after the stamp. */
  readonly labels: StampLabels;
  /** The stamp's size profile: the quota holds every app pod at the autoscaling maximum. */
  readonly size: SizeProfile;
  /** Region, zone, CIDR and dedicated tenant, shown on the namespace. */
  readonly region: string;
  readonly zone: string;
  readonly cidr: string;
  /**
   * Tenant the stamp is dedicated to.
   * @default - shared (an empty annotation)
   */
  readonly dedicatedTo?: string;
}

/** The namespace `<stamp>` under the restricted Pod Security Standard, with a quota and container defaults. */
export class StampNamespace extends Construct {
  constructor(scope: Construct, id: string, props: StampNamespaceProps) {
    super(scope, id);
    const { labels, size } = props;
    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: labels.stamp,
        labels: { ...labels.object('stamp', labels.version), ...RESTRICTED_PSS, 'stampyard.dev/region': props.region },
        annotations: {
          'stampyard.dev/zone': props.zone,
          'stampyard.dev/cidr': props.cidr,
          'stampyard.dev/dedicated-to': props.dedicatedTo ?? '',
        },
      },
    });

    const appMaxPods = 2 * size.autoscaling.maxReplicas;
    const milli = (q: string) => Math.round((quantityValue(q) ?? 0) * 1000);
    const mebi = (q: string) => Math.ceil((quantityValue(q) ?? 0) / 2 ** 20);
    const smallMilli = { request: milli(SMALL.cpu.request), limit: milli(SMALL.cpu.limit) };
    const smallMebi = { request: mebi(SMALL.memory.request), limit: mebi(SMALL.memory.limit) };
    // Quota: every app pod at the autoscaling maximum, plus postgres (profile-sized) and two small components.
    const quota = (perApp: number, perPostgres: number, perSmall: number) => appMaxPods * perApp + perPostgres + 2 * perSmall;
    const q = kplus.k8s.Quantity.fromString;
    new kplus.k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'stamp-quota' },
      spec: {
        hard: {
          pods: q(String(appMaxPods + 3)),
          'requests.cpu': q(`${quota(milli(size.cpu.request), milli(size.cpu.request), smallMilli.request)}m`),
          'limits.cpu': q(`${quota(milli(size.cpu.limit), milli(size.cpu.limit), smallMilli.limit)}m`),
          'requests.memory': q(`${quota(mebi(size.memory.request), mebi(size.memory.request), smallMebi.request)}Mi`),
          'limits.memory': q(`${quota(mebi(size.memory.limit), mebi(size.memory.limit), smallMebi.limit)}Mi`),
          'requests.storage': q(size.storage),
          persistentvolumeclaims: q('1'),
        },
      },
    });
    new kplus.k8s.KubeLimitRange(this, 'limits', {
      metadata: { name: 'stamp-limits' },
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: q(size.cpu.limit), memory: q(size.memory.limit) },
            defaultRequest: { cpu: q(size.cpu.request), memory: q(size.memory.request) },
          },
          { type: 'PersistentVolumeClaim', max: { storage: q(size.storage) } },
        ],
      },
    });
  }
}
