import { describe, expect, it } from 'vitest';
import { OTHER_TENANTS, boundedLabel } from './metrics.ts';

describe('boundedLabel', () => {
  it('keeps the first `max` values and folds every later one into _other, for good', () => {
    const label = boundedLabel(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map(label)).toEqual(['a', 'b', OTHER_TENANTS, 'a', OTHER_TENANTS, 'b']);
    expect(label('c')).toBe(OTHER_TENANTS);
  });

  it('with 0, every tenant is _other', () => expect(boundedLabel(0)('a')).toBe(OTHER_TENANTS));
});
