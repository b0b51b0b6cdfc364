// The api's view of which tenants are its own: the stamp's tenant-list ConfigMap, mounted read-only.
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { TENANT_LIST_CONFIGMAP, TENANT_LIST_KEY, TENANT_LIST_MOUNT_DIR } from '@stampyard/stamp-spec';

/** The environment variable naming the list file, read by the api (the sample stamp-app reads `STAMP_APP_TENANT_LIST`). */
export const TENANT_LIST_ENV = 'STAMP_APP_TENANT_LIST';

export interface TenantListMountProps {
  /** The api Deployment; its first container gets the mount and the environment variable. */
  readonly deployment: kplus.Deployment;
}

/**
 * Mounts the stamp's tenant-list ConfigMap (rendered by synth into the apps
 * layer, one per stamp, from the routing table) at `TENANT_LIST_MOUNT_DIR`.
 * The kubelet refreshes a mounted ConfigMap in place (no restart), so the api
 * re-reads the file when it changes. `optional: false`: without its list a
 * stamp must not start, since it could not tell its tenants from strangers.
 */
export class TenantListMount {
  /** The file's path inside the container. */
  public readonly path: string;

  constructor(scope: Construct, id: string, props: TenantListMountProps) {
    const configMap = kplus.ConfigMap.fromConfigMapName(scope, `${id}-configmap`, TENANT_LIST_CONFIGMAP);
    const volume = kplus.Volume.fromConfigMap(scope, `${id}-volume`, configMap, { name: 'tenant-list', optional: false });
    const container = props.deployment.containers[0]!;
    container.mount(TENANT_LIST_MOUNT_DIR, volume, { readOnly: true });
    this.path = `${TENANT_LIST_MOUNT_DIR}/${TENANT_LIST_KEY}`;
    container.env.addVariable(TENANT_LIST_ENV, kplus.EnvValue.fromValue(this.path));
  }
}
