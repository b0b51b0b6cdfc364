// `stampyard tenants move`: re-bind one tenant, after the checks placement makes.
import { ValidationError, issueAt, type Issue, type LoadedFleet } from '@stampyard/stamp-spec';
import { fleetTenants, refusal, stampLoads, type TenantLocation } from './placement.ts';

/** A planned move of one tenant. */
export interface TenantMove extends TenantLocation {
  readonly tenantId: string;
  /** The stamp it leaves, or undefined when it was not placed yet. */
  readonly from?: string;
  readonly to: string;
}

/**
 * Plans moving tenant `tenantId` to stamp `to`. Pure. Throws ValidationError
 * when the tenant or stamp doesn't exist, or the stamp can't take the tenant
 * (draining, wrong residency zone, no room, isolation).
 */
export function planMove(fleet: LoadedFleet, tenantId: string, to: string): TenantMove {
  const commandLine = (field: string, message: string): Issue => ({ file: '(command line)', line: 1, column: 1, field, message });
  const located = fleetTenants(fleet).find((t) => t.tenant.id === tenantId);
  if (!located) {
    throw new ValidationError([
      commandLine('<tenant>', `no tenant '${tenantId}' in tenants/*.yaml; check the id or add the tenant to a tenant file`),
    ]);
  }
  const { tenant } = located;
  const loads = stampLoads(fleet);
  const target = loads.find((l) => l.name === to);
  const source = fleet.tenantLists[located.list]!.source;
  const at = ['items', located.index, 'stamp'];
  // Where the tenant could go instead, for the fix in the message.
  const hint = () => {
    const fits = loads.filter((l) => l.name !== tenant.stamp && refusal(l, tenant) === undefined).map((l) => l.name);
    return fits.length > 0 ? `pick one of ${fits.join(', ')}` : 'no stamp can take it; add one with stampyard stamp new';
  };
  if (!target) {
    throw new ValidationError([commandLine('--to', `stamp '${to}' does not exist; ${hint()}`)]);
  }
  if (tenant.stamp === to) {
    throw new ValidationError([issueAt(source, at, `tenant '${tenantId}' is already on ${to}; nothing to move`)]);
  }
  const reason = refusal(target, tenant);
  if (reason !== undefined) {
    throw new ValidationError([issueAt(source, at, `cannot move '${tenantId}' to ${to}: ${reason}; ${hint()}`)]);
  }
  return {
    tenantId,
    ...(tenant.stamp !== undefined ? { from: tenant.stamp } : {}),
    to,
    list: located.list,
    index: located.index,
    file: located.file,
  };
}
