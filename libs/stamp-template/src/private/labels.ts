// The labels every object carries, and the immutable selector labels.

export const PART_OF = 'stampyard';

/** The label naming the stamp an object belongs to; only a stamp's own objects (its namespace included) carry it. */
export const STAMP_LABEL = 'stampyard.dev/stamp';

/** Selector labels: immutable once deployed, so they hold only the component and the stamp name. */
export function selectorLabels(component: string, instance: string): Record<string, string> {
  return { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': instance };
}

/** The labels on every object of a stamp (or of the gateway). */
export function objectLabels(options: {
  readonly component: string;
  readonly instance: string;
  readonly componentVersion?: string;
  readonly stamp?: string;
  readonly stampVersion?: string;
}): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(options.component, options.instance),
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'stampyard',
  };
  if (options.componentVersion !== undefined) labels['app.kubernetes.io/version'] = options.componentVersion;
  if (options.stamp !== undefined) labels[STAMP_LABEL] = options.stamp;
  if (options.stampVersion !== undefined) labels['stampyard.dev/version'] = options.stampVersion;
  return labels;
}

/** Pod Security Standard `restricted`, enforced, audited and warned. */
export const RESTRICTED_PSS: Readonly<Record<string, string>> = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/audit-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'latest',
};

/**
 * The one source of a stamp's labels. Every object gets the component's labels and the stamp's;
 * objects that change with a release also carry the stamp version, pod templates of data and
 * platform components don't (so an app release doesn't restart them), and infrastructure carries
 * its chart's version, never the stamp's.
 */
export class StampLabels {
  constructor(
    /** The stamp's name, also the instance of its components. */
    readonly stamp: string,
    /** The release the stamp runs. */
    readonly version: string,
  ) {}

  /** Labels of an object of `component` that follows the stamp's release. */
  object(component: string, componentVersion?: string): Record<string, string> {
    return objectLabels({ component, instance: this.stamp, componentVersion, stamp: this.stamp, stampVersion: this.version });
  }

  /** Labels of a pod template or object that must not change with the stamp's release. */
  stable(component: string, componentVersion?: string): Record<string, string> {
    return objectLabels({ component, instance: this.stamp, componentVersion, stamp: this.stamp });
  }
}
