import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseFleet, type FleetSources } from './load.ts';
import { formatIssue } from './errors.ts';
import { aFleetSpec, aStamp, fleetRepoFiles } from './testing/index.ts';

/** Sources for a fleet of three good stamps, with one file's text replaced. */
function sourcesWith(replace: Record<string, string>): FleetSources {
  const files = fleetRepoFiles({
    fleet: aFleetSpec(),
    stamps: [
      aStamp({ name: 'stamp-eu-1', cidr: '10.1.0.0/16', dedicatedTo: 'acme' }),
      aStamp({ name: 'stamp-eu-2', cidr: '10.2.0.0/16' }),
      aStamp({ name: 'stamp-us-1', region: 'eastus', cidr: '10.3.0.0/16' }),
    ],
    tenantFiles: [[{ id: 'acme', residency: 'eu', weight: 1, isolation: 'dedicated', status: 'active', stamp: 'stamp-eu-1' }]],
  });
  for (const [path, text] of Object.entries(replace)) files.set(path, text);
  const all = [...files].map(([path, text]) => ({ path, text }));
  return {
    fleet: all.find((f) => f.path === 'fleet.yaml')!,
    stamps: all.filter((f) => f.path.startsWith('stamps/')),
    tenants: all.filter((f) => f.path.startsWith('tenants/')),
  };
}

/** fleet.yaml of the test fleet with these rollout policy fields. */
const fleetWithRollout = (rollout: Record<string, unknown>) =>
  stringify({
    apiVersion: 'stampyard.dev/v1alpha1',
    kind: 'Fleet',
    metadata: { name: 'test' },
    spec: { ...aFleetSpec(), rollout: { ...aFleetSpec().rollout, ...rollout } },
  });

