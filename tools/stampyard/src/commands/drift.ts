import type { Command } from 'commander';
import { ExitError } from '@stampyard/stamp-spec';
import type { Io } from '../context.ts';
import type { CommandResult } from '../main.ts';

// Placeholder until the 'drift' command lands; it fails loudly rather than pretending.
export function registerDrift(program: Command, _io: Io, _result: CommandResult): void {
  program
    .command('drift')
    .description('(not yet available)')
    .allowUnknownOption()
    .action(() => {
      throw new ExitError(1, 'drift is not implemented yet');
    });
}
