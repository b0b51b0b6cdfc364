// The one template every stamp is rendered from. Stamps differ only where a typed
// parameter says so: name, namespace, host, region, zone (and so its secret store), version,
// images, size-derived numbers, CIDR and dedicatedTo. The chart only composes constructs.
import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  findRelease,
  findSize,
  imageReference,
  infrastructureProblems,
  InternalError,
  stampHost,
  stampZone,
  type FleetSpec,
  type Stamp,
} from '@stampyard/stamp-spec';
import type { Layer } from './types.ts';
import { StampLabels } from './private/labels.ts';
import { OTEL_PORTS } from './private/otel.ts';
import { applyLabels, componentPods } from './private/workloads.ts';
import { AppService } from './constructs/app-service.ts';
import { TlsCertificate } from './constructs/certificates.ts';
import { Credentials } from './constructs/credentials.ts';
import { FrontDoor } from './constructs/front-door.ts';
import { NetworkBoundary } from './constructs/network-boundary.ts';
import { OtelCollector } from './constructs/otel-collector.ts';
import { Postgres } from './constructs/postgres.ts';
import { Redis } from './constructs/redis.ts';
import { StampNamespace } from './constructs/stamp-namespace.ts';
import { TenantListMount } from './constructs/tenant-list-mount.ts';
import { ZoneTelemetry } from './zone-telemetry.ts';
import { UsageExport } from './usage-export.ts';

export interface StampChartProps {
  /** The validated fleet spec: release catalog, size profiles, component images, charts, issuer, secret stores, domain. */
  readonly fleet: FleetSpec;
  /** The validated stamp this chart renders. Its name is the namespace and must equal the chart id. */
  readonly stamp: Stamp;
  /**
   * IngressClass of the front door.
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
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
  /**
   * TLS Secret of the Ingress, issued by cert-manager into the stamp's namespace.
   * @default 'stamp-tls'
   */
  readonly tlsSecretName?: string;
  /**
   * Secret holding PostgreSQL's `username` and `password` keys.
   * @default 'postgres-credentials'
   */
  readonly postgresSecretName?: string;
  /**
   * Secret holding Redis' `password` key.
   * @default 'redis-credentials'
   */
  readonly redisSecretName?: string;
  /**
   * Port the api and worker containers listen on (HTTP, health and metrics).
   * @default 8080
   */
  readonly appPort?: number;
}

/** One stamp: a full copy of the stack in namespace `<stamp name>`, split into Flux layers. */
export class StampChart extends Chart {
  /** The constructs of each layer; every API object lives under exactly one. */
  readonly layers: Readonly<Record<Layer, Construct>>;

