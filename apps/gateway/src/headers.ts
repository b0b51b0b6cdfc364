// Header filtering for proxying: pure functions over Node's header objects.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded in either direction. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Header the gateway sets to the identified tenant on the request to the stamp. */
export const TENANT_HEADER_TO_STAMP = 'x-stampyard-tenant';
export const STAMP_HEADER = 'x-stampyard-stamp';
export const REVISION_HEADER = 'x-stampyard-revision';

function connectionTokens(value: string | string[] | number | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : String(value);
  const tokens = text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  return tokens.length > 0 ? new Set(tokens) : undefined;
}

function dropped(name: string, named: Set<string> | undefined): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || (named !== undefined && named.has(name));
}

export interface ForwardContext {
  /** The client's address, appended to X-Forwarded-For. */
  readonly clientIp: string;
  /** The protocol the client used to reach the gateway. */
  readonly proto: string;
  readonly tenant: string;
}

/**
 * The headers to send to the stamp: hop-by-hop headers and those named in
 * Connection removed, Host and Expect left to the upstream client, X-Forwarded-* set, the tenant header set.
 */
export function requestHeadersToStamp(incoming: IncomingHttpHeaders, context: ForwardContext): Record<string, string | string[]> {
  const named = connectionTokens(incoming['connection']);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    // Host: the upstream client sets the stamp's. Expect: Node already answered 100-continue.
    if (name === 'host' || name === 'expect' || dropped(name, named)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  const priorFor = incoming['x-forwarded-for'];
  out['x-forwarded-for'] = priorFor ? `${Array.isArray(priorFor) ? priorFor.join(', ') : priorFor}, ${context.clientIp}` : context.clientIp;
  out['x-forwarded-proto'] = context.proto;
  if (incoming.host !== undefined) out['x-forwarded-host'] = incoming.host;
  out[TENANT_HEADER_TO_STAMP] = context.tenant;
  return out;
}

/** The stamp's response headers to pass to the client: hop-by-hop ones removed. */
export function responseHeadersFromStamp(incoming: Readonly<Record<string, string | string[] | undefined>>): OutgoingHttpHeaders {
  const named = connectionTokens(incoming['connection']);
  const out: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (dropped(name, named)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
