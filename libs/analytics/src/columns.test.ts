import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE_COLUMNS } from './columns.ts';

describe('USAGE_COLUMNS', () => {
  it('is what the README documents, row for row', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const documented = [...readme.matchAll(/^\| `([a-z_]+)` \| ([A-Z]+) \| (.+) \|$/gm)].map((m) => ({
      name: m[1],
      type: m[2],
      description: m[3],
    }));
    expect(documented).toEqual(USAGE_COLUMNS.map((c) => ({ ...c })));
  });
});
