export * from './table.ts';
export * from './reader.ts';
