import { InvalidArgumentError, type Command } from 'commander';
import { applyFileChanges, loadFleet, planNewStamp } from '@stampyard/stamp-spec';
import { resolveRoot, type Io } from '../context.ts';
import { addRootOption } from '../options.ts';
import type { CommandResult } from '../main.ts';

export function parseNonNegativeInt(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number.`);
  return Number(value);
}

export function registerStamp(program: Command, io: Io, _result: CommandResult): void {
  const stamp = program.command('stamp').description('Work with stamp files.');
  const command = stamp
    .command('new')
    .description('Scaffold stamps/<name>.yaml: a unique name, the next free CIDR and the version most of the fleet runs.')
    .requiredOption('--region <region>', 'region from the fleet catalog')
    .option('--size <size>', 'size profile (default: fleet.yaml spec.defaultSize)')
    .option('--wave <n>', "rollout wave (default: the fleet's last wave)", parseNonNegativeInt)
    .option('--name <name>', 'stamp name (default: stamp-<zone>-<n>)')
    .option('--capacity <units>', "tenant capacity units (default: the fleet's median)", parseNonNegativeInt)
    .option('--dry-run', 'print the file instead of writing it');
  addRootOption(command);
  command.action(
    async (options: {
      root?: string;
      region: string;
      size?: string;
      wave?: number;
      name?: string;
      capacity?: number;
      dryRun?: boolean;
    }) => {
      const root = resolveRoot(options.root);
      const fleet = await loadFleet(root);
      const tenantIds = fleet.tenantLists.flatMap((t) => t.list.items.map((item) => item.id));
      const planned = planNewStamp(
        fleet.fleet.spec,
        fleet.stamps.map((s) => s.stamp),
        options,
        tenantIds,
      );
      if (options.dryRun) {
        io.stdout(planned.text);
        return;
      }
      await applyFileChanges(root, [{ path: planned.path, content: planned.text }]);
      io.stdout(
        `created ${planned.path} (${planned.stamp.spec.region}, ${planned.stamp.spec.network.cidr}, version ${planned.stamp.spec.version}, wave ${planned.stamp.spec.wave})\nnext: npm run synth, then open a pull request with both changes\n`,
      );
    },
  );
}
