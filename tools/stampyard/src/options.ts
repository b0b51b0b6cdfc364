// Options shared by commands, declared once.
import { Option, type Command } from 'commander';
import { ExitError } from '@stampyard/stamp-spec';

export function addRootOption(command: Command): Command {
  return command.option('--root <dir>', 'fleet repository to act on (default: the nearest folder with fleet.yaml, else this repository)');
}

export function addOutputOption(command: Command): Command {
  return command.addOption(new Option('--output <format>', 'result format').choices(['text', 'json', 'markdown']).default('text'));
}

export function addNowOption(command: Command): Command {
  return command.option('--now <iso8601>', 'the time to act at (default: the clock)');
}

/** Options the program takes before the command (`stampyard --root X validate`); the same after it win. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--root <dir>', 'fleet repository, for every command (the same option after the command wins)')
    .addOption(new Option('--output <format>', 'result format, for every command that has --output').choices(['text', 'json', 'markdown']));
}

/**
 * Copies global options given before the command onto the command that runs,
 * unless the command was given its own. A command without that option refuses
 * it as a usage error.
 */
export function applyGlobalOptions(program: Command, command: Command): void {
  for (const name of ['root', 'output']) {
    const value = program.getOptionValue(name) as string | undefined;
    if (value === undefined || command === program) continue;
    const own = command.options.find((o) => o.attributeName() === name);
    if (!own) throw new ExitError(2, `--${name}: '${command.name()}' takes no --${name}; leave it out`);
    if (own.argChoices && !own.argChoices.includes(value)) {
      throw new ExitError(2, `--${name}: '${command.name()}' takes ${own.argChoices.join(', ')}, not '${value}'`);
    }
    if (command.getOptionValueSource(name) !== 'cli') command.setOptionValueWithSource(name, value, 'cli');
  }
}
