// Tenant identification: pure functions from what a request carries to one tenant, or a refusal.

export type IdentifySource = 'host' | 'header' | 'token';
export const IDENTIFY_SOURCES: readonly IdentifySource[] = ['host', 'header', 'token'];

/** What verifying the request's bearer token gave. */
export type TokenOutcome =
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'valid'; readonly tenant: string; readonly stamp?: string };

export const NO_TOKEN: TokenOutcome = { kind: 'absent' };

export interface RequestClues {
  /** The Host header as received. */
  readonly host?: string;
  /** The tenant header (default `x-tenant-id`) as received; Node joins repeated ones with ", ". */
  readonly header?: string;
  readonly token: TokenOutcome;
}

export type Identity =
  | { readonly ok: true; readonly tenant: string; readonly source: IdentifySource; readonly tokenStamp?: string }
  | {
      readonly ok: false;
      readonly status: 400 | 401;
      readonly code: 'no-tenant' | 'conflicting-tenants' | 'invalid-token';
      readonly message: string;
    };

/** The tenant named by a Host of the form `<tenant>.<domain>[:port]`, else undefined. */
export function tenantFromHost(host: string | undefined, domain: string): string | undefined {
  if (!host) return undefined;
  let name = host.toLowerCase();
  const colon = name.lastIndexOf(':');
  if (colon !== -1 && !name.endsWith(']')) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  const suffix = `.${domain.toLowerCase()}`;
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  return label !== '' && !label.includes('.') ? label : undefined;
}

/**
 * Combines the sources, in `order`, into one tenant. A token that fails verification
 * is never trusted (401). Sources that name different tenants are refused (400):
 * such a request is never routed to either. No source at all is 400 `no-tenant`.
 */
export function resolveIdentity(order: readonly IdentifySource[], clues: RequestClues, domain: string): Identity {
  let tenant: string | undefined;
  let source: IdentifySource | undefined;
  let tokenStamp: string | undefined;
  for (const kind of order) {
    let candidate: string | undefined;
    if (kind === 'host') candidate = tenantFromHost(clues.host, domain);
    else if (kind === 'header') {
      const value = clues.header?.trim();
      if (value && value.includes(','))
        return {
          ok: false,
          status: 400,
          code: 'conflicting-tenants',
          message: `the tenant header holds several values (${value}); send one`,
        };
      candidate = value || undefined;
    } else {
      if (clues.token.kind === 'invalid')
        return { ok: false, status: 401, code: 'invalid-token', message: `the bearer token was not accepted: ${clues.token.reason}` };
      if (clues.token.kind === 'valid') {
        candidate = clues.token.tenant;
        tokenStamp = clues.token.stamp;
      }
    }
    if (candidate === undefined) continue;
    if (tenant === undefined) {
      tenant = candidate;
      source = kind;
    } else if (candidate !== tenant) {
      return {
        ok: false,
        status: 400,
        code: 'conflicting-tenants',
        message: `${source} names tenant ${tenant} but ${kind} names ${candidate}; a request must name one tenant`,
      };
    }
  }
  if (tenant === undefined || source === undefined) {
    return {
      ok: false,
      status: 400,
      code: 'no-tenant',
      message: `no tenant identified; send one of: ${order.map(describeSource).join(', ')}`,
    };
  }
  return tokenStamp === undefined ? { ok: true, tenant, source } : { ok: true, tenant, source, tokenStamp };
}

function describeSource(source: IdentifySource): string {
  if (source === 'host') return 'Host <tenant>.<domain>';
  if (source === 'header') return 'the tenant header';
  return 'Authorization: Bearer <signed token with a tenant claim>';
}

/** Parses `--identify host,header,token`. Returns the list or an error message. */
export function parseIdentifyOrder(text: string): readonly IdentifySource[] | string {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return `--identify needs at least one of ${IDENTIFY_SOURCES.join(', ')}`;
  const seen = new Set<string>();
  for (const part of parts) {
    if (!(IDENTIFY_SOURCES as readonly string[]).includes(part))
      return `--identify: unknown source ${JSON.stringify(part)}; use a comma-separated list of ${IDENTIFY_SOURCES.join(', ')}`;
    if (seen.has(part)) return `--identify: ${part} is listed twice`;
    seen.add(part);
  }
  return parts as IdentifySource[];
}