  constructor(scope: Construct, id: string, props: StampChartProps) {
    const name = props.stamp.metadata.name;
    if (id !== name) {
      // cdk8s derives selectors from the chart id, and selectors can't change after the first deploy.
      throw new InternalError(`StampChart id '${id}' must equal the stamp name '${name}'`);
    }
    super(scope, id, { namespace: name, disableResourceNameHashes: true });
    const { fleet, stamp } = props;
    const release = findRelease(fleet, stamp.spec.version);
    const size = findSize(fleet, stamp.spec.size);
    const zone = stampZone(fleet, stamp);
    const store = zone === undefined ? undefined : fleet.secretStores?.[zone];
    const problems = infrastructureProblems(fleet);
    if (!release || !size || zone === undefined || !store || !fleet.issuer || problems.length > 0) {
      const missing = [
        ...(release ? [] : [`version ${stamp.spec.version} is not in the release catalog`]),
        ...(size ? [] : [`size ${stamp.spec.size} is not a size profile`]),
        ...(zone === undefined ? [`region ${stamp.spec.region} is not in the region catalog`] : []),
        ...problems.map((p) => `spec.${p.path.join('.')}: ${p.message}`),
      ];
      throw new InternalError(`stamp ${name}: ${missing.join('; ')}; validate the fleet before synthesis`);
    }
    const appPort = props.appPort ?? 8080;
    const version = stamp.spec.version;
    const labels = new StampLabels(name, version);
    const components = fleet.components;

    const layer = (id: Layer) => new Construct(this, id);
    this.layers = { platform: layer('platform'), data: layer('data'), apps: layer('apps') };
    const { platform, data, apps } = this.layers;
    // The cluster's infrastructure (controllers, issuer, the zone's store) is shared by every
    // stamp of the zone: see `synthesizeZoneInfrastructure`.

    // ------------------------------------------------------------- platform
    new StampNamespace(platform, 'namespace', {
      labels,
      size,
      region: stamp.spec.region,
      zone,
      cidr: stamp.spec.network.cidr,
      ...(stamp.spec.dedicatedTo !== undefined ? { dedicatedTo: stamp.spec.dedicatedTo } : {}),
    });
    new NetworkBoundary(platform, 'network', {
      labels,
      appPort,
      componentVersions: { postgres: components.postgres.tag, redis: components.redis.tag, otelCollector: components.otelCollector.tag },
      ...(props.ingressNamespace ? { ingressNamespace: props.ingressNamespace } : {}),
      ...(props.monitoringNamespace ? { monitoringNamespace: props.monitoringNamespace } : {}),
    });
    const credentials = new Credentials(platform, 'credentials', {
      stamp: name,
      zone,
      store,
      labels: labels.stable('credentials'),
      credentials: [
        { name: 'postgres', secretName: props.postgresSecretName ?? 'postgres-credentials', keys: ['username', 'password'] },
        { name: 'redis', secretName: props.redisSecretName ?? 'redis-credentials', keys: ['password'] },
      ],
    });
    const host = stampHost(fleet, stamp);
    // The stamp's host, and every tenant host: tenants' CNAMEs point at the stamp.
    const hosts = [host, `*.${fleet.domain}`];
    const certificate = new TlsCertificate(platform, 'certificate', {
      name: 'stamp-tls',
      secretName: props.tlsSecretName ?? 'stamp-tls',
      dnsNames: hosts,
      labels: labels.stable('certificates'),
    });
    const otel = new OtelCollector(platform, 'otel-collector', {
      labels,
      image: imageReference(components.otelCollector),
      version: components.otelCollector.tag,
      region: stamp.spec.region,
    });

    // ----------------------------------------------------------------- data
    new Postgres(data, 'postgres', {
      labels,
      image: imageReference(components.postgres),
      version: components.postgres.tag,
      size,
      credentials: credentials.secrets['postgres']!,
    });
    new Redis(data, 'redis', {
      labels,
      image: imageReference(components.redis),
      version: components.redis.tag,
      credentials: credentials.secrets['redis']!,
    });

    // ----------------------------------------------------------------- apps
    const secretEnv = (credential: string, key: string) =>
      kplus.EnvValue.fromSecretValue({ secret: credentials.secrets[credential]!, key });
    const env: Record<string, kplus.EnvValue> = {
      STAMP_NAME: kplus.EnvValue.fromValue(name),
      STAMP_REGION: kplus.EnvValue.fromValue(stamp.spec.region),
      STAMP_ZONE: kplus.EnvValue.fromValue(zone),
      STAMP_DEDICATED_TO: kplus.EnvValue.fromValue(stamp.spec.dedicatedTo ?? ''),
      STAMP_APP_VERSION: kplus.EnvValue.fromValue(version),
      STAMP_APP_PORT: kplus.EnvValue.fromValue(String(appPort)),
      POSTGRES_HOST: kplus.EnvValue.fromValue('postgres'),
      POSTGRES_USER: secretEnv('postgres', 'username'),
      POSTGRES_PASSWORD: secretEnv('postgres', 'password'),
      REDIS_HOST: kplus.EnvValue.fromValue('redis'),
      REDIS_PASSWORD: secretEnv('redis', 'password'),
      OTEL_EXPORTER_OTLP_ENDPOINT: kplus.EnvValue.fromValue(`http://otel-collector:${OTEL_PORTS.http}`),
    };
    const api = new AppService(apps, 'api', {
      labels,
      component: 'api',
      image: imageReference(release.images.api),
      size,
      env,
      port: appPort,
      servicePort: 80,
    });
    // The api refuses tenants not on its stamp's list (421) and fences migrating ones.
    new TenantListMount(apps, 'tenant-list', { deployment: api.deployment });
    const worker = new AppService(apps, 'worker', {
      labels,
      component: 'worker',
      image: imageReference(release.images.worker),
      size,
      env,
      port: appPort,
    });
    const door = new FrontDoor(apps, 'front-door', {
      name: 'api',
      hosts,
      service: api.service!,
      tlsSecretName: certificate.secretName,
      ...(props.ingressClassName ? { ingressClassName: props.ingressClassName } : {}),
    });
    applyLabels(door.ingress, labels.object('api', version));

    // Residency: central telemetry and the usage export of the stamp's zone, in their own constructs.
    new ZoneTelemetry(platform, 'zone-telemetry', {
      fleet,
      stamp,
      collector: otel.deployment,
      collectorConfig: otel.config,
      collectorPods: componentPods(platform, 'otel-collector', name),
      apps: [api.deployment, worker.deployment],
      labels: labels.object('otel-collector', components.otelCollector.tag),
    });
    new UsageExport(apps, 'usage-export', { fleet, stamp, api: api.deployment, apiPods: componentPods(apps, 'api', name) });

    // Objects no component claims (the quota, the baseline policies) belong to the stamp as a whole.
    for (const scope of [platform, data, apps]) {
      for (const child of scope.node.findAll()) {
        if (child instanceof ApiObject && child.metadata.getLabel('app.kubernetes.io/name') === undefined)
          applyLabels(child, labels.object('stamp', version));
      }
    }
  }
}
