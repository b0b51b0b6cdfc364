// Child process of runMeasured: runs the CLI once and reports its exit code,
// wall time and peak RSS on file descriptor 3 as one JSON line.
import { writeSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const start = performance.now();
const { main } = await import('../main.ts');
const exitCode = await main(process.argv.slice(2));
const ms = performance.now() - start;
writeSync(3, `${JSON.stringify({ exitCode, ms, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
process.exitCode = exitCode;
