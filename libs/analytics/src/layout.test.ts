import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLakePath, usageObjectPath } from './layout.ts';

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);

describe('the lake layout', () => {
  it('reads back every path it writes (property)', () => {
    fc.assert(
      fc.property(
        label,
        label,
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        (zone, stamp, date) => {
          const start = new Date(Math.floor(date.getTime() / 1000) * 1000);
          const path = usageObjectPath(zone, stamp, start);
          expect(parseLakePath(path)).toEqual({
            kind: 'export',
            path,
            zone,
            stamp,
            date: start.toISOString().slice(0, 10),
            periodStart: start,
          });
        },
      ),
    );
  });

  it('names one object per stamp and period start: exports within a day never collide', () => {
    const a = usageObjectPath('eu', 's', new Date('2026-12-03T10:00:00Z'));
    const b = usageObjectPath('eu', 's', new Date('2026-12-03T11:00:00Z'));
    expect(a).toBe('zone=eu/stamp=s/date=2026-12-03/usage-20261203T100000Z.parquet');
    expect(b).not.toBe(a);
  });

  it.each([
    { name: 'a zone that climbs out', zone: '..', stamp: 's' },
    { name: 'a zone with a slash', zone: 'eu/../us', stamp: 's' },
    { name: 'a stamp with =', zone: 'eu', stamp: 'a=b' },
    { name: 'an empty stamp', zone: 'eu', stamp: '' },
  ])('refuses to write $name', ({ zone, stamp }) => {
    expect(() => usageObjectPath(zone, stamp, new Date())).toThrow(TypeError);
  });

  it.each([
    { path: 'zone=eu/stamp=s/date=2026-12-03/usage-20261203T100000Z.csv', problem: 'is not laid out as' },
    { path: 'zone=EU/stamp=s/date=2026-12-03/usage-20261203T100000Z.parquet', problem: 'zone "EU" is not a DNS-1123 label' },
    { path: 'zone=eu/stamp=s/date=2026-12-04/usage-20261203T100000Z.parquet', problem: 'is not on date=2026-12-04' },
    { path: 'zone=eu/stamp=s/date=2026-02-30/usage-20260230T100000Z.parquet', problem: 'is not a valid period start' },
    { path: 'zone=eu/stamp=s/extra/date=2026-12-03/usage-20261203T100000Z.parquet', problem: 'is not laid out as' },
  ])('rejects $path', ({ path, problem }) => {
    const parsed = parseLakePath(path);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problem).toContain(problem);
  });
});
