// Redis: a password-protected cache without persistence.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { StampLabels } from '../private/labels.ts';
import { componentBasics, emptyDir, hardenedWorkload, serviceFor } from '../private/workloads.ts';
import { REDIS_PORT, REDIS_UID, SMALL } from './ports.ts';

export interface RedisProps {
  /** The stamp's labels. */
  readonly labels: StampLabels;
  /** Image reference (`repository:tag` or `repository@sha256:…`). */
  readonly image: string;
  /** Version label (the image tag). */
  readonly version: string;
  /** Secret holding `password`. */
  readonly credentials: kplus.ISecret;
}

/** Service account, Deployment and Service `redis`. */
export class Redis extends Construct {
  readonly deployment: kplus.Deployment;

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const { labels, version } = props;
    const component = 'redis';
    const { mark, serviceAccount } = componentBasics(this, labels.object(component, version), component);
    this.deployment = hardenedWorkload(
      this,
      {
        component,
        instance: labels.stamp,
        labels: labels.stable(component, version),
        serviceAccount,
        uid: REDIS_UID,
        container: {
          image: props.image,
          resources: SMALL,
          command: ['sh', '-c', 'exec redis-server --save "" --appendonly no --requirepass "$REDIS_PASSWORD"'],
          ports: [{ name: component, number: REDIS_PORT }],
          envVariables: { REDIS_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: props.credentials, key: 'password' }) },
          readiness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT }),
          liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT }),
        },
        mounts: [{ path: '/data', volume: emptyDir(this, 'data', 'data', 256) }],
      },
      (podProps) => new kplus.Deployment(this, 'deployment', { ...podProps, replicas: 1, strategy: kplus.DeploymentStrategy.recreate() }),
    ).workload;
    mark(this.deployment);
    mark(
      serviceFor(this, 'service', {
        name: component,
        component,
        instance: labels.stamp,
        ports: [{ name: component, port: REDIS_PORT, targetPort: REDIS_PORT }],
      }),
    );
  }
}
