// Central monitoring within residency: a stamp's collector also exports metrics, logs and traces over OTLP to
// its own zone's central collector (fleet.yaml spec.zones.<zone>.telemetry.endpoint), and the app's signals
// carry the stamp, region, zone and service.version as resource attributes.
import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { catalogEntry, stampZone, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import { CENTRAL_ENDPOINT_ENV, OTEL_CENTRAL_CONFIG_YAML } from './private/otel-central.ts';

export interface ZoneTelemetryProps {
  readonly fleet: FleetSpec;
  readonly stamp: Stamp;
  /** The stamp's OpenTelemetry collector. */
  readonly collector: kplus.Deployment;
  /** The ConfigMap holding its `config.yaml`. */
  readonly collectorConfig: kplus.ConfigMap;
  /** The collector's pods, as a network-policy peer. */
  readonly collectorPods: kplus.Pods;
  /** The app Deployments whose OpenTelemetry SDKs name the release (`service.version`). */
  readonly apps: readonly kplus.Deployment[];
  /** Labels for the objects this construct adds (the collector's). */
  readonly labels: Readonly<Record<string, string>>;
}

/** The port an https URL names, 443 when it names none. */
function httpsPort(url: string): number {
  const port = new URL(url).port;
  return port === '' ? 443 : Number(port);
}

/** Adds the zone attribute always, and the central export when the stamp's zone has an endpoint. */
export class ZoneTelemetry extends Construct {
  /** The endpoint this stamp exports to, or undefined when its zone has none. */
  readonly endpoint: string | undefined;

  constructor(scope: Construct, id: string, props: ZoneTelemetryProps) {
    super(scope, id);
    const { fleet, stamp } = props;
    const zone = stampZone(fleet, stamp) ?? '';
    const collector = props.collector.containers[0]!;
    collector.env.addVariable('STAMP_ZONE', kplus.EnvValue.fromValue(zone));
    // The SDKs in the apps read OTEL_RESOURCE_ATTRIBUTES; service.version is the release the stamp runs.
    // Kubernetes expands $(VAR) from the variables the app container already has, so the text is the same
    // in every stamp (the identical-template test holds).
    const attributes =
      'service.version=$(STAMP_APP_VERSION),stampyard.stamp=$(STAMP_NAME),stampyard.region=$(STAMP_REGION),stampyard.zone=$(STAMP_ZONE)';
    for (const app of props.apps) app.containers[0]!.env.addVariable('OTEL_RESOURCE_ATTRIBUTES', kplus.EnvValue.fromValue(attributes));

    this.endpoint = catalogEntry(fleet.zones, zone)?.telemetry?.endpoint;
    if (this.endpoint === undefined) return;
    ApiObject.of(props.collectorConfig).addJsonPatch(JsonPatch.replace('/data/config.yaml', OTEL_CENTRAL_CONFIG_YAML));
    collector.env.addVariable(CENTRAL_ENDPOINT_ENV, kplus.EnvValue.fromValue(this.endpoint));
    // The central collector is outside the cluster: egress on its port only (the namespace denies the rest).
    const policy = new kplus.NetworkPolicy(this, 'policy', {
      metadata: { name: 'allow-otel-collector-central', labels: { ...props.labels } },
      selector: props.collectorPods,
    });
    policy.addEgressRule(kplus.NetworkPolicyIpBlock.anyIpv4(this, 'anywhere'), [kplus.NetworkPolicyPort.tcp(httpsPort(this.endpoint))]);
  }
}
