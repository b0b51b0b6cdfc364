// Options shared by commands, declared once.
import { Option, type Command } from 'commander';

export function addRootOption(command: Command): Command {
  return command.option('--root <dir>', 'fleet repository to act on (default: the nearest folder with fleet.yaml, else this repository)');
}

export function addOutputOption(command: Command): Command {
  return command.addOption(
    new Option('--output <format>', 'result format').choices(['text', 'json', 'markdown']).default('text'),
  );
}

export function addNowOption(command: Command): Command {
  return command.option('--now <iso8601>', 'the time to act at (default: the clock)');
}
