import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaFiles } from './json-schema.ts';
import { EXAMPLE_FLEET_ROOT } from './testing/index.ts';

describe('JSON Schemas', () => {
  const files = jsonSchemaFiles();

  it('describe the stamp strictly, so editors flag unknown fields', () => {
    const stamp = JSON.parse(files.find((f) => f.path === 'schemas/stamp.schema.json')!.content);
    expect(stamp.additionalProperties).toBe(false);
    expect(stamp.properties.spec.additionalProperties).toBe(false);
    expect(stamp.properties.spec.required).toEqual(expect.arrayContaining(['region', 'capacity', 'wave', 'version', 'size', 'network']));
    expect(stamp.properties.spec.required).not.toContain('status');
  });

  it('are referenced by every stamp file of the example fleet', () => {
    for (const name of ['stamp-eu-1', 'stamp-us-3']) {
      const text = readFileSync(join(EXAMPLE_FLEET_ROOT, 'stamps', `${name}.yaml`), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/stamp.schema.json');
    }
    expect(existsSync(join(EXAMPLE_FLEET_ROOT, 'fleet.yaml'))).toBe(true);
  });
});

describe('JSON Schema patterns flag what validate flags', () => {
  const stamp = JSON.parse(jsonSchemaFiles().find((f) => f.path === 'schemas/stamp.schema.json')!.content);
  const spec = stamp.properties.spec.properties;
  it.each([
    [
      'cidr',
      spec.network.properties.cidr.pattern,
      ['10.1.0.0/16', '192.168.4.0/24'],
      ['banana', '10.1.0.0', '300.1.0.0/16', '10.1.0.0/33'],
    ],
    ['version', spec.version.pattern, ['1.4.0', '2.0.0-rc.1'], ['banana', '1.4', 'v1.4.0', '01.4.0']],
  ])('%s', (_name, pattern: string, good: string[], bad: string[]) => {
    const re = new RegExp(pattern);
    for (const value of good) expect(re.test(value), value).toBe(true);
    for (const value of bad) expect(re.test(value), value).toBe(false);
  });
});
