export * from './plan.ts';
export * from './diff.ts';
export * from './apply.ts';
export * from './render.ts';
export * from './flux.ts';
export * from './layout.ts';
export * from './cache.ts';
export * from './step.ts';
