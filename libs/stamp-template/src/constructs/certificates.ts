// TLS from cert-manager: a Certificate whose Secret an Ingress serves.
import { Construct } from 'constructs';
import { CUSTOM_KINDS, customResource } from '../private/custom-resources.ts';

/** The ClusterIssuer every cluster gets (`InfrastructureConfig`) and every Certificate names. */
export const CLUSTER_ISSUER_NAME = 'stampyard';

export interface TlsCertificateProps {
  /** Name of the Certificate. */
  readonly name: string;
  /** Secret cert-manager writes the key pair to (`tls.crt`, `tls.key`). */
  readonly secretName: string;
  /** Host names, the first one the common name; `*.domain` for a wildcard. */
  readonly dnsNames: readonly string[];
  /** Labels of the Certificate. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * ClusterIssuer that signs it.
   * @default CLUSTER_ISSUER_NAME
   */
  readonly issuerName?: string;
  /**
   * Namespace of the Certificate and its Secret.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/** A cert-manager Certificate with an ECDSA key rotated on every renewal. */
export class TlsCertificate extends Construct {
  /** The Secret the certificate is issued into. */
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: TlsCertificateProps) {
    super(scope, id);
    this.secretName = props.secretName;
    customResource(
      this,
      'certificate',
      CUSTOM_KINDS.certificate,
      { name: props.name, labels: props.labels, ...(props.namespace ? { namespace: props.namespace } : {}) },
      {
        secretName: props.secretName,
        dnsNames: [...props.dnsNames],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: props.issuerName ?? CLUSTER_ISSUER_NAME },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    );
  }
}
