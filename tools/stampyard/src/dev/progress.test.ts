import { describe, expect, it } from 'vitest';
import { consoleReporter } from './progress.ts';

function capture(isTty: boolean) {
  const out = { stdout: '', stderr: '' };
  const reporter = consoleReporter({ stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), isTty });
  return { out, reporter };
}

describe('consoleReporter', () => {
  it('rewrites one live line per wave on a TTY', () => {
    const { out, reporter } = capture(true);
    reporter.wave('rollout', 0, 'promoted stamp-eu-1');
    reporter.wave('rollout', 0, 'promoted stamp-eu-1; restarted');
    reporter.wave('rollout', 1, 'waiting', true);
    reporter.step('next');
    expect(out.stderr).toBe(
      '\r\u001b[2K    wave 0: promoted stamp-eu-1\r\u001b[2K    wave 0: promoted stamp-eu-1; restarted\n\r\u001b[2K    wave 1: waiting\n\u001b[1m==> next\u001b[0m\n',
    );
  });

  it('prints plain lines without escape codes otherwise (NO_COLOR, pipes)', () => {
    const { out, reporter } = capture(false);
    reporter.wave('rollout', 0, 'promoted stamp-eu-1');
    reporter.wave('rollout', 0, 'promoted stamp-eu-1; restarted');
    reporter.wave('rollout', 1, 'baking: 3 of 60 minutes', true);
    reporter.result('Report: x');
    expect(out.stderr).toBe('    wave 0: promoted stamp-eu-1\n    wave 0: promoted stamp-eu-1; restarted\n');
    expect(out.stdout).toBe('Report: x\n');
    expect(out.stderr + out.stdout).not.toContain('\u001b');
  });
});
