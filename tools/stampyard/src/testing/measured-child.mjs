// Child process of runMeasured: runs the CLI once and reports its exit code,
// wall time (loading the CLI apart) and peak RSS on file descriptor 3 as one JSON line.
import { writeSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const start = performance.now();
const { main } = await import('../main.ts');
const loaded = performance.now();
const exitCode = await main(process.argv.slice(2));
const ms = performance.now() - loaded;
const report = { exitCode, ms, loadMs: loaded - start, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
writeSync(3, `${JSON.stringify(report)}\n`);
process.exitCode = exitCode;
