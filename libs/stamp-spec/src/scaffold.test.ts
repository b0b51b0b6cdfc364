import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planNewStamp } from './scaffold.ts';
import { aFleetSpec, aStamp, toLoadedFleet } from './testing/index.ts';

describe('planNewStamp', () => {
  const fleet = aFleetSpec();
  const existing = [
    aStamp({ name: 'stamp-eu-1', cidr: '10.0.0.0/16', version: '1.4.0', wave: 0 }),
    aStamp({ name: 'stamp-eu-2', cidr: '10.1.0.0/16', version: '1.4.0', wave: 2 }),
    aStamp({ name: 'stamp-us-1', region: 'eastus', cidr: '10.2.0.0/16', version: '1.3.0', wave: 1 }),
  ];

  it('picks a unique name, the next free CIDR, the majority version and the last wave', () => {
    const planned = planNewStamp(fleet, existing, { region: 'northeurope' });
    expect(planned.path).toBe('stamps/stamp-eu-3.yaml');
    expect(planned.stamp.spec).toMatchObject({ region: 'northeurope', version: '1.4.0', wave: 2, network: { cidr: '10.3.0.0/16' } });
    expect(planned.text.startsWith('# yaml-language-server: $schema=../schemas/stamp.schema.json\n')).toBe(true);
    expect(parse(planned.text).metadata.name).toBe('stamp-eu-3');
  });

  it('produces a stamp the fleet rules accept', () => {
    const planned = planNewStamp(fleet, existing, { region: 'eastus', size: 'large', wave: 1 });
    const loaded = toLoadedFleet({ fleet, stamps: [...existing, planned.stamp] });
    expect(loaded.stamps.map((s) => s.stamp.metadata.name)).toContain('stamp-us-2');
  });

  it.each([
    [{ region: 'mars' }, "--region: 'mars' is not in the region catalog"],
    [{ region: 'eastus', size: 'huge' }, "--size: 'huge' is not a size profile"],
    [{ region: 'eastus', name: 'stamp-eu-1' }, "--name: 'stamp-eu-1' is already a stamp"],
    [{ region: 'eastus', name: 'Not_A_Label' }, 'must be a DNS-1123 label'],
    [{ region: 'eastus', capacity: 0 }, '--capacity: Too small: expected number to be >=1, received 0'],
  ])('refuses %o', (options, message) => {
    expect(() => planNewStamp(fleet, existing, options)).toThrow(message);
  });
});
