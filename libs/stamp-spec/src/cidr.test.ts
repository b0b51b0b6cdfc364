import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nextFreeCidr, parseIpv4Cidr, rangesOverlap, type Ipv4Range } from './cidr.ts';

const range = (cidr: string) => parseIpv4Cidr(cidr) as Ipv4Range;

describe('CIDRs', () => {
  it.each([
    ['10.1.0.0/16', true],
    ['10.1.0.0/24', true],
    ['10.1.0.1/16', false],
    ['300.1.0.0/16', false],
    ['10.1.0.0', false],
  ])('%s parses: %s', (cidr, ok) => {
    expect(typeof parseIpv4Cidr(cidr) !== 'string').toBe(ok);
  });

  it('detects overlap of nested and adjacent ranges', () => {
    expect(rangesOverlap(range('10.1.0.0/16'), range('10.1.200.0/24'))).toBe(true);
    expect(rangesOverlap(range('10.1.0.0/16'), range('10.2.0.0/16'))).toBe(false);
  });

  it('picks the lowest free block', () => {
    expect(nextFreeCidr('10.0.0.0/8', 16, [range('10.0.0.0/16'), range('10.1.0.0/16'), range('10.3.0.0/16')])).toBe('10.2.0.0/16');
    expect(nextFreeCidr('10.0.0.0/15', 16, [range('10.0.0.0/16'), range('10.1.0.0/16')])).toBeUndefined();
  });

  it('never returns a block that overlaps a taken one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 24 })), { maxLength: 40 }),
        fc.integer({ min: 16, max: 24 }),
        (blocks, prefix) => {
          const taken = blocks.map(([second, p]) => {
            const size = 2 ** (32 - p);
            const base = 10 * 2 ** 24 + second * 2 ** 16;
            const aligned = Math.floor(base / size) * size;
            return { cidr: '', first: aligned, last: aligned + size - 1, prefixLength: p };
          });
          const free = nextFreeCidr('10.0.0.0/8', prefix, taken);
          if (free === undefined) return;
          const picked = range(free);
          expect(picked.prefixLength).toBe(prefix);
          for (const t of taken) expect(rangesOverlap(picked, t)).toBe(false);
        },
      ),
    );
  });
});
