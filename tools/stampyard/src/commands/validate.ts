import type { Command } from 'commander';
import { join } from 'node:path';
import { parseFleet, readFleetSources, readFileIfExists, formatIssue, sortIssues } from '@stampyard/stamp-spec';
import { ROLLOUT_FILE, parseRolloutState } from '@stampyard/rollout';
import { resolveRoot, type Io } from '../context.ts';
import { addOutputOption, addRootOption } from '../options.ts';
import type { CommandResult } from '../main.ts';

export function registerValidate(program: Command, io: Io, result: CommandResult): void {
  const command = program
    .command('validate')
    .description('Check fleet.yaml, every stamp file and every tenant file, the fleet as a whole, and rollout.yaml when present.');
  addRootOption(command);
  addOutputOption(command);
  command.action(async (options: { root?: string; output: string }) => {
    const root = resolveRoot(options.root);
    const { fleet, issues } = parseFleet(await readFleetSources(root));
    const rolloutText = await readFileIfExists(join(root, ROLLOUT_FILE));
    if (rolloutText !== undefined) issues.push(...parseRolloutState({ path: ROLLOUT_FILE, text: rolloutText }).issues);
    const sorted = sortIssues(issues);
    if (options.output === 'json') {
      io.stdout(`${JSON.stringify({ ok: sorted.length === 0, issues: sorted }, null, 2)}\n`);
    } else if (sorted.length > 0) {
      io.stderr(`${sorted.map(formatIssue).join('\n')}\n${sorted.length} problem${sorted.length === 1 ? '' : 's'} found.\n`);
    } else if (fleet) {
      const tenants = fleet.tenantLists.reduce((n, t) => n + t.list.items.length, 0);
      io.stdout(`ok: fleet ${fleet.fleet.metadata.name}, ${fleet.stamps.length} stamps, ${tenants} tenants\n`);
    }
    result.exitCode = sorted.length === 0 ? 0 : 1;
  });
}
