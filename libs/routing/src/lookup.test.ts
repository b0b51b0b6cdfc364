// The gateway imports `@stampyard/routing/lookup` at startup: it must stay free of
// stamp-spec, zod and yaml (seconds of import time), whatever the rest of the package uses.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as lookup from './lookup.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module specifier a file and its relative imports pull in. */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
  const specifiers = new Set<string>();
  if (seen.has(file)) return specifiers;
  seen.add(file);
  const text = readFileSync(join(here, file), 'utf8');
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)';/gm)) {
    if (match[1]) continue; // type-only: erased
    const specifier = match[2]!;
    if (specifier.startsWith('./')) for (const s of importsOf(specifier.slice(2), seen)) specifiers.add(s);
    else specifiers.add(specifier);
  }
  return specifiers;
}

describe('the lean lookup entry', () => {
  it('imports only Node built-ins', () => {
    expect([...importsOf('lookup.ts')].filter((s) => !s.startsWith('node:'))).toEqual([]);
  });

  it('offers what a reader needs', () => {
    expect(Object.keys(lookup).sort()).toEqual(
      expect.arrayContaining([
        'lookupTenant',
        'parseRoutingTable',
        'readRoutingTable',
        'sealRoutingTable',
        'shardRoutingTable',
        'computeRevision',
      ]),
    );
  });
});
