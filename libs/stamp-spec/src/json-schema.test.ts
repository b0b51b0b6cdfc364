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
