// Observability: an OpenTelemetry collector, OTLP in, Prometheus and debug out.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { StampLabels } from '../private/labels.ts';
import { OTEL_CONFIG_YAML, OTEL_PORTS } from '../private/otel.ts';
import { componentBasics, hardenedWorkload, serviceFor } from '../private/workloads.ts';
import { OTEL_UID, SMALL } from './ports.ts';

export interface OtelCollectorProps {
  /** The stamp's labels. */
  readonly labels: StampLabels;
  /** Collector image reference (`repository:tag` or `repository@sha256:…`). */
  readonly image: string;
  /** Version label of the collector (its image tag). */
  readonly version: string;
  /** The stamp's region, a resource attribute of everything the collector forwards. */
  readonly region: string;
  /**
   * The collector's configuration (YAML). Extend the default to add receivers or exporters.
   * @default - OTLP in; Prometheus for metrics, debug for traces and logs
   */
  readonly configYaml?: string;
}

/** Service account, config, Deployment and Service of the collector (`otel-collector`). */
export class OtelCollector extends Construct {
  /** The collector's Deployment. */
  readonly deployment: kplus.Deployment;
  /** The collector's Service: OTLP gRPC and HTTP, and metrics. */
  readonly service: kplus.Service;
  /** The ConfigMap holding the collector's `config.yaml`, for constructs that extend the pipelines. */
  readonly config: kplus.ConfigMap;

  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const { labels, version } = props;
    const component = 'otel-collector';
    const { mark, serviceAccount } = componentBasics(this, labels.object(component, version), component);
    const config = (this.config = mark(
      new kplus.ConfigMap(this, 'config', {
        metadata: { name: 'otel-collector-config' },
        data: { 'config.yaml': props.configYaml ?? OTEL_CONFIG_YAML },
      }),
    ));
    this.deployment = hardenedWorkload(
      this,
      {
        component,
        instance: labels.stamp,
        labels: labels.stable(component, version),
        serviceAccount,
        uid: OTEL_UID,
        container: {
          image: props.image,
          resources: SMALL,
          args: ['--config=/etc/otelcol/config.yaml'],
          ports: [
            { name: 'otlp-grpc', number: OTEL_PORTS.grpc },
            { name: 'otlp-http', number: OTEL_PORTS.http },
            { name: 'metrics', number: OTEL_PORTS.prometheus },
            { name: 'health', number: OTEL_PORTS.health },
          ],
          envVariables: {
            STAMP_NAME: kplus.EnvValue.fromValue(labels.stamp),
            STAMP_REGION: kplus.EnvValue.fromValue(props.region),
          },
          readiness: kplus.Probe.fromHttpGet('/', { port: OTEL_PORTS.health }),
          liveness: kplus.Probe.fromHttpGet('/', { port: OTEL_PORTS.health }),
        },
        mounts: [
          { path: '/etc/otelcol', volume: kplus.Volume.fromConfigMap(this, 'config-volume', config, { name: 'config' }), readOnly: true },
        ],
      },
      (podProps) => new kplus.Deployment(this, 'deployment', { ...podProps, replicas: 1 }),
    ).workload;
    mark(this.deployment);
    this.service = mark(
      serviceFor(this, 'service', {
        name: component,
        component,
        instance: labels.stamp,
        ports: [
          { name: 'otlp-grpc', port: OTEL_PORTS.grpc, targetPort: OTEL_PORTS.grpc },
          { name: 'otlp-http', port: OTEL_PORTS.http, targetPort: OTEL_PORTS.http },
          { name: 'metrics', port: OTEL_PORTS.prometheus, targetPort: OTEL_PORTS.prometheus },
        ],
      }),
    );
  }
}
