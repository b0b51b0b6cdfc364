// Hostile and mistaken input (#13): each refused with exit 1 and file:line:column,
// nothing leaked into the output, nothing on disk changed.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { hashTree } from '@stampyard/synth/testing';
import { runCli } from '../testing/run.ts';
import { runMeasured } from '../testing/measure.ts';
import { aliasBomb, deepNesting, goodSpec, stamp } from '../testing/hostile.ts';

const SECRET = 'ghs_S3cretT0kenValue0123456789abcdef';
interface Case {
  readonly name: string;
  /** Prepares the hostile input in a copy of the example fleet; may return a folder to remove afterwards. */
  readonly setup: (root: string, outside: string) => Promise<void>;
  readonly argv?: readonly string[];
  readonly exitCode: number;
  /** Fragments the output (stdout + stderr) must hold. */
  readonly expected: readonly string[];
}

const cases: Case[] = [
  {
    name: 'alias bomb in metadata.name',
    setup: (root) => writeFile(join(root, 'stamps/stamp-bomb.yaml'), aliasBomb(9, 'name')),
    exitCode: 1,
    expected: [
      'stamps/stamp-bomb.yaml:4:7 (yaml): anchor &a0: fleet files may not use YAML anchors or aliases (&name, *name); write each value out in full',
    ],
  },
  {
    name: 'alias bomb in spec.region',
    setup: (root) => writeFile(join(root, 'stamps/stamp-bomb.yaml'), aliasBomb(12, 'region')),
    exitCode: 1,
    expected: ['stamps/stamp-bomb.yaml:4:7 (yaml): anchor &a0: fleet files may not use YAML anchors'],
  },
  {
    name: 'nesting 100,000 deep',
    setup: (root) => writeFile(join(root, 'stamps/stamp-deep.yaml'), deepNesting(100_000)),
    exitCode: 1,
    expected: ['stamps/stamp-deep.yaml:', '(yaml): nested deeper than 32 levels, which no fleet file needs; flatten it'],
  },
  {
    name: 'a 9 MiB tenant file',
    setup: (root) => writeFile(join(root, 'tenants/huge.yaml'), `# ${'x'.repeat(9 * 1024 * 1024)}\n`),
    exitCode: 1,
    expected: ['tenants/huge.yaml:1:1 (file): is larger than the 8.0 MiB a fleet file may hold'],
  },
  {
    name: '20,000 broken tenants: 50 problems and a note, not 40,000 lines',
    setup: (root) =>
      writeFile(
        join(root, 'tenants/many.yaml'),
        `apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n${'- {}\n'.repeat(20_000)}`,
      ),
    exitCode: 1,
    expected: [
      'tenants/many.yaml:1:1 (file): more problems in this file than the first 50 shown; fix those, then run again',
      '51 problems found.',
    ],
  },
  {
    name: 'a stamp file that links to /etc/passwd',
    setup: (root) => symlink('/etc/passwd', join(root, 'stamps/stamp-x.yaml')),
    exitCode: 1,
    expected: [
      'stamps/stamp-x.yaml:1:1 (file): is a symbolic link; fleet files must be regular files inside the repository, so it was not read',
    ],
  },
  {
    name: 'a tenant file that links to a credentials file',
    setup: async (root, outside) => {
      await writeFile(join(outside, 'git-credentials'), `https://x-access-token:${SECRET}@github.com\n`);
      await symlink(join(outside, 'git-credentials'), join(root, 'tenants/creds.yaml'));
    },
    exitCode: 1,
    expected: ['tenants/creds.yaml:1:1 (file): is a symbolic link'],
  },
  {
    name: 'a stamp file that links to a folder',
    setup: (root) => symlink('/tmp', join(root, 'stamps/stamp-dir.yaml')),
    exitCode: 1,
    expected: ['stamps/stamp-dir.yaml:1:1 (file): is a symbolic link'],
  },
  {
    name: 'a folder named like a stamp file',
    setup: (root) => mkdir(join(root, 'stamps/stamp-dir.yaml')),
    exitCode: 1,
    expected: ['stamps/stamp-dir.yaml:1:1 (file): is a folder'],
  },
  {
    name: 'tenants/ linked to a folder outside the repository',
    setup: async (root, outside) => {
      await mkdir(join(outside, 'tenants'));
      await writeFile(
        join(outside, 'tenants/t.yaml'),
        `apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - { id: t, residency: eu, stamp: stamp-eu-1, note: "${SECRET}" }\n`,
      );
      await rm(join(root, 'tenants'), { recursive: true });
      await symlink(join(outside, 'tenants'), join(root, 'tenants'));
    },
    exitCode: 1,
    expected: ['tenants:1:1 (file): is a symbolic link'],
  },
  {
    name: 'a FIFO named like a stamp file',
    setup: async (root) => {
      execFileSync('mkfifo', [join(root, 'stamps/stamp-fifo.yaml')]);
    },
    exitCode: 1,
    expected: ['stamps/stamp-fifo.yaml:1:1 (file): is not a regular file'],
  },
  {
    name: 'a file name with a newline, a workflow command and an ANSI escape',
    setup: (root) => writeFile(join(root, 'stamps/x\n::warning file=README.md::owned\u001b[31m.yaml'), stamp('x', goodSpec())),
    exitCode: 1,
    expected: ['stamps/x\\n::warning file=README.md::owned\\x1b[31m.yaml:4:9 metadata.name'],
  },
  {
    name: 'a credential in a value is redacted',
    setup: (root) =>
      writeFile(
        join(root, 'stamps/stamp-x.yaml'),
        stamp('stamp-x', goodSpec()).replace('region: westeurope', `region: https://x-access-token:${SECRET}@github.com`),
      ),
    exitCode: 1,
    expected: ["spec.region: 'https://[redacted]@github.com' is not in the region catalog"],
  },
  {
    name: 'a CIDR outside the pool',
    setup: (root) => writeFile(join(root, 'stamps/stamp-x.yaml'), stamp('stamp-x', goodSpec('192.168.0.0/16'))),
    exitCode: 1,
    expected: ["stamps/stamp-x.yaml:12:11 spec.network.cidr: 192.168.0.0/16 is outside the fleet's address pool 10.0.0.0/8"],
  },
  {
    name: 'a stamp named global',
    setup: (root) => writeFile(join(root, 'stamps/global.yaml'), stamp('global', goodSpec())),
    exitCode: 1,
    expected: ["stamps/global.yaml:4:9 metadata.name: 'global' is reserved"],
  },
  {
    name: 'a domain label over 63 characters',
    setup: async (root) => {
      const path = join(root, 'fleet.yaml');
      await writeFile(
        path,
        (await readFile(path, 'utf8')).replace('domain: stamps.contoso.example', `domain: ${'a'.repeat(64)}.contoso.example`),
      );
    },
    exitCode: 1,
    expected: [
      'fleet.yaml:8:11 spec.domain: must be a DNS name such as stamps.example.com, each dot-separated label at most 63 characters',
    ],
  },
  {
    name: 'a very long domain',
    setup: async (root) => {
      const path = join(root, 'fleet.yaml');
      await writeFile(
        path,
        (await readFile(path, 'utf8')).replace(
          'domain: stamps.contoso.example',
          `domain: ${Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')}`,
        ),
      );
    },
    exitCode: 1,
    expected: ["fleet.yaml:8:11 spec.domain: must be at most 189 characters, so <tenant id>.<domain> stays within DNS's 253"],
  },
  {
    name: 'a branch with a newline',
    setup: async (root) => {
      const path = join(root, 'fleet.yaml');
      await writeFile(path, (await readFile(path, 'utf8')).replace('branch: main', 'branch: "main\\n::error::x"'));
    },
    exitCode: 1,
    expected: ['spec.source.branch: must be a Git branch name such as main or release/1.x, but holds a space, a control character'],
  },
  {
    name: 'a tenant without a stamp',
    setup: async (root) => {
      await writeFile(
        join(root, 'tenants/new.yaml'),
        'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: newcomer\n    residency: eu\n',
      );
    },
    exitCode: 1,
    expected: [
      "tenants/new.yaml:4:9 items[0].id: tenant 'newcomer' has no stamp, so it can't be routed; run stampyard tenants place, then npm run synth",
    ],
  },
  {
    name: 'an empty stamp file',
    setup: (root) => writeFile(join(root, 'stamps/stamp-x.yaml'), ''),
    exitCode: 1,
    expected: [
      'stamps/stamp-x.yaml:1:1 (document): the file is empty or holds only comments; write a document with apiVersion, kind, metadata, spec',
    ],
  },
  {
    name: 'version: 1.4',
    setup: (root) => writeFile(join(root, 'stamps/stamp-x.yaml'), stamp('stamp-x', goodSpec().replace('version: 1.4.0', 'version: 1.4'))),
    exitCode: 1,
    expected: ['stamps/stamp-x.yaml:9:12 spec.version: expected string, received 1.4; write 1.4.0'],
  },
  {
    name: 'capacity moved to column 1',
    setup: async (root) => {
      const path = join(root, 'stamps/stamp-eu-2.yaml');
      await writeFile(path, (await readFile(path, 'utf8')).replace('  capacity:', 'capacity:'));
    },
    exitCode: 1,
    expected: ['stamps/stamp-eu-2.yaml:8:1 (yaml): the indentation of "capacity: 150" doesn\'t fit the lines around it'],
  },
  {
    name: 'stamp new --name <a tenant id>',
    setup: async () => {},
    argv: ['stamp', 'new', '--region', 'eastus', '--name', 'adatum-bank'],
    exitCode: 1,
    expected: ["(command line):1:1 --name: 'adatum-bank' is a tenant id"],
  },
];

