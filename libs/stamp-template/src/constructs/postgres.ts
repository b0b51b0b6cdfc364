// PostgreSQL: one replica with a persistent volume, credentials from a Secret.
import { JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { SizeProfile } from '@stampyard/stamp-spec';
import type { StampLabels } from '../private/labels.ts';
import { componentBasics, emptyDir, hardenedWorkload, patch, serviceFor } from '../private/workloads.ts';
import { POSTGRES_PORT, POSTGRES_UID } from './ports.ts';

export interface PostgresProps {
  /** The stamp's labels. */
  readonly labels: StampLabels;
  /** Image reference (`repository:tag` or `repository@sha256:…`). */
  readonly image: string;
  /** Version label (the image tag). */
  readonly version: string;
  /** Requests, limits and volume size. */
  readonly size: SizeProfile;
  /** Secret holding `username` and `password`. */
  readonly credentials: kplus.ISecret;
}

/** Service account, headless Service and StatefulSet `postgres`. */
export class Postgres extends Construct {
  readonly statefulSet: kplus.StatefulSet;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const { labels, version, size } = props;
    const component = 'postgres';
    const { mark, serviceAccount } = componentBasics(this, labels.object(component, version), component);
    const service = mark(
      serviceFor(this, 'service', {
        name: component,
        component,
        instance: labels.stamp,
        ports: [{ name: component, port: POSTGRES_PORT, targetPort: POSTGRES_PORT }],
        headless: true,
      }),
    );
    const secretEnv = (key: string) => kplus.EnvValue.fromSecretValue({ secret: props.credentials, key });
    this.statefulSet = hardenedWorkload(
      this,
      {
        component,
        instance: labels.stamp,
        labels: labels.stable(component, version),
        serviceAccount,
        uid: POSTGRES_UID,
        container: {
          image: props.image,
          resources: size,
          ports: [{ name: component, number: POSTGRES_PORT }],
          envVariables: {
            POSTGRES_USER: secretEnv('username'),
            POSTGRES_PASSWORD: secretEnv('password'),
            PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata'),
          },
          readiness: kplus.Probe.fromCommand(['sh', '-c', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER"']),
          liveness: kplus.Probe.fromTcpSocket({ port: POSTGRES_PORT }),
        },
        mounts: [{ path: '/var/run/postgresql', volume: emptyDir(this, 'run', 'run') }],
      },
      (podProps) => new kplus.StatefulSet(this, 'statefulset', { ...podProps, service, replicas: 1 }),
    ).workload;
    mark(this.statefulSet);
    // cdk8s-plus has no volumeClaimTemplates: mount by name and add the template by patch.
    patch(
      this.statefulSet,
      JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: '/var/lib/postgresql/data' }),
      JsonPatch.add('/spec/volumeClaimTemplates', [
        {
          metadata: { name: 'data', labels: labels.stable(component, version) },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: kplus.k8s.Quantity.fromString(size.storage) } } },
        },
      ]),
    );
  }
}
