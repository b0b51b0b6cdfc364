import ipaddr from 'ipaddr.js';

/** An IPv4 CIDR as a numeric range. */
export interface Ipv4Range {
  readonly cidr: string;
  readonly first: number;
  readonly last: number;
  readonly prefixLength: number;
}

/**
 * Parses an IPv4 CIDR whose address is the network address (no host bits set).
 * Returns a reason string when it isn't one.
 */
export function parseIpv4Cidr(cidr: string): Ipv4Range | string {
  if (!ipaddr.IPv4.isValidCIDR(cidr)) return 'is not an IPv4 CIDR such as 10.1.0.0/16';
  const [address, prefixLength] = ipaddr.IPv4.parseCIDR(cidr);
  const base = toNumber(address.toByteArray());
  const size = 2 ** (32 - prefixLength);
  if (base % size !== 0) {
    const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
    return `has host bits set; use the network address ${network}/${prefixLength}`;
  }
  return { cidr, first: base, last: base + size - 1, prefixLength };
}

/** Whether two ranges share any address. */
export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/**
 * The lowest free block of the given prefix length inside `pool` that overlaps none of `taken`.
 * Returns undefined when the pool is full.
 */
export function nextFreeCidr(pool: string, prefixLength: number, taken: readonly Ipv4Range[]): string | undefined {
  const range = parseIpv4Cidr(pool);
  if (typeof range === 'string') return undefined;
  const size = 2 ** (32 - prefixLength);
  const sorted = [...taken].sort((a, b) => a.first - b.first);
  for (let start = range.first; start + size - 1 <= range.last; start += size) {
    const candidate = { cidr: '', first: start, last: start + size - 1, prefixLength };
    const clash = sorted.find((t) => rangesOverlap(t, candidate));
    if (!clash) return `${fromNumber(start)}/${prefixLength}`;
    // Skip past the clashing block, aligned to our block size.
    start = Math.max(start, Math.floor((clash.last + 1) / size) * size - size);
  }
  return undefined;
}

function toNumber(bytes: number[]): number {
  return bytes.reduce((n, b) => n * 256 + b, 0);
}

function fromNumber(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