const stampText = (name: string, spec: string) =>
  `apiVersion: stampyard.dev/v1alpha1\nkind: Stamp\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const goodSpec = (lines: Record<string, string> = {}) => {
  const fields = {
    region: 'westeurope',
    capacity: '10',
    wave: '1',
    version: '1.4.0',
    size: 'small',
    network: '\n    cidr: 10.9.0.0/16',
    ...lines,
  };
  return (
    Object.entries(fields)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n') + '\n'
  );
};

const fleetText = (spec: Record<string, unknown>) =>
  stringify({ apiVersion: 'stampyard.dev/v1alpha1', kind: 'Fleet', metadata: { name: 'test' }, spec: { ...aFleetSpec(), ...spec } });

describe('validation errors name file, line, column, field, value and fix', () => {
  const cases: { name: string; files: Record<string, string>; expected: string[] }[] = [
    { name: 'valid fleet', files: {}, expected: [] },
    {
      name: 'name does not match file',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-y', goodSpec()) },
      expected: ["stamps/stamp-x.yaml:4:9 metadata.name: 'stamp-y' does not match the file name"],
    },
    {
      name: 'name too long',
      files: { 'stamps/a.yaml': stampText('a'.repeat(41), goodSpec()) },
      expected: ['stamps/a.yaml:4:9 metadata.name: must be at most 40 characters'],
    },
    {
      name: 'name not a DNS label',
      files: { 'stamps/Bad_Name.yaml': stampText('Bad_Name', goodSpec()) },
      expected: ['stamps/Bad_Name.yaml:4:9 metadata.name: must be a DNS-1123 label'],
    },
    {
      name: 'unknown field',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ replicaz: '3' })) },
      expected: ["stamps/stamp-x.yaml:13:3 spec.replicaz: unknown field 'replicaz'"],
    },
    {
      name: 'region not in catalog',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ region: 'mars' })) },
      expected: [
        "stamps/stamp-x.yaml:6:11 spec.region: 'mars' is not in the region catalog; use one of eastus, northeurope, westeurope, westus2",
      ],
    },
    {
      name: 'size not a profile',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ size: 'huge' })) },
      expected: ["spec.size: 'huge' is not a size profile; use one of small, medium, large"],
    },
    {
      name: 'version not in catalog',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ version: '9.9.9' })) },
      expected: ["spec.version: '9.9.9' is not in the release catalog"],
    },
    {
      name: 'version not semver',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ version: 'latest' })) },
      expected: ['spec.version: must be a semantic version such as 1.4.0, received "latest"'],
    },
    {
      name: 'capacity not positive',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ capacity: '0' })) },
      expected: ['spec.capacity: Too small'],
    },
    {
      name: 'negative wave',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ wave: '-1' })) },
      expected: ['spec.wave: Too small'],
    },
    {
      name: 'missing field',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ size: '' })) },
      expected: ['stamps/stamp-x.yaml:5:1 spec.size: is required but missing; add it'],
    },
    {
      name: 'bad status',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ status: 'paused' })) },
      expected: ['spec.status: expected one of "active"|"draining", received "paused"'],
    },
    {
      name: 'CIDR outside /16-/24',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ network: '\n    cidr: 10.0.0.0/8' })) },
      expected: ['stamps/stamp-x.yaml:12:11 spec.network.cidr: must be between /16 and /24'],
    },
    {
      name: 'CIDR with host bits',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ network: '\n    cidr: 10.9.0.1/16' })) },
      expected: ['spec.network.cidr: has host bits set; use the network address 10.9.0.0/16'],
    },
    {
      name: 'overlapping CIDRs',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ network: '\n    cidr: 10.1.128.0/24' })) },
      expected: [
        'stamps/stamp-x.yaml:12:11 spec.network.cidr: 10.1.128.0/24 overlaps stamp-eu-1 (10.1.0.0/16); pick a free range, e.g. 10.0.0.0/24',
      ],
    },
    {
      name: 'tenant dedicated on two stamps',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ dedicatedTo: 'acme' })) },
      expected: ["spec.dedicatedTo: tenant 'acme' is already dedicated on stamp-eu-1"],
    },
    {
      name: 'duplicate stamp name',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-eu-2', goodSpec()) },
      expected: ["metadata.name: 'stamp-eu-2' is already used by stamps/stamp-eu-2.yaml"],
    },
    {
      name: 'YAML syntax error',
      files: { 'stamps/stamp-x.yaml': 'apiVersion: [\n' },
      expected: ['stamps/stamp-x.yaml:2:1 (yaml):'],
    },
    {
      name: 'duplicate key',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec()) + '  wave: 2\n' },
      expected: ['stamps/stamp-x.yaml:13:3 (yaml): Map keys must be unique'],
    },
    {
      name: 'wrong kind',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec()).replace('kind: Stamp', 'kind: Stamps') },
      expected: ['stamps/stamp-x.yaml:2:7 kind: expected "Stamp", received "Stamps"'],
    },
    {
      name: 'fleet: duplicate release',
      files: {
        'fleet.yaml': stringify({
          apiVersion: 'stampyard.dev/v1alpha1',
          kind: 'Fleet',
          metadata: { name: 'test' },
          spec: { ...aFleetSpec(), releases: [aFleetSpec().releases[0], aFleetSpec().releases[0]] },
        }),
      },
      expected: ['spec.releases[1].version: 1.3.0 is already listed at releases[0]'],
    },
    {
      name: 'fleet: request above limit',
      files: {
        'fleet.yaml': stringify({
          apiVersion: 'stampyard.dev/v1alpha1',
          kind: 'Fleet',
          metadata: { name: 'test' },
          spec: { ...aFleetSpec(), sizes: { small: { ...aFleetSpec().sizes['small']!, cpu: { request: '2', limit: '500m' } } } },
        }),
      },
      expected: ['spec.sizes.small.cpu.request: request must not exceed limit'],
    },
    {
      name: 'rollout policy: valid approvals, deadline and analyses',
      files: {
        'fleet.yaml': fleetWithRollout({
          approval: { waves: [2] },
          progressDeadlineMinutes: 30,
          analysis: [
            { name: 'error-rate', query: 'sum(rate(http_errors_total{stamp="$stamp"}[$window]))', max: 0.05, window: '15s' },
            { name: 'throughput', query: 'sum(rate(http_requests_total{stamp="$stamp"}[$window]))', min: 1 },
          ],
        }),
      },
      expected: [],
    },
    {
      name: 'rollout policy: analysis without a bound',
      files: { 'fleet.yaml': fleetWithRollout({ analysis: [{ name: 'error-rate', query: 'up{stamp="$stamp"}' }] }) },
      expected: ['spec.rollout.analysis[0]: needs a bound: add max, min or both'],
    },
    {
      name: 'rollout policy: analysis min above max',
      files: { 'fleet.yaml': fleetWithRollout({ analysis: [{ name: 'latency', query: 'up{stamp="$stamp"}', min: 2, max: 1 }] }) },
      expected: ['spec.rollout.analysis[0].min: min must not be above max'],
    },
    {
      name: 'rollout policy: analysis query without $stamp',
      files: {
        'fleet.yaml': fleetWithRollout({ analysis: [{ name: 'error-rate', query: 'sum(rate(http_errors_total[5m]))', max: 0.1 }] }),
      },
      expected: ['spec.rollout.analysis[0].query: must use $stamp'],
    },
    {
      name: 'rollout policy: analysis window not a duration',
      files: {
        'fleet.yaml': fleetWithRollout({ analysis: [{ name: 'error-rate', query: 'up{stamp="$stamp"}', max: 1, window: '15 seconds' }] }),
      },
      expected: ['spec.rollout.analysis[0].window: must be a Prometheus duration such as 15s, 5m or 1h, received "15 seconds"'],
    },
    {
      name: 'rollout policy: two analyses with one name',
      files: {
        'fleet.yaml': fleetWithRollout({
          analysis: [
            { name: 'e', query: 'a{stamp="$stamp"}', max: 1 },
            { name: 'e', query: 'b{stamp="$stamp"}', max: 1 },
          ],
        }),
      },
      expected: ["spec.rollout.analysis[1].name: 'e' is already the name of analysis[0]"],
    },
    {
      name: 'rollout policy: approval wave listed twice',
      files: { 'fleet.yaml': fleetWithRollout({ approval: { waves: [2, 2] } }) },
      expected: ['spec.rollout.approval.waves: lists a wave twice'],
    },
    {
      name: 'rollout policy: progress deadline of 0',
      files: { 'fleet.yaml': fleetWithRollout({ progressDeadlineMinutes: 0 }) },
      expected: ['spec.rollout.progressDeadlineMinutes: '],
    },
    {
      name: 'tenant: unknown stamp',
      files: {
        'tenants/tenants-000.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: zed\n    residency: eu\n    stamp: nowhere\n',
      },
      expected: ["tenants/tenants-000.yaml:6:12 items[0].stamp: stamp 'nowhere' does not exist"],
    },
    {
      name: 'tenant: id equals a stamp name',
      files: {
        'tenants/tenants-000.yaml': 'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: stamp-eu-2\n    residency: eu\n',
      },
      expected: ["tenants/tenants-000.yaml:4:9 items[0].id: 'stamp-eu-2' is also a stamp name"],
    },
    {
      name: 'tenant: residency mismatch',
      files: {
        'tenants/tenants-000.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: zed\n    residency: us\n    stamp: stamp-eu-2\n',
      },
      expected: ["items[0].stamp: 'stamp-eu-2' is in zone 'eu' but the tenant's residency is 'us'"],
    },
    {
      name: 'tenant: unknown residency zone',
      files: {
        'tenants/tenants-000.yaml': 'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: zed\n    residency: mars\n',
      },
      expected: ["items[0].residency: 'mars' is not a residency zone; use one of eu, us, any"],
    },
    {
      name: 'tenant: duplicate id',
      files: {
        'tenants/tenants-000.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: acme\n    residency: eu\n    isolation: dedicated\n    stamp: stamp-eu-1\n',
        'tenants/tenants-001.yaml': 'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: acme\n    residency: eu\n',
      },
      expected: ["tenants/tenants-001.yaml:4:9 items[0].id: 'acme' is already defined in tenants/tenants-000.yaml"],
    },
    {
      name: 'tenant: shared tenant on dedicated stamp',
      files: {
        'tenants/tenants-000.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: zed\n    residency: eu\n    stamp: stamp-eu-1\n',
      },
      expected: ["items[0].stamp: shared tenant is on 'stamp-eu-1', which is dedicated to 'acme'"],
    },
    {
      name: 'tenant: dedicated tenant on shared stamp',
      files: {
        'tenants/tenants-000.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: acme\n    residency: eu\n    isolation: dedicated\n    stamp: stamp-eu-2\n',
      },
      expected: ["items[0].stamp: dedicated tenant is on 'stamp-eu-2', which is shared"],
    },
    {
      name: 'tenant: stamp over capacity',
      files: {
        'tenants/tenants-000.yaml': `apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: big\n    residency: eu\n    weight: 101\n    stamp: stamp-eu-2\n`,
      },
      expected: ['stamps/stamp-eu-2.yaml', 'spec.capacity: stamp-eu-2 holds tenants of total weight 101 but its capacity is 100'],
    },
    {
      name: 'CIDR outside the pool',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ network: '\n    cidr: 192.168.0.0/16' })) },
      expected: [
        "stamps/stamp-x.yaml:12:11 spec.network.cidr: 192.168.0.0/16 is outside the fleet's address pool 10.0.0.0/8 (the default); pick a free range inside it, e.g. 10.0.0.0/16",
      ],
    },
    {
      name: 'reserved stamp name',
      files: { 'stamps/global.yaml': stampText('global', goodSpec()) },
      expected: [
        "stamps/global.yaml:4:9 metadata.name: 'global' is reserved for the gateway's cluster folder rendered/clusters/global; rename the stamp and its file, e.g. stamp-global-1",
      ],
    },
    {
      name: 'kube-* stamp name',
      files: { 'stamps/kube-system.yaml': stampText('kube-system', goodSpec()) },
      expected: ["metadata.name: 'kube-system' is reserved by Kubernetes"],
    },
    {
      name: 'domain label over 63 characters',
      files: { 'fleet.yaml': fleetText({ domain: `${'a'.repeat(64)}.example.com` }) },
      expected: ['spec.domain: must be a DNS name such as stamps.example.com, each dot-separated label at most 63 characters'],
    },
    {
      name: 'domain too long for tenant hosts',
      files: { 'fleet.yaml': fleetText({ domain: Array.from({ length: 4 }, () => 'a'.repeat(60)).join('.') }) },
      expected: ["spec.domain: must be at most 189 characters, so <tenant id>.<domain> stays within DNS's 253"],
    },
    {
      name: 'branch with a newline',
      files: { 'fleet.yaml': fleetText({ source: { url: 'https://github.com/acme/fleet', branch: 'main\n::warning::x' } }) },
      expected: ['spec.source.branch: must be a Git branch name such as main or release/1.x, but holds a space, a control character'],
    },
    {
      name: 'branch with ..',
      files: { 'fleet.yaml': fleetText({ source: { url: 'https://github.com/acme/fleet', branch: 'a..b' } }) },
      expected: ["spec.source.branch: must be a Git branch name such as main or release/1.x, but holds '..'"],
    },
    {
      name: 'credentials in the Git URL, redacted in the message',
      files: {
        'fleet.yaml': fleetText({ source: { url: 'https://x-access-token:ghs_0123456789abcdefghijklmnopqrstuv@github.com/acme/fleet' } }),
      },
      expected: [
        'spec.source.url: must not hold credentials (user:token@); put them in a Secret and name it in secretRef, received "https://[redacted]@github.com/acme/fleet"',
      ],
    },
    {
      name: 'a tenant bound to a stamp name with a newline',
      files: {
        'tenants/tenants-000.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: zed\n    residency: eu\n    stamp: "a\\n::error::x"\n',
      },
      expected: ['items[0].stamp: must be a DNS-1123 label', 'received "a\\n::error::x"'],
    },
    {
      name: 'tenant id equals a stamp name, reported on the stamp too',
      files: {
        'tenants/tenants-000.yaml': 'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - id: stamp-eu-2\n    residency: eu\n',
      },
      expected: ["stamps/stamp-eu-2.yaml:4:9 metadata.name: 'stamp-eu-2' is also a tenant id in tenants/tenants-000.yaml"],
    },
    {
      name: 'version written as a number',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ version: '1.4' })) },
      expected: ['stamps/stamp-x.yaml:9:12 spec.version: expected string, received 1.4; write 1.4.0'],
    },
    {
      name: 'version 1.10 keeps its digits',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ version: '1.10' })) },
      expected: ['spec.version: expected string, received 1.1; write 1.10.0'],
    },
    {
      name: 'version with a v',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ version: 'v1.4.0' })) },
      expected: ['spec.version: must be a semantic version such as 1.4.0, received "v1.4.0"; write 1.4.0'],
    },
    {
      name: 'misspelt region',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ region: 'westeurop' })) },
      expected: ["spec.region: 'westeurop' is not in the region catalog; did you mean 'westeurope'? use one of"],
    },
    {
      name: 'misspelt size',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ size: 'smal' })) },
      expected: ["spec.size: 'smal' is not a size profile; did you mean 'small'?"],
    },
    {
      name: 'empty file',
      files: { 'stamps/stamp-x.yaml': '' },
      expected: [
        'stamps/stamp-x.yaml:1:1 (document): the file is empty or holds only comments; write a document with apiVersion, kind, metadata, spec, or delete the file',
      ],
    },
    {
      name: 'comment-only file',
      files: { 'tenants/tenants-000.yaml': '# nothing yet\n' },
      expected: [
        'tenants/tenants-000.yaml:1:1 (document): the file is empty or holds only comments; write a document with apiVersion, kind',
      ],
    },
    {
      name: 'a key moved to column 1: one message, where it happened',
      files: { 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec()).replace('  capacity: 10', 'capacity: 10') },
      expected: ['stamps/stamp-x.yaml:7:1 (yaml): the indentation of "capacity: 10" doesn\'t fit the lines around it'],
    },
    {
      name: 'an image without a digest, when the fleet requires digests',
      files: { 'fleet.yaml': fleetText({ requireImageDigests: true }) },
      expected: [
        'spec.releases[0].images.api: ghcr.io/acme/api:1.3.0 is pinned by tag only, and a tag can be moved to other content, and fleet.yaml sets requireImageDigests: true; add digest: sha256:',
      ],
    },
    {
      name: 'region change: reported once on the stamp, naming its tenants',
      files: {
        'stamps/stamp-eu-2.yaml': stampText('stamp-eu-2', goodSpec({ region: 'eastus', network: '\n    cidr: 10.2.0.0/16' })),
        'tenants/tenants-001.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - { id: t1, residency: eu, stamp: stamp-eu-2 }\n  - { id: t2, residency: eu, stamp: stamp-eu-2 }\n  - { id: t3, residency: any, stamp: stamp-eu-2 }\n',
      },
      expected: [
        "stamps/stamp-eu-2.yaml:6:11 spec.region: eastus is in zone 'us', but the 2 tenants on stamp-eu-2 must stay in zone 'eu' (t1, t2); keep a region in that zone",
      ],
    },
  ];

  it.each(cases)('$name', ({ files, expected }) => {
    const { fleet, issues } = parseFleet(sourcesWith(files));
    const text = issues.map(formatIssue).join('\n');
    if (expected.length === 0) {
      expect(text).toBe('');
      expect(fleet).toBeDefined();
      return;
    }
    expect(fleet).toBeUndefined();
    for (const fragment of expected) expect(text).toContain(fragment);
  });

  it('does not flag tenants of a stamp whose own file is invalid', () => {
    const { issues } = parseFleet(sourcesWith({ 'stamps/stamp-eu-1.yaml': stampText('stamp-eu-1', goodSpec({ region: '' })) }));
    expect(issues.map(formatIssue).join('\n')).toContain('stamps/stamp-eu-1.yaml');
    expect(issues.filter((i) => i.file.startsWith('tenants/'))).toEqual([]);
  });

  it('reports every problem at once, not only the first', () => {
    const { issues } = parseFleet(
      sourcesWith({
        'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec({ region: 'mars', size: 'huge', version: '9.9.9' })),
        'stamps/stamp-y.yaml': stampText('stamp-y', goodSpec({ wave: '-1' })),
      }),
    );
    expect(issues.map((i) => `${i.file} ${i.field}`)).toEqual(
      expect.arrayContaining([
        'stamps/stamp-x.yaml spec.region',
        'stamps/stamp-x.yaml spec.size',
        'stamps/stamp-x.yaml spec.version',
        'stamps/stamp-y.yaml spec.wave',
      ]),
    );
  });
});

describe('one issue per problem', () => {
  it('a region change gives no issue on the tenant files', () => {
    const { issues } = parseFleet(
      sourcesWith({
        'stamps/stamp-eu-2.yaml': stampText('stamp-eu-2', goodSpec({ region: 'eastus', network: '\n    cidr: 10.2.0.0/16' })),
        'tenants/tenants-001.yaml':
          'apiVersion: stampyard.dev/v1alpha1\nkind: TenantList\nitems:\n  - { id: t1, residency: eu, stamp: stamp-eu-2 }\n  - { id: t2, residency: eu, stamp: stamp-eu-2 }\n',
      }),
    );
    expect(issues.map((i) => `${i.file} ${i.field}`)).toEqual(['stamps/stamp-eu-2.yaml spec.region']);
  });

  it('a YAML slip gives exactly one issue', () => {
    const { issues } = parseFleet(
      sourcesWith({ 'stamps/stamp-x.yaml': stampText('stamp-x', goodSpec()).replace('  capacity: 10', 'capacity: 10') }),
    );
    expect(issues).toHaveLength(1);
  });
});
