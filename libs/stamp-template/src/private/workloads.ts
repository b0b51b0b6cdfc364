// Building blocks shared by the stamp chart and the gateway chart: hardened workloads,
// services, autoscaling, disruption budgets and network policies.
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { containerSecurityContext, podSecurityContext } from './hardening.ts';
import { selectorLabels } from './labels.ts';
import { containerResources, type ResourceSpec } from './resources.ts';

/** Roll one extra pod at a time, never below the current count. */
export const SURGE_ONE = kplus.DeploymentStrategy.rollingUpdate({
  maxSurge: kplus.PercentOrAbsolute.absolute(1),
  maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
});

/** What `hardenedPodProps` needs to know about a pod. */
export interface PodOptions {
  readonly name: string;
  readonly instance: string;
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly serviceAccount: kplus.IServiceAccount;
  readonly uid: number;
  readonly containers: kplus.ContainerProps[];
  readonly volumes?: kplus.Volume[];
}

/** Props every workload shares: own selector labels (never cdk8s' address label), hardened pods, no token. */
export function hardenedPodProps(options: PodOptions) {
  return {
    metadata: { name: options.name },
    select: false,
    spread: false,
    podMetadata: { labels: options.labels, ...(options.annotations ? { annotations: options.annotations } : {}) },
    serviceAccount: options.serviceAccount,
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(options.uid),
    containers: options.containers,
    ...(options.volumes ? { volumes: options.volumes } : {}),
    terminationGracePeriod: Duration.seconds(30),
  } satisfies kplus.DeploymentProps;
}

/** Selects the workload's pods by its own immutable selector labels. */
export function selectOwnPods(workload: kplus.Workload, component: string, instance: string): void {
  workload.select(kplus.LabelSelector.of({ labels: selectorLabels(component, instance) }));
}

/** A container with the shared hardening and the given resources. */
export function hardenedContainer(
  props: Omit<kplus.ContainerProps, 'securityContext' | 'resources'> & { readonly uid: number; readonly resources: ResourceSpec },
): kplus.ContainerProps {
  const { uid, resources, ...rest } = props;
  return {
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ...rest,
    securityContext: containerSecurityContext(uid),
    resources: containerResources(resources),
  };
}

/** An emptyDir volume, e.g. for /tmp under a read-only root filesystem. */
export function emptyDir(scope: Construct, id: string, name: string, sizeLimitMi = 64): kplus.Volume {
  return kplus.Volume.fromEmptyDir(scope, id, name, { sizeLimit: Size.mebibytes(sizeLimitMi) } as kplus.EmptyDirVolumeOptions);
}

/** A ClusterIP Service selecting a component's pods. */
export function serviceFor(
  scope: Construct,
  id: string,
  options: {
    readonly name: string;
    readonly component: string;
    readonly instance: string;
    readonly ports: kplus.ServicePort[];
    readonly headless?: boolean;
  },
): kplus.Service {
  const service = new kplus.Service(scope, id, {
    metadata: { name: options.name },
    ports: options.ports,
    ...(options.headless ? { clusterIP: 'None' } : {}),
  });
  for (const [key, value] of Object.entries(selectorLabels(options.component, options.instance))) service.selectLabel(key, value);
  return service;
}

/** A CPU-based HorizontalPodAutoscaler. The target must leave `replicas` unset. */
export function cpuAutoscaler(
  scope: Construct,
  id: string,
  options: {
    readonly name: string;
    readonly target: kplus.IScalable;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly cpuPercent: number;
  },
): kplus.HorizontalPodAutoscaler {
  return new kplus.HorizontalPodAutoscaler(scope, id, {
    metadata: { name: options.name },
    target: options.target,
    minReplicas: options.minReplicas,
    maxReplicas: options.maxReplicas,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(options.cpuPercent))],
  });
}

/** A PodDisruptionBudget for a component's pods (cdk8s-plus has none). */
export function disruptionBudget(
  scope: Construct,
  id: string,
  options: {
    readonly name: string;
    readonly component: string;
    readonly instance: string;
    readonly minAvailable?: number;
    readonly maxUnavailable?: number;
  },
): kplus.k8s.KubePodDisruptionBudget {
  return new kplus.k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: options.name },
    spec: {
      selector: { matchLabels: selectorLabels(options.component, options.instance) },
      ...(options.minAvailable !== undefined ? { minAvailable: kplus.k8s.IntOrString.fromNumber(options.minAvailable) } : {}),
      ...(options.maxUnavailable !== undefined ? { maxUnavailable: kplus.k8s.IntOrString.fromNumber(options.maxUnavailable) } : {}),
    },
  });
}

