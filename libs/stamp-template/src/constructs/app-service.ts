// One service of the release (api or worker): Deployment, autoscaler, disruption budget.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { SizeProfile } from '@stampyard/stamp-spec';
import type { StampLabels } from '../private/labels.ts';
import { componentBasics, cpuAutoscaler, disruptionBudget, hardenedWorkload, serviceFor, SURGE_ONE } from '../private/workloads.ts';
import { APP_UID } from './ports.ts';

export interface AppServiceProps {
  /** The stamp's labels. */
  readonly labels: StampLabels;
  /** The component, e.g. `api`; also the name of its objects. */
  readonly component: string;
  /** Image reference of the release (`repository:tag` or `repository@sha256:…`). */
  readonly image: string;
  /** Replicas, autoscaling bounds and resources. */
  readonly size: SizeProfile;
  /** Environment of the container. */
  readonly env: Readonly<Record<string, kplus.EnvValue>>;
  /** Port the container listens on (HTTP, health and metrics). */
  readonly port: number;
  /**
   * Port of a ClusterIP Service in front of the pods.
   * @default - no Service
   */
  readonly servicePort?: number;
}

/** Service account, Deployment (replicas owned by the HPA), HorizontalPodAutoscaler, PodDisruptionBudget and optional Service. */
export class AppService extends Construct {
  readonly deployment: kplus.Deployment;
  /** The Service, when `servicePort` is set. */
  readonly service?: kplus.Service;

  constructor(scope: Construct, id: string, props: AppServiceProps) {
    super(scope, id);
    const { labels, component, size, port } = props;
    const { mark, serviceAccount } = componentBasics(this, labels.object(component, labels.version), component);
    this.deployment = hardenedWorkload(
      this,
      {
        component,
        instance: labels.stamp,
        labels: labels.object(component, labels.version),
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' },
        serviceAccount,
        uid: APP_UID,
        container: {
          image: props.image,
          resources: size,
          ports: [{ name: 'http', number: port }],
          envVariables: { ...props.env },
          readiness: kplus.Probe.fromHttpGet('/healthz', { port }),
          liveness: kplus.Probe.fromTcpSocket({ port }),
        },
      },
      // No replicas: the HorizontalPodAutoscaler owns them.
      (podProps) => new kplus.Deployment(this, 'deployment', { ...podProps, strategy: SURGE_ONE }),
    ).workload;
    mark(this.deployment);
    mark(
      cpuAutoscaler(this, 'hpa', {
        name: component,
        target: this.deployment,
        minReplicas: size.replicas,
        maxReplicas: size.autoscaling.maxReplicas,
        cpuPercent: size.autoscaling.targetCpuUtilizationPercent,
      }),
    );
    mark(disruptionBudget(this, 'pdb', { name: component, component, instance: labels.stamp, maxUnavailable: 1 }));
    if (props.servicePort !== undefined) {
      this.service = mark(
        serviceFor(this, 'service', {
          name: component,
          component,
          instance: labels.stamp,
          ports: [{ name: 'http', port: props.servicePort, targetPort: port }],
        }),
      );
    }
  }
}
