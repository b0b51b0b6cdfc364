import { describe, expect, it } from 'vitest';
import { clusterReadiness } from './primary.ts';

describe('clusterReadiness', () => {
  it.each([
    { name: 'no worker yet', workers: [], expected: { ready: false, revision: undefined, port: undefined } },
    {
      name: 'one of two started',
      workers: [{ id: 1, revision: 'r1', port: 80 }],
      expected: { ready: false, revision: undefined, port: 80 },
    },
    {
      name: 'both forked, one loaded',
      workers: [{ id: 1, revision: 'r1', port: 80 }, { id: 2 }],
      expected: { ready: false, revision: undefined, port: 80 },
    },
    {
      name: 'both loaded the same table',
      workers: [
        { id: 1, revision: 'r1', port: 80 },
        { id: 2, revision: 'r1', port: 80 },
      ],
      expected: { ready: true, revision: 'r1', port: 80 },
    },
    {
      name: 'a reload under way',
      workers: [
        { id: 1, revision: 'r2', port: 80 },
        { id: 2, revision: 'r1', port: 80 },
      ],
      expected: { ready: true, revision: undefined, port: 80 },
    },
  ])('$name', ({ workers, expected }) => expect(clusterReadiness(workers, 2)).toEqual(expected));
});
