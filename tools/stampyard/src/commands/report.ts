import type { Command } from 'commander';
import { ExitError } from '@stampyard/stamp-spec';
import type { Io } from '../context.ts';
import type { CommandResult } from '../main.ts';

// Placeholder until the 'report' command lands; it fails loudly rather than pretending.
export function registerReport(program: Command, _io: Io, _result: CommandResult): void {
  program
    .command('report')
    .description('(not yet available)')
    .allowUnknownOption()
    .action(() => {
      throw new ExitError(1, 'report is not implemented yet');
    });
}
