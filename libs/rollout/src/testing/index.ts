export * from './builders.ts';
export * from './prometheus.ts';
