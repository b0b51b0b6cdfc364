// The lean entry for readers of the table (the gateway): no stamp-spec, zod or yaml at import time.
export * from './table.ts';
export * from './reader.ts';
export * from './shards.ts';
