export * from './tree.ts';
export * from './closure.ts';
