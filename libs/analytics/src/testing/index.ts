export * from './stamp-apps.ts';
