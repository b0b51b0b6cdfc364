// The labels every object carries, and the immutable selector labels.

export const PART_OF = 'stampyard';

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
  if (options.stamp !== undefined) labels['stampyard.dev/stamp'] = options.stamp;
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
