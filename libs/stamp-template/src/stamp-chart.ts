// The one template every stamp is rendered from. Stamps differ only where a typed
// parameter says so: name, namespace, host, region, zone, version, images,
// size-derived numbers, CIDR and dedicatedTo.
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  findRelease,
  findSize,
  imageReference,
  InternalError,
  quantityValue,
  stampHost,
  stampZone,
  type FleetSpec,
  type Stamp,
} from '@stampyard/stamp-spec';
import type { Layer } from './types.ts';
import { TenantListMount } from './tenant-list-mount.ts';
import { objectLabels, RESTRICTED_PSS } from './private/labels.ts';
import { OTEL_CONFIG_YAML, OTEL_PORTS } from './private/otel.ts';
import {
  allowDns,
  componentPods,
  cpuAutoscaler,
  defaultDeny,
  disruptionBudget,
  emptyDir,
  hardenedWorkload,
  namespacePeer,
  patch,
  serviceFor,
  SURGE_ONE,
} from './private/workloads.ts';

export interface StampChartProps {
  /** The validated fleet spec: release catalog, size profiles, component images, domain. */
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
   * TLS Secret of the Ingress, in the stamp's namespace (issued in the cluster, never in git).
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

const APP_UID = 10001;
const POSTGRES_UID = 70; // the postgres user of the alpine image
const REDIS_UID = 999; // the redis user of the alpine image
const OTEL_UID = 10001;
const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;

/** Fixed resources of the components whose size doesn't follow the profile. */
const SMALL = { cpu: { request: '50m', limit: '250m' }, memory: { request: '64Mi', limit: '256Mi' } } as const;

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
    if (!release || !size) {
      throw new InternalError(
        `stamp ${name}: version ${stamp.spec.version} or size ${stamp.spec.size} is not in the fleet; validate the fleet before synthesis`,
      );
    }
    const appPort = props.appPort ?? 8080;
    const version = stamp.spec.version;
    const labels = (component: string, componentVersion?: string) =>
      objectLabels({ component, instance: name, componentVersion, stamp: name, stampVersion: version });
    // Pod templates of the data and platform components leave out the stamp version, so an app release doesn't restart them.
    const podLabels = (component: string, componentVersion?: string) =>
      objectLabels({ component, instance: name, componentVersion, stamp: name });

    const mark = <T extends Construct>(construct: T, component: string, componentVersion?: string): T => {
      const metadata = ApiObject.of(construct).metadata;
      for (const [key, value] of Object.entries(labels(component, componentVersion))) metadata.addLabel(key, value);
      return construct;
    };

    const platform = new Construct(this, 'platform');
    const data = new Construct(this, 'data');
    const apps = new Construct(this, 'apps');
    this.layers = { platform, data, apps };