/** Denies all ingress and egress of every pod in the namespace; allow rules open what is needed. */
export function defaultDeny(scope: Construct): kplus.NetworkPolicy {
  return new kplus.NetworkPolicy(scope, 'default-deny', {
    metadata: { name: 'default-deny' },
    selector: kplus.Pods.all(scope, 'all-pods'),
    ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
  });
}

/** Lets every pod in the namespace resolve names through kube-dns (53 UDP and TCP). */
export function allowDns(scope: Construct): kplus.NetworkPolicy {
  const policy = new kplus.NetworkPolicy(scope, 'allow-dns', {
    metadata: { name: 'allow-dns-egress' },
    selector: kplus.Pods.all(scope, 'dns-clients'),
  });
  const kubeDns = kplus.Pods.select(scope, 'kube-dns', {
    labels: { 'k8s-app': 'kube-dns' },
    namespaces: kplus.Namespaces.select(scope, 'kube-system', { names: ['kube-system'] }),
  });
  policy.addEgressRule(kubeDns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);
  return policy;
}

/** The pods of one component, as a network policy peer. */
export function componentPods(scope: Construct, component: string, instance: string): kplus.Pods {
  return kplus.Pods.select(scope, `${component}-pods`, { labels: selectorLabels(component, instance) });
}

/** Every pod in the named namespace, as a network policy peer. */
export function namespacePeer(scope: Construct, id: string, namespace: string): kplus.Namespaces {
  return kplus.Namespaces.select(scope, id, { names: [namespace] });
}

/** Adds a raw JSON patch to an object cdk8s-plus can't express (projected volumes, PVC templates). */
export function patch(construct: Construct, ...patches: JsonPatch[]): void {
  ApiObject.of(construct).addJsonPatch(...patches);
}

/** What `hardenedWorkload` needs: the pod, its one container, and extra mounts (an emptyDir /tmp is always added). */
export interface WorkloadOptions extends Omit<PodOptions, 'name' | 'containers' | 'volumes'> {
  readonly component: string;
  readonly container: Omit<Parameters<typeof hardenedContainer>[0], 'uid' | 'name'>;
  readonly mounts?: readonly { readonly path: string; readonly volume: kplus.Volume; readonly readOnly?: boolean }[];
}

/**
 * A hardened Deployment or StatefulSet (made by `create` from the pod props) with one container named
 * after the component, selecting its pods by the component's selector labels.
 */
export function hardenedWorkload<W extends kplus.Deployment | kplus.StatefulSet>(
  scope: Construct,
  options: WorkloadOptions,
  create: (podProps: ReturnType<typeof hardenedPodProps>) => W,
): { readonly workload: W; readonly container: kplus.Container } {
  const { component, container: containerProps, mounts, ...pod } = options;
  const workload = create(hardenedPodProps({ ...pod, name: component, containers: [] }));
  selectOwnPods(workload, component, options.instance);
  const container = workload.addContainer(hardenedContainer({ ...containerProps, name: component, uid: options.uid }));
  for (const mount of mounts ?? []) container.mount(mount.path, mount.volume, mount.readOnly ? { readOnly: true } : {});
  container.mount('/tmp', emptyDir(scope, `${component}-tmp`, 'tmp'));
  return { workload, container };
}

/** Adds `labels` to the API object of `construct` (cdk8s-plus constructs and raw objects alike). */
export function applyLabels<T extends Construct>(construct: T, labels: Readonly<Record<string, string>>): T {
  const metadata = ApiObject.of(construct).metadata;
  for (const [key, value] of Object.entries(labels)) metadata.addLabel(key, value);
  return construct;
}

/**
 * What every component of a stamp starts with: a labeller for its objects (the component's
 * labels, following the stamp's release) and its own ServiceAccount `<component>`, without a token.
 */
export function componentBasics(
  scope: Construct,
  labels: Readonly<Record<string, string>>,
  component: string,
): { readonly mark: <T extends Construct>(construct: T) => T; readonly serviceAccount: kplus.ServiceAccount } {
  const mark = <T extends Construct>(construct: T): T => applyLabels(construct, labels);
  const serviceAccount = mark(new kplus.ServiceAccount(scope, 'sa', { metadata: { name: component }, automountToken: false }));
  return { mark, serviceAccount };
}
