// The stamp's front door: an Ingress for the stamp's host and its tenants' hosts, served with the
// stamp's certificate.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';

export interface FrontDoorProps {
  /** Name of the Ingress. */
  readonly name: string;
  /** Hosts routed to the service, e.g. the stamp's host and `*.<domain>` for its tenants. */
  readonly hosts: readonly string[];
  /** The Service behind the door. */
  readonly service: kplus.Service;
  /** TLS Secret covering every host (issued by cert-manager). */
  readonly tlsSecretName: string;
  /**
   * IngressClass of the ingress controller.
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
}

/** An Ingress with one rule per host and TLS for all of them. */
export class FrontDoor extends Construct {
  readonly ingress: kplus.Ingress;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const backend = kplus.IngressBackend.fromService(props.service);
    this.ingress = new kplus.Ingress(this, 'ingress', {
      metadata: { name: props.name },
      className: props.ingressClassName ?? 'nginx',
      rules: props.hosts.map((host) => ({ host, path: '/', pathType: kplus.HttpIngressPathType.PREFIX, backend })),
      tls: [{ hosts: [...props.hosts], secret: kplus.Secret.fromSecretName(this, 'tls', props.tlsSecretName) }],
    });
  }
}
