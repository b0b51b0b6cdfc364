import type { Command } from 'commander';
import { ExitError } from '@stampyard/stamp-spec';
import type { Io } from '../context.ts';
import type { CommandResult } from '../main.ts';

// Placeholder until the 'rollout' command lands; it fails loudly rather than pretending.
export function registerRollout(program: Command, _io: Io, _result: CommandResult): void {
  program
    .command('rollout')
    .description('(not yet available)')
    .allowUnknownOption()
    .action(() => {
      throw new ExitError(1, 'rollout is not implemented yet');
    });
}
