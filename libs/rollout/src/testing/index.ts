export * from './builders.ts';
export * from './prometheus.ts';
export * from './git.ts';
