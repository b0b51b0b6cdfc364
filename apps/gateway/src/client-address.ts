// The client's address: the socket's peer, or, when the peer is a trusted proxy
// (`--trust-proxy <cidrs>`), the nearest X-Forwarded-For hop that is not trusted.
import { BlockList, isIP } from 'node:net';

/** Trusted proxy ranges, or an error message naming the bad entry. */
export function parseTrustedProxies(text: string): BlockList | string {
  const list = new BlockList();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [address = '', prefixText, extra] = part.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (family === 0 || extra !== undefined || (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) || prefix > max) {
      return `--trust-proxy: ${JSON.stringify(part)} is not an IP address or CIDR range; use e.g. 10.0.0.0/8,fd00::/8`;
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** Node reports IPv4 peers on a dual-stack socket as `::ffff:a.b.c.d`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function isTrusted(address: string, trusted: BlockList | undefined): boolean {
  if (trusted === undefined || address === '') return false;
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Who sent the request. Walks X-Forwarded-For from the right only while each hop is
 * trusted, so a client can't name its own address by sending the header: a hop a trusted
 * proxy did not add is never believed. A malformed hop ends the walk at the last good one.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: BlockList | undefined,
): string {
  let address = plain(peer ?? '');
  if (!isTrusted(address, trusted) || forwardedFor === undefined) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plain(hops[i]!.trim());
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!isTrusted(hop, trusted)) return hop;
  }
  return address;
}
