export * from './fixtures.ts';
export * from './browser.ts';
