export * from './model.ts';
export * from './view.ts';
export * from './markdown.ts';
export * from './html.ts';
export * from './json.ts';
export * from './base-diff.ts';
export * from './git.ts';
export * from './rollout-input.ts';
