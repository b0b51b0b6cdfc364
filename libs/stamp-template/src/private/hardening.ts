// The one container hardening every container gets: restricted Pod Security Standard and more.
import { Capability, SeccompProfileType, type ContainerSecurityContextProps, type PodSecurityContextProps } from 'cdk8s-plus-28';

/** Container security context: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
export function containerSecurityContext(uid: number): ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    user: uid,
    group: uid,
    privileged: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: [Capability.ALL] },
    seccompProfile: { type: SeccompProfileType.RUNTIME_DEFAULT },
  };
}

/** Pod security context matching `containerSecurityContext(uid)`. */
export function podSecurityContext(uid: number): PodSecurityContextProps {
  return { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid };
}
