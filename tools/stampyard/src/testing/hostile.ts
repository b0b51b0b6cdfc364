// Hostile fleet files, for the tests and for `npm run bench:input`.

/** A stamp file of the given name and spec lines. */
export const stamp = (name: string, spec: string) =>
  `apiVersion: stampyard.dev/v1alpha1\nkind: Stamp\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
export const goodSpec = (cidr = '10.200.0.0/16') =>
  `  region: westeurope\n  capacity: 10\n  wave: 2\n  version: 1.4.0\n  size: small\n  network:\n    cidr: ${cidr}\n`;

/** A billion laughs: `levels` levels of ten aliases each, under `field`. */
export function aliasBomb(levels: number, field: 'name' | 'region'): string {
  const lines = ['a0: &a0 "lol"'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  // The anchors sit in an unknown field, the alias in the field named.
  const defs = lines.map((l) => `  ${l}`).join('\n');
  return field === 'name'
    ? `apiVersion: stampyard.dev/v1alpha1\nkind: Stamp\nx-defs:\n${defs}\nmetadata:\n  name: *a${levels}\nspec:\n${goodSpec()}`
    : `apiVersion: stampyard.dev/v1alpha1\nkind: Stamp\nx-defs:\n${defs}\nmetadata:\n  name: stamp-bomb\nspec:\n${goodSpec().replace('region: westeurope', `region: *a${levels}`)}`;
}

/** A stamp file whose spec holds `depth` nested flow sequences. */
export function deepNesting(depth: number): string {
  return `${stamp('stamp-deep', goodSpec())}  extra: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}
