import type { Command } from 'commander';
import { checkFleet, formatIssue, readFleetFile, readFleetSources, sortIssues, toProblem, type Issue } from '@stampyard/stamp-spec';
import { ROLLOUT_FILE, parseRolloutState } from '@stampyard/rollout';
import { resolveRoot, type Io } from '../context.ts';
import { addOutputOption, addRootOption } from '../options.ts';
import type { CommandResult } from '../main.ts';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function registerValidate(program: Command, io: Io, result: CommandResult): void {
  const command = program
    .command('validate')
    .description(
      'Check fleet.yaml, every stamp file and every tenant file, the fleet as a whole, and rollout.yaml when present: ' +
        'everything synth would refuse, with the same messages. Warns about images pinned by tag only.',
    );
  addRootOption(command);
  addOutputOption(command);
  command.action(async (options: { root?: string; output: string }) => {
    const root = resolveRoot(options.root);
    const checked = checkFleet(await readFleetSources(root));
    const issues: Issue[] = [...checked.issues];
    const rollout = await readFleetFile(root, ROLLOUT_FILE);
    if (rollout !== undefined) {
      if ('issue' in rollout) issues.push(rollout.issue);
      else for (const issue of parseRolloutState(rollout.file).issues) issues.push(issue);
    }
    const sorted = sortIssues(issues);
    const warnings = sortIssues(checked.warnings);
    result.exitCode = sorted.length === 0 ? 0 : 1;
    if (options.output === 'json') {
      const body = { ok: sorted.length === 0, problems: sorted.map(toProblem), warnings: warnings.map(toProblem) };
      io.stdout(`${JSON.stringify(body, null, 2)}\n`);
      return;
    }
    if (warnings.length > 0) io.stderr(`${warnings.map((w) => `warning: ${formatIssue(w)}`).join('\n')}\n`);
    if (sorted.length > 0) {
      io.stderr(`${sorted.map(formatIssue).join('\n')}\n${plural(sorted.length, 'problem')} found.\n`);
    } else if (checked.fleet) {
      const fleet = checked.fleet;
      const tenants = fleet.tenantLists.reduce((n, t) => n + t.list.items.length, 0);
      const note = warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : '';
      io.stdout(`ok: fleet ${fleet.fleet.metadata.name}, ${plural(fleet.stamps.length, 'stamp')}, ${plural(tenants, 'tenant')}${note}\n`);
    }
  });
}