    // ---------------------------------------------------------------- platform
    new kplus.Namespace(platform, 'namespace', {
      metadata: {
        name,
        labels: { ...labels('stamp', version), ...RESTRICTED_PSS, 'stampyard.dev/region': stamp.spec.region },
        annotations: {
          'stampyard.dev/zone': stampZone(fleet, stamp) ?? '',
          'stampyard.dev/cidr': stamp.spec.network.cidr,
          'stampyard.dev/dedicated-to': stamp.spec.dedicatedTo ?? '',
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
    new kplus.k8s.KubeResourceQuota(platform, 'quota', {
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
    new kplus.k8s.KubeLimitRange(platform, 'limits', {
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

    const serviceAccount = (component: string, componentVersion?: string) =>
      mark(new kplus.ServiceAccount(platform, `${component}-sa`, { metadata: { name: component }, automountToken: false }), component, componentVersion);
    const saApi = serviceAccount('api', version);
    const saWorker = serviceAccount('worker', version);
    const saPostgres = serviceAccount('postgres', fleet.components.postgres.tag);
    const saRedis = serviceAccount('redis', fleet.components.redis.tag);
    const saOtel = serviceAccount('otel-collector', fleet.components.otelCollector.tag);

    // The network boundary: deny everything, then allow what the stack needs.
    defaultDeny(platform);
    allowDns(platform);
    const apiPods = componentPods(platform, 'api', name);
    const workerPods = componentPods(platform, 'worker', name);
    const postgresPods = componentPods(platform, 'postgres', name);
    const redisPods = componentPods(platform, 'redis', name);
    const otelPods = componentPods(platform, 'otel-collector', name);
    const frontDoor = namespacePeer(platform, 'front-door', props.ingressNamespace ?? 'ingress-nginx');
    const monitoring = namespacePeer(platform, 'monitoring', props.monitoringNamespace ?? 'monitoring');
    const tcp = kplus.NetworkPolicyPort.tcp;
    const otelIn = [tcp(OTEL_PORTS.grpc), tcp(OTEL_PORTS.http)];

    const allow = (component: string, componentVersion: string, pods: kplus.Pods) =>
      mark(new kplus.NetworkPolicy(platform, `${component}-policy`, { metadata: { name: `allow-${component}` }, selector: pods }), component, componentVersion);
    const apiPolicy = allow('api', version, apiPods);
    apiPolicy.addIngressRule(frontDoor, [tcp(appPort)]);
    apiPolicy.addIngressRule(monitoring, [tcp(appPort)]);
    const workerPolicy = allow('worker', version, workerPods);
    workerPolicy.addIngressRule(monitoring, [tcp(appPort)]);
    for (const policy of [apiPolicy, workerPolicy]) {
      policy.addEgressRule(postgresPods, [tcp(POSTGRES_PORT)]);
      policy.addEgressRule(redisPods, [tcp(REDIS_PORT)]);
      policy.addEgressRule(otelPods, otelIn);
    }
    const postgresTag = fleet.components.postgres.tag;
    const redisTag = fleet.components.redis.tag;
    const otelTag = fleet.components.otelCollector.tag;
    const fromApps = (policy: kplus.NetworkPolicy, ports: kplus.NetworkPolicyPort[]) => {
      policy.addIngressRule(apiPods, ports);
      policy.addIngressRule(workerPods, ports);
      return policy;
    };
    fromApps(allow('postgres', postgresTag, postgresPods), [tcp(POSTGRES_PORT)]);
    fromApps(allow('redis', redisTag, redisPods), [tcp(REDIS_PORT)]);
    fromApps(allow('otel-collector', otelTag, otelPods), otelIn).addIngressRule(monitoring, [tcp(OTEL_PORTS.prometheus)]);

    // Observability: an OpenTelemetry collector, OTLP in, Prometheus and debug out.
    const otelConfig = mark(
      new kplus.ConfigMap(platform, 'otel-config', { metadata: { name: 'otel-collector-config' }, data: { 'config.yaml': OTEL_CONFIG_YAML } }),
      'otel-collector',
      otelTag,
    );
    const otel = hardenedWorkload(
      platform,
      {
        component: 'otel-collector',
        instance: name,
        labels: podLabels('otel-collector', otelTag),
        serviceAccount: saOtel,
        uid: OTEL_UID,
        container: {
          image: imageReference(fleet.components.otelCollector),
          resources: SMALL,
          args: ['--config=/etc/otelcol/config.yaml'],
          ports: [
            { name: 'otlp-grpc', number: OTEL_PORTS.grpc },
            { name: 'otlp-http', number: OTEL_PORTS.http },
            { name: 'metrics', number: OTEL_PORTS.prometheus },
            { name: 'health', number: OTEL_PORTS.health },
          ],
          envVariables: {
            STAMP_NAME: kplus.EnvValue.fromValue(name),
            STAMP_REGION: kplus.EnvValue.fromValue(stamp.spec.region),
          },
          readiness: kplus.Probe.fromHttpGet('/', { port: OTEL_PORTS.health }),
          liveness: kplus.Probe.fromHttpGet('/', { port: OTEL_PORTS.health }),
        },
        mounts: [
          { path: '/etc/otelcol', volume: kplus.Volume.fromConfigMap(platform, 'otel-config-volume', otelConfig, { name: 'config' }), readOnly: true },
        ],
      },
      (podProps) => new kplus.Deployment(platform, 'otel-collector', { ...podProps, replicas: 1 }),
    );
    mark(otel.workload, 'otel-collector', otelTag);
    const otelService = serviceFor(platform, 'otel-service', {
      name: 'otel-collector',
      component: 'otel-collector',
      instance: name,
      ports: [
        { name: 'otlp-grpc', port: OTEL_PORTS.grpc, targetPort: OTEL_PORTS.grpc },
        { name: 'otlp-http', port: OTEL_PORTS.http, targetPort: OTEL_PORTS.http },
        { name: 'metrics', port: OTEL_PORTS.prometheus, targetPort: OTEL_PORTS.prometheus },
      ],
    });
    mark(otelService, 'otel-collector', otelTag);

    // ---------------------------------------------------------------- data
    const postgresSecret = kplus.Secret.fromSecretName(data, 'postgres-secret', props.postgresSecretName ?? 'postgres-credentials');
    const redisSecret = kplus.Secret.fromSecretName(data, 'redis-secret', props.redisSecretName ?? 'redis-credentials');
    const secretEnv = (secret: kplus.ISecret, key: string) => kplus.EnvValue.fromSecretValue({ secret, key });

    const postgresService = serviceFor(data, 'postgres-service', {
      name: 'postgres',
      component: 'postgres',
      instance: name,
      ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT }],
      headless: true,
    });
    mark(postgresService, 'postgres', postgresTag);
    const { workload: postgres } = hardenedWorkload(
      data,
      {
        component: 'postgres',
        instance: name,
        labels: podLabels('postgres', postgresTag),
        serviceAccount: saPostgres,
        uid: POSTGRES_UID,
        container: {
          image: imageReference(fleet.components.postgres),
          resources: size,
          ports: [{ name: 'postgres', number: POSTGRES_PORT }],
          envVariables: {
            POSTGRES_USER: secretEnv(postgresSecret, 'username'),
            POSTGRES_PASSWORD: secretEnv(postgresSecret, 'password'),
            PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata'),
          },
          readiness: kplus.Probe.fromCommand(['sh', '-c', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER"']),
          liveness: kplus.Probe.fromTcpSocket({ port: POSTGRES_PORT }),
        },
        mounts: [{ path: '/var/run/postgresql', volume: emptyDir(data, 'postgres-run', 'run') }],
      },
      (podProps) => new kplus.StatefulSet(data, 'postgres', { ...podProps, service: postgresService, replicas: 1 }),
    );
    mark(postgres, 'postgres', postgresTag);
    // cdk8s-plus has no volumeClaimTemplates: mount by name and add the template by patch.
    patch(
      postgres,
      JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: '/var/lib/postgresql/data' }),
      JsonPatch.add('/spec/volumeClaimTemplates', [
        {
          metadata: { name: 'data', labels: podLabels('postgres', postgresTag) },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: q(size.storage) } } },
        },
      ]),
    );

    const redis = hardenedWorkload(
      data,
      {
        component: 'redis',
        instance: name,
        labels: podLabels('redis', redisTag),
        serviceAccount: saRedis,
        uid: REDIS_UID,
        container: {
          image: imageReference(fleet.components.redis),
          resources: SMALL,
          command: ['sh', '-c', 'exec redis-server --save "" --appendonly no --requirepass "$REDIS_PASSWORD"'],
          ports: [{ name: 'redis', number: REDIS_PORT }],
          envVariables: { REDIS_PASSWORD: secretEnv(redisSecret, 'password') },
          readiness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT }),
          liveness: kplus.Probe.fromTcpSocket({ port: REDIS_PORT }),
        },
        mounts: [{ path: '/data', volume: emptyDir(data, 'redis-data', 'data', 256) }],
      },
      (podProps) => new kplus.Deployment(data, 'redis', { ...podProps, replicas: 1, strategy: kplus.DeploymentStrategy.recreate() }),
    );
    mark(redis.workload, 'redis', redisTag);
    mark(
      serviceFor(data, 'redis-service', {
        name: 'redis',
        component: 'redis',
        instance: name,
        ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
      }),
      'redis',
      redisTag,
    );

    // ---------------------------------------------------------------- apps
    const appEnv: Record<string, kplus.EnvValue> = {
      STAMP_NAME: kplus.EnvValue.fromValue(name),
      STAMP_REGION: kplus.EnvValue.fromValue(stamp.spec.region),
      STAMP_ZONE: kplus.EnvValue.fromValue(stampZone(fleet, stamp) ?? ''),
      STAMP_DEDICATED_TO: kplus.EnvValue.fromValue(stamp.spec.dedicatedTo ?? ''),
      STAMP_APP_VERSION: kplus.EnvValue.fromValue(version),
      STAMP_APP_PORT: kplus.EnvValue.fromValue(String(appPort)),
      POSTGRES_HOST: kplus.EnvValue.fromValue('postgres'),
      POSTGRES_USER: secretEnv(postgresSecret, 'username'),
      POSTGRES_PASSWORD: secretEnv(postgresSecret, 'password'),
      REDIS_HOST: kplus.EnvValue.fromValue('redis'),
      REDIS_PASSWORD: secretEnv(redisSecret, 'password'),
      OTEL_EXPORTER_OTLP_ENDPOINT: kplus.EnvValue.fromValue(`http://otel-collector:${OTEL_PORTS.http}`),
    };
    const scrape = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(appPort), 'prometheus.io/path': '/metrics' };
    const appService = (component: 'api' | 'worker', serviceAccount: kplus.IServiceAccount) => {
      const { workload: deployment } = hardenedWorkload(
        apps,
        {
          component,
          instance: name,
          labels: labels(component, version),
          annotations: scrape,
          serviceAccount,
          uid: APP_UID,
          container: {
            image: imageReference(release.images[component]),
            resources: size,
            ports: [{ name: 'http', number: appPort }],
            envVariables: { ...appEnv }, // a copy: the api adds its own (the tenant list)
            readiness: kplus.Probe.fromHttpGet('/healthz', { port: appPort }),
            liveness: kplus.Probe.fromTcpSocket({ port: appPort }),
          },
        },
        // No replicas: the HorizontalPodAutoscaler owns them.
        (podProps) => new kplus.Deployment(apps, component, { ...podProps, strategy: SURGE_ONE }),
      );
      mark(deployment, component, version);
      const hpa = cpuAutoscaler(apps, `${component}-hpa`, {
        name: component,
        target: deployment,
        minReplicas: size.replicas,
        maxReplicas: size.autoscaling.maxReplicas,
        cpuPercent: size.autoscaling.targetCpuUtilizationPercent,
      });
      mark(hpa, component, version);
      mark(disruptionBudget(apps, `${component}-pdb`, { name: component, component, instance: name, maxUnavailable: 1 }), component, version);
      return deployment;
    };
    // The api refuses tenants not on its stamp's list (421) and fences migrating ones.
    new TenantListMount(apps, 'tenant-list', { deployment: appService('api', saApi) });
    const apiService = mark(
      serviceFor(apps, 'api-service', { name: 'api', component: 'api', instance: name, ports: [{ name: 'http', port: 80, targetPort: appPort }] }),
      'api',
      version,
    );
    appService('worker', saWorker);

    const host = stampHost(fleet, stamp);
    const ingress = new kplus.Ingress(apps, 'ingress', {
      metadata: { name: 'api' },
      className: props.ingressClassName ?? 'nginx',
      rules: [{ host, path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend: kplus.IngressBackend.fromService(apiService) }],
      tls: [{ hosts: [host], secret: kplus.Secret.fromSecretName(apps, 'tls', props.tlsSecretName ?? 'stamp-tls') }],
    });
    mark(ingress, 'api', version);

    // Labels on everything: objects not marked with a component belong to the stamp as a whole.
    for (const layer of Object.values(this.layers)) {
      for (const child of layer.node.findAll()) {
        if (child instanceof ApiObject && child.metadata.getLabel('app.kubernetes.io/name') === undefined) mark(child, 'stamp', version);
      }
    }
  }
}
