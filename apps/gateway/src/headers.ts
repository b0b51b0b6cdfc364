// Header filtering for proxying: pure functions over Node's header objects.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded in either direction. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Header the gateway sets to the identified tenant on the request to the stamp. */
export const TENANT_HEADER_TO_STAMP = 'x-stampyard-tenant';
export const STAMP_HEADER = 'x-stampyard-stamp';
export const REVISION_HEADER = 'x-stampyard-revision';

/**
 * Request headers only the gateway may set: a client's copy is removed, in either spelling
 * (`x_stampyard_tenant` too: some servers read underscores as dashes). X-Forwarded-* from a
 * trusted proxy are kept separately.
 */
export function isGatewayOwned(name: string): boolean {
  const dashed = name.includes('_') ? name.replaceAll('_', '-') : name;
  return dashed.startsWith('x-stampyard-') || dashed === 'forwarded' || dashed === 'x-real-ip' || dashed.startsWith('x-forwarded-');
}

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
  /** The socket's peer address. */
  readonly peer: string;
  /** The client's address (the peer, or what a trusted peer forwarded). */
  readonly client: string;
  /** Whether the peer is a trusted proxy, whose X-Forwarded-* are kept and extended. */
  readonly peerTrusted: boolean;
  /** The protocol the client used to reach the gateway. */
  readonly proto: string;
  readonly tenant: string;
  /** Set as X-Forwarded-Host and in Forwarded. @default - omitted */
  readonly host?: string;
  /** A header to remove too: the tenant header when a token named the tenant. @default - none */
  readonly drop?: string;
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

/**
 * The headers to send to the stamp: hop-by-hop headers and those named in Connection removed,
 * Host and Expect left to the upstream client, every gateway-owned header replaced with the
 * gateway's own (X-Forwarded-For extended only when the peer is trusted), the tenant header set.
 */
export function requestHeadersToStamp(incoming: IncomingHttpHeaders, context: ForwardContext): Record<string, string | string[]> {
  const named = connectionTokens(incoming['connection']);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    // Host: the upstream client sets the stamp's. Expect: Node already answered 100-continue.
    if (name === 'host' || name === 'expect' || name === context.drop || dropped(name, named) || isGatewayOwned(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  const priorFor = context.peerTrusted ? joined(incoming['x-forwarded-for']) : undefined;
  out['x-forwarded-for'] = priorFor ? `${priorFor}, ${context.peer}` : context.client;
  const priorProto = context.peerTrusted ? joined(incoming['x-forwarded-proto']) : undefined;
  const proto = priorProto ?? context.proto;
  out['x-forwarded-proto'] = proto;
  const priorHost = context.peerTrusted ? joined(incoming['x-forwarded-host']) : undefined;
  const host = priorHost ?? context.host;
  if (host !== undefined) out['x-forwarded-host'] = host;
  out['x-real-ip'] = context.client;
  out['forwarded'] =
    `for=${forwardedNode(context.client)};proto=${proto}${host !== undefined ? `;host="${host.replace(/["\\]/g, '')}"` : ''}`;
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

export type HeadRefusal = { readonly status: 400 | 431; readonly code: string; readonly message: string };

const HOST_SYNTAX = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{1,5}))?$/;

/**
 * Strict checks on a request head (RFC 9112 §3.2): more header lines than `maxHeaders` → 431
 * (never silently dropped); Host repeated, or missing from an HTTP/1.1 request → 400; a Host
 * that is not `name[:port]` with a port up to 65535 → 400. `rawHeaders` is Node's flat list
 * of names and values, as received.
 */
export function checkRequestHead(rawHeaders: readonly string[], maxHeaders: number, http11 = true): HeadRefusal | undefined {
  if (rawHeaders.length > maxHeaders * 2) {
    return {
      status: 431,
      code: 'too-many-headers',
      message: `the request has ${rawHeaders.length / 2} header lines; at most ${maxHeaders} are accepted`,
    };
  }
  let host: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (host !== undefined)
      return { status: 400, code: 'bad-request', message: 'the request has more than one Host header; send exactly one' };
    host = rawHeaders[i + 1]!;
  }
  if (host === undefined)
    return http11 ? { status: 400, code: 'bad-request', message: 'an HTTP/1.1 request must carry a Host header' } : undefined;
  if (host === '') return undefined;
  const match = HOST_SYNTAX.exec(host);
  if (match === null || (match[1] !== undefined && Number(match[1]) > 65535)) {
    return {
      status: 400,
      code: 'bad-request',
      message: `the Host header ${JSON.stringify(host)} is not a host name with an optional numeric port`,
    };
  }
  return undefined;
}
