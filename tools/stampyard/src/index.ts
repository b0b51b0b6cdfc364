export { main, buildProgram } from './main.ts';
export type { CommandResult } from './main.ts';
export { resolveRoot, resolveNow, REPOSITORY_ROOT, processIo } from './context.ts';
export type { Io, OutputFormat } from './context.ts';
