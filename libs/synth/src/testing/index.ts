export * from './tree.ts';
export * from './closure.ts';
export * from './example.ts';
