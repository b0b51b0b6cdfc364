// Credentials without values in git: an ExternalSecret per credential, reading the zone's secret
// store at a per-stamp key, or external-secrets' Password generator when the zone is `generated`.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { SecretStoreConfig } from '@stampyard/stamp-spec';
import { CUSTOM_KINDS, customResource } from '../private/custom-resources.ts';

/** One credential of a stamp: the Secret the pods read and the keys it holds. */
export interface CredentialSpec {
  /** Short name, the last segment of its key in the store, e.g. `postgres`. */
  readonly name: string;
  /** Secret in the stamp's namespace. */
  readonly secretName: string;
  /** Keys of the Secret; a generated credential's `password` is generated, `username` is `usernameWhenGenerated`. */
  readonly keys: readonly ('username' | 'password')[];
}

/** The ClusterSecretStore of a residency zone. */
export function secretStoreName(zone: string): string {
  return `stampyard-${zone}`;
}

/**
 * Where a stamp's credential lives in its zone's store: `<prefix>/<stamp>/<credential>`; Azure Key
 * Vault allows no `/` in names, so there `<prefix>-<stamp>-<credential>`. The one place this rule lives.
 */
export function credentialKey(store: Exclude<SecretStoreConfig, { provider: 'generated' }>, stamp: string, credential: string): string {
  const path = `${store.pathPrefix}/${stamp}/${credential}`;
  return store.provider === 'azure-key-vault' ? path.replaceAll('/', '-') : path;
}

export interface CredentialsProps {
  /** The stamp, whose key prefix the credentials are read from. */
  readonly stamp: string;
  /** The stamp's residency zone: it reads only from this zone's store. */
  readonly zone: string;
  /** The zone's secret store. */
  readonly store: SecretStoreConfig;
  /** The credentials to provide. */
  readonly credentials: readonly CredentialSpec[];
  /** Labels of every object. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * How often synced credentials are re-read from the store.
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /**
   * The user name of generated credentials.
   * @default 'stampyard'
   */
  readonly usernameWhenGenerated?: string;
}

/** An ExternalSecret (and, when generated, a Password generator) per credential. */
export class Credentials extends Construct {
  /** The Secret of each credential, by credential name. */
  readonly secrets: Readonly<Record<string, kplus.ISecret>>;

  constructor(scope: Construct, id: string, props: CredentialsProps) {
    super(scope, id);
    const { store, labels } = props;
    const secrets: Record<string, kplus.ISecret> = {};
    for (const credential of props.credentials) {
      secrets[credential.name] = kplus.Secret.fromSecretName(this, `${credential.name}-secret`, credential.secretName);
      if (store.provider === 'generated') {
        const generator = `${credential.name}-password`;
        customResource(
          this,
          `${credential.name}-generator`,
          CUSTOM_KINDS.password,
          { name: generator, labels },
          {
            length: store.passwordLength,
            digits: 6,
            symbols: 0,
            noUpper: false,
            allowRepeat: true,
          },
        );
        const data: Record<string, string> = {};
        for (const key of credential.keys)
          data[key] = key === 'password' ? '{{ .password }}' : (props.usernameWhenGenerated ?? 'stampyard');
        customResource(
          this,
          `${credential.name}-external-secret`,
          CUSTOM_KINDS.externalSecret,
          { name: credential.secretName, labels },
          {
            // Generated once: a new password would lock the pods out of the data they already wrote.
            refreshPolicy: 'CreatedOnce',
            target: {
              name: credential.secretName,
              creationPolicy: 'Orphan',
              deletionPolicy: 'Retain',
              template: { engineVersion: 'v2', data },
            },
            dataFrom: [
              {
                sourceRef: {
                  generatorRef: { apiVersion: CUSTOM_KINDS.password.apiVersion, kind: CUSTOM_KINDS.password.kind, name: generator },
                },
              },
            ],
          },
        );
      } else {
        const key = credentialKey(store, props.stamp, credential.name);
        customResource(
          this,
          `${credential.name}-external-secret`,
          CUSTOM_KINDS.externalSecret,
          { name: credential.secretName, labels },
          {
            refreshInterval: props.refreshInterval ?? '1h',
            secretStoreRef: { kind: 'ClusterSecretStore', name: secretStoreName(props.zone) },
            target: { name: credential.secretName, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
            data: credential.keys.map((k) => ({ secretKey: k, remoteRef: { key, property: k } })),
          },
        );
      }
    }
    this.secrets = secrets;
  }
}
