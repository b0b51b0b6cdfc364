import type { Command } from 'commander';
import { ExitError } from '@stampyard/stamp-spec';
import type { Io } from '../context.ts';
import type { CommandResult } from '../main.ts';

// Placeholder until the 'dev' command lands; it fails loudly rather than pretending.
export function registerDev(program: Command, _io: Io, _result: CommandResult): void {
  program
    .command('dev')
    .description('(not yet available)')
    .allowUnknownOption()
    .action(() => {
      throw new ExitError(1, 'dev is not implemented yet');
    });
}
