import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stampZone, type FleetSpec } from '@stampyard/stamp-spec';
import { aFleetSpec, aStamp } from '@stampyard/stamp-spec/testing';
import { synthesizeStamp, synthesizeZoneInfrastructure, type ApiObjectJson } from '../index.ts';
import { credentialKey } from './credentials.ts';

const fleet = aFleetSpec();
/** What a stamp cluster applies of credentials: its zone's infrastructure config and the stamp's platform layer. */
const objectsOf = (spec: FleetSpec, region: string, name = 'stamp-x-1') => {
  const stamp = aStamp({ name, region });
  return [
    ...synthesizeZoneInfrastructure(spec, stampZone(spec, stamp)!)['infrastructure-config'],
    ...synthesizeStamp(spec, stamp).platform,
  ];
};
const specOf = (o: ApiObjectJson) => o['spec'] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Credentials', () => {
  it("reads each credential from the stamp zone's store at <prefix>/<stamp>/<credential>", () => {
    const objects = objectsOf(fleet, 'westeurope', 'stamp-eu-9');
    const secrets = objects.filter((o) => o.kind === 'ExternalSecret');
    expect(secrets.map((o) => o.metadata.name)).toEqual(['postgres-credentials', 'redis-credentials']);
    expect(specOf(secrets[0]!)).toMatchObject({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'stampyard-eu' },
      target: { name: 'postgres-credentials' },
      data: [
        { secretKey: 'username', remoteRef: { key: 'stamps/stamp-eu-9/postgres', property: 'username' } },
        { secretKey: 'password', remoteRef: { key: 'stamps/stamp-eu-9/postgres', property: 'password' } },
      ],
    });
    const [store] = objects.filter((o) => o.kind === 'ClusterSecretStore');
    expect(specOf(store!)['provider']['vault']['server']).toBe('https://vault.eu.example.com');
    // Only the stamp's own namespace, the one carrying the stamp label, may read the store.
    expect(specOf(store!)['conditions']).toEqual([
      { namespaceSelector: { matchExpressions: [{ key: 'stampyard.dev/stamp', operator: 'Exists' }] } },
    ]);
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    expect(namespace.metadata.labels?.['stampyard.dev/stamp']).toBe('stamp-eu-9');
  });

  it("never lets a stamp read another zone's store (property)", () => {
    const regions = Object.keys(fleet.regions);
    fc.assert(
      fc.property(fc.constantFrom(...regions), fc.integer({ min: 1, max: 999 }), (region, n) => {
        const stamp = aStamp({ name: `stamp-p-${n}`, region });
        const zone = stampZone(fleet, stamp)!;
        const all = [
          ...Object.values(synthesizeStamp(fleet, stamp)).flat(),
          ...Object.values(synthesizeZoneInfrastructure(fleet, zone)).flat(),
        ] as ApiObjectJson[];
        const stores = all.filter((o) => o.kind === 'ClusterSecretStore');
        expect(stores.map((o) => o.metadata.name)).toEqual([`stampyard-${zone}`]);
        expect(JSON.stringify(stores)).toContain(`vault.${zone}.example.com`);
        for (const other of Object.keys(fleet.secretStores!).filter((z) => z !== zone))
          expect(JSON.stringify(all)).not.toContain(`vault.${other}.`);
        for (const es of all.filter((o) => o.kind === 'ExternalSecret'))
          expect(specOf(es)['secretStoreRef']['name']).toBe(`stampyard-${zone}`);
      }),
      { numRuns: 20 },
    );
  });

  it('generates passwords once inside the cluster when the zone is `generated`', () => {
    const spec: FleetSpec = { ...fleet, secretStores: { ...fleet.secretStores, eu: { provider: 'generated', passwordLength: 40 } } };
    const objects = objectsOf(spec, 'westeurope');
    expect(objects.filter((o) => o.kind === 'ClusterSecretStore')).toEqual([]);
    const generators = objects.filter((o) => o.kind === 'Password');
    expect(generators.map((o) => o.metadata.name)).toEqual(['postgres-password', 'redis-password']);
    expect(specOf(generators[0]!)).toMatchObject({ length: 40, symbols: 0 });
    const postgres = objects.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'postgres-credentials')!;
    expect(specOf(postgres)).toMatchObject({
      refreshPolicy: 'CreatedOnce',
      target: {
        name: 'postgres-credentials',
        creationPolicy: 'Orphan',
        template: { data: { username: 'stampyard', password: '{{ .password }}' } },
      },
      dataFrom: [{ sourceRef: { generatorRef: { kind: 'Password', name: 'postgres-password' } } }],
    });
    expect(JSON.stringify(objects)).not.toContain('secretStoreRef');
  });

  it('keys Azure Key Vault secrets without slashes', () => {
    const store = {
      provider: 'azure-key-vault',
      vaultUrl: 'https://x.vault.azure.net',
      tenantID: '1',
      clientID: '2',
      pathPrefix: 'prod/stamps',
    } as const;
    expect(credentialKey(store, 'stamp-eu-1', 'postgres')).toBe('prod-stamps-stamp-eu-1-postgres');
    expect(
      credentialKey(
        { provider: 'vault', server: 'https://v', path: 'secret', role: 'r', authMountPath: 'kubernetes', pathPrefix: 'prod/stamps' },
        'stamp-eu-1',
        'postgres',
      ),
    ).toBe('prod/stamps/stamp-eu-1/postgres');
  });
});
