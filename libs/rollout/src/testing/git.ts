// Real git commits at chosen times, for tests of anything that reads landing history.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `git -C <cwd> <args>` with author and committer dates set to `date` (ISO 8601); resolves with stdout. */
export async function gitAt(cwd: string, args: readonly string[], date: string): Promise<string> {
  const env = {
    ...process.env,
    GIT_COMMITTER_DATE: date,
    GIT_AUTHOR_DATE: date,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  return (await run('git', ['-C', cwd, ...args], { env })).stdout;
}
