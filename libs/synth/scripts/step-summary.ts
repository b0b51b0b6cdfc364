// CI step summary: `tsx libs/synth/scripts/step-summary.ts --base <sha>` prints markdown to stdout.
import { execFileSync } from 'node:child_process';
import { formatSummary, summarizeNameStatus } from '../src/private/summary.ts';

const baseIndex = process.argv.indexOf('--base');
const base = (baseIndex >= 0 ? process.argv[baseIndex + 1] : undefined) || 'origin/main';
const nameStatus = execFileSync('git', ['diff', '--name-status', '--no-renames', `${base}...HEAD`, '--', 'stamps', 'rendered', 'schemas'], {
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
});
process.stdout.write(formatSummary(summarizeNameStatus(nameStatus), base));