describe('hostile and mistaken input', () => {
  const repos: TempRepo[] = [];
  const outsides: string[] = [];
  afterAll(async () => {
    await Promise.all(repos.map((r) => r.cleanup()));
    await Promise.all(outsides.map((o) => rm(o, { recursive: true, force: true })));
  });

  it.each(cases)(
    '$name',
    async ({ setup, argv, exitCode, expected }) => {
      const repo = await copyExampleFleet();
      repos.push(repo);
      const outside = await mkdtemp(join(tmpdir(), 'stampyard-outside-'));
      outsides.push(outside);
      await setup(repo.root, outside);
      const before = await hashTree(repo.root);
      const commands = argv ? [argv] : [['validate'], ['synth'], ['synth', '--check']];
      for (const command of commands) {
        const run = await runCli([...command, '--root', repo.root]);
        const output = run.stdout + run.stderr;
        expect(run.exitCode, `${command.join(' ')}: ${output}`).toBe(exitCode);
        for (const fragment of expected) expect(output, command.join(' ')).toContain(fragment);
        // Nothing leaked, nothing injected.
        expect(output).not.toContain('root:x:0:0');
        expect(output).not.toContain(SECRET);
        expect(output).not.toContain('\u001b');
        expect(output.split('\n').some((line) => line.trimStart().startsWith('::'))).toBe(false);
        // One machine-readable failure shape.
        const json = await runCli([...command, '--root', repo.root, '--output', 'json']);
        if (!command.includes('stamp')) {
          const body = JSON.parse(json.stdout) as {
            ok: boolean;
            problems: { file: string; line: number; column: number; field: string; message: string; fix: string }[];
          };
          expect(body.ok).toBe(false);
          expect(Object.keys(body.problems[0]!).sort()).toEqual(['column', 'field', 'file', 'fix', 'line', 'message']);
        }
      }
      expect(await hashTree(repo.root)).toEqual(before);
    },
    120_000,
  );

  // Measured in a child process, with bounds generous enough that a slow or
  // loaded machine never fails them: the point is that the input is refused
  // instead of expanding to gigabytes (it took 120 s and 1.8 GB before #13).
  it.each([
    ['alias bomb, 9 levels, in metadata.name', aliasBomb(9, 'name')],
    ['alias bomb, 12 levels, in spec.region', aliasBomb(12, 'region')],
    ['nesting 100,000 deep', deepNesting(100_000)],
  ])(
    '%s is refused within generous time and memory bounds',
    async (_name, text) => {
      const repo = await copyExampleFleet();
      repos.push(repo);
      await writeFile(join(repo.root, 'stamps/stamp-bomb.yaml'), text);
      const run = await runMeasured(['validate', '--root', repo.root], { timeoutMs: 60_000, maxHeapMb: 1024 });
      expect(run.timedOut).toBe(false);
      expect(run.exitCode, run.stderr).toBe(1);
      expect(run.stderr).toContain('stamps/stamp-bomb.yaml:');
      expect(run.peakRssBytes).toBeLessThan(700 * 1024 * 1024);
    },
    90_000,
  );
});
