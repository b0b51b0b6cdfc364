import { describe, expect, it } from 'vitest';
import { aFleetSpec } from '@stampyard/stamp-spec/testing';
import { GATEWAY_TABLE_DIR, synthesizeGateway, type ApiObjectJson, type GatewayManifestProps } from './index.ts';
import { containersOf, podSpecOf } from './private/manifest-walk.ts';

const fleet = aFleetSpec();
const routingConfigMaps: GatewayManifestProps['routingConfigMaps'] = [
  { name: 'routing-index', data: { 'routing-index.json': '{"revision":"r1","shards":2}' } },
  { name: 'routing-shard-000', data: { 'routing-shard-000.json.part': '{"tenants":' } },
  { name: 'routing-shard-001', data: { 'routing-shard-001.json.part': '{}}' } },
];
const objects = synthesizeGateway(fleet, { routingConfigMaps });
const find = (kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

describe('synthesizeGateway', () => {
  it('renders the namespace first, restricted', () => {
    expect(objects[0]?.kind).toBe('Namespace');
    expect(objects[0]?.metadata.name).toBe('stampyard-gateway');
    expect(objects[0]?.metadata).not.toHaveProperty('namespace');
    expect(objects[0]?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('runs the gateway image with its arguments; probes and scraping use the admin port, never the public one', () => {
    const [ref] = containersOf(objects);
    expect(ref?.container['image']).toBe('ghcr.io/acme/stampyard-gateway:0.1.0');
    expect(ref?.container['args']).toEqual([
      '--table',
      '/etc/stampyard/routing',
      '--port',
      '8080',
      '--admin-port',
      '9090',
      '--host',
      '0.0.0.0',
      '--trust-proxy',
      '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fd00::/8',
    ]);
    expect(ref?.container['ports']).toEqual([
      { containerPort: 8080, name: 'http' },
      { containerPort: 9090, name: 'admin' },
    ]);
    expect(ref?.container['readinessProbe']).toMatchObject({ httpGet: { path: '/readyz', port: 9090 } });
    expect(ref?.container['livenessProbe']).toMatchObject({ httpGet: { path: '/healthz', port: 9090 } });
    const annotations = (find('Deployment')!['spec'] as { template: { metadata: { annotations: Record<string, string> } } }).template
      .metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/metrics' });
    const service = find('Service', 'gateway')!['spec'] as { ports: { port: number; targetPort: number }[] };
    expect(service.ports.map((p) => p.targetPort)).toEqual([8080]);
    expect(
      containersOf(synthesizeGateway(fleet, { routingConfigMaps, trustedProxyCidrs: '10.244.0.0/16' }))[0]?.container['args'],
    ).toContain('10.244.0.0/16');
    expect(ref?.container['securityContext']).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('mounts every routing ConfigMap as ONE projected volume', () => {
    const deployment = find('Deployment')!;
    const spec = podSpecOf(deployment)!;
    const volumes = spec['volumes'] as { name: string; projected?: { sources: { configMap: { name: string } }[] } }[];
    const projected = volumes.filter((v) => v.projected);
    expect(projected).toHaveLength(1);
    expect(projected[0]!.projected!.sources.map((s) => s.configMap.name)).toEqual(routingConfigMaps.map((c) => c.name));
    const mounts = containersOf(objects)[0]!.container['volumeMounts'] as { name: string; mountPath: string }[];
    expect(mounts.filter((m) => m.mountPath === GATEWAY_TABLE_DIR)).toEqual([
      { name: projected[0]!.name, mountPath: GATEWAY_TABLE_DIR, readOnly: true },
    ]);
    for (const c of routingConfigMaps) expect(find('ConfigMap', c.name)?.['data']).toEqual(c.data);
  });

  it('keeps at least 2 replicas: HPA minimum, no Deployment replicas, PDB minAvailable 1', () => {
    expect(find('Deployment')!['spec']).not.toHaveProperty('replicas');
    expect((find('HorizontalPodAutoscaler')!['spec'] as { minReplicas: number }).minReplicas).toBe(2);
    const one = synthesizeGateway(fleet, { routingConfigMaps, replicas: 1 });
    expect((one.find((o) => o.kind === 'HorizontalPodAutoscaler')!['spec'] as { minReplicas: number }).minReplicas).toBe(2);
    const five = synthesizeGateway(fleet, { routingConfigMaps, replicas: 5, namespace: 'edge' });
    expect((five.find((o) => o.kind === 'HorizontalPodAutoscaler')!['spec'] as { minReplicas: number }).minReplicas).toBe(5);
    expect(five.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'edge')).toBe(true);
    expect((find('PodDisruptionBudget')!['spec'] as { minAvailable: number }).minAvailable).toBe(1);
  });

  it('denies by default and allows ingress on 8080 and DNS', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
    expect((deny['spec'] as { policyTypes: string[] }).policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const allow = policies.find((p) => p.metadata.name === 'allow-gateway')!;
    expect(JSON.stringify((allow['spec'] as { ingress: unknown }).ingress)).toContain('"port":8080');
    expect(policies.map((p) => p.metadata.name)).toContain('allow-dns-egress');
  });

  it('labels everything and carries no cdk8s noise', () => {
    for (const object of objects as ApiObjectJson[]) {
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'gateway',
        'app.kubernetes.io/part-of': 'stampyard',
        'app.kubernetes.io/managed-by': 'stampyard',
      });
      expect(JSON.stringify(object)).not.toContain('cdk8s.io/');
    }
  });
});
