// The stamp's network boundary: deny everything, then allow exactly what the stack needs.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { StampLabels } from '../private/labels.ts';
import { OTEL_PORTS } from '../private/otel.ts';
import { allowDns, applyLabels, componentPods, defaultDeny, namespacePeer } from '../private/workloads.ts';
import { POSTGRES_PORT, REDIS_PORT } from './ports.ts';

export interface NetworkBoundaryProps {
  /** The stamp's labels. */
  readonly labels: StampLabels;
  /** Version label of each data and platform component's policy (the image tag). */
  readonly componentVersions: { readonly postgres: string; readonly redis: string; readonly otelCollector: string };
  /** Port the api and worker containers listen on. */
  readonly appPort: number;
  /**
   * Namespace of the ingress controller, the only peer allowed to reach the api from outside the stamp.
   * @default 'ingress-nginx'
   */
  readonly ingressNamespace?: string;
  /**
   * Namespace of Prometheus, allowed to scrape the app pods and the collector.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
}

/** Default-deny, DNS, and one allow policy per component. */
export class NetworkBoundary extends Construct {
  constructor(scope: Construct, id: string, props: NetworkBoundaryProps) {
    super(scope, id);
    const { labels, appPort } = props;
    const name = labels.stamp;
    defaultDeny(this);
    allowDns(this);
    const apiPods = componentPods(this, 'api', name);
    const workerPods = componentPods(this, 'worker', name);
    const postgresPods = componentPods(this, 'postgres', name);
    const redisPods = componentPods(this, 'redis', name);
    const otelPods = componentPods(this, 'otel-collector', name);
    const frontDoor = namespacePeer(this, 'front-door', props.ingressNamespace ?? 'ingress-nginx');
    const monitoring = namespacePeer(this, 'monitoring', props.monitoringNamespace ?? 'monitoring');
    const tcp = kplus.NetworkPolicyPort.tcp;
    const otelIn = [tcp(OTEL_PORTS.grpc), tcp(OTEL_PORTS.http)];

    const allow = (component: string, componentVersion: string, pods: kplus.Pods) =>
      applyLabels(
        new kplus.NetworkPolicy(this, `${component}-policy`, { metadata: { name: `allow-${component}` }, selector: pods }),
        labels.object(component, componentVersion),
      );
    const apiPolicy = allow('api', labels.version, apiPods);
    apiPolicy.addIngressRule(frontDoor, [tcp(appPort)]);
    apiPolicy.addIngressRule(monitoring, [tcp(appPort)]);
    const workerPolicy = allow('worker', labels.version, workerPods);
    workerPolicy.addIngressRule(monitoring, [tcp(appPort)]);
    for (const policy of [apiPolicy, workerPolicy]) {
      policy.addEgressRule(postgresPods, [tcp(POSTGRES_PORT)]);
      policy.addEgressRule(redisPods, [tcp(REDIS_PORT)]);
      policy.addEgressRule(otelPods, otelIn);
    }
    const fromApps = (policy: kplus.NetworkPolicy, ports: kplus.NetworkPolicyPort[]) => {
      policy.addIngressRule(apiPods, ports);
      policy.addIngressRule(workerPods, ports);
      return policy;
    };
    const versions = props.componentVersions;
    fromApps(allow('postgres', versions.postgres, postgresPods), [tcp(POSTGRES_PORT)]);
    fromApps(allow('redis', versions.redis, redisPods), [tcp(REDIS_PORT)]);
    fromApps(allow('otel-collector', versions.otelCollector, otelPods), otelIn).addIngressRule(monitoring, [tcp(OTEL_PORTS.prometheus)]);
  }
}
