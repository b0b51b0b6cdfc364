import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { aRolloutFleet } from '../testing/index.ts';
import { fluxHealth, fluxStampHealth, type KubectlRunner } from './flux.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const fleet = aRolloutFleet(3);

/** Replays recorded kubectl output per context, recording each call. */
function recorded(byStamp: Record<string, { k: string; d: string } | 'unreachable'>, calls: string[][]): KubectlRunner {
  return async (args) => {
    calls.push([...args]);
    const stamp = byStamp[args[1]!];
    if (stamp === undefined || stamp === 'unreachable') {
      return { stdout: '', stderr: `error: context "${args[1]}" does not exist\n`, exitCode: 1 };
    }
    return { stdout: fixture(args[3]!.startsWith('kustomizations') ? stamp.k : stamp.d), stderr: '', exitCode: 0 };
  };
}

describe('flux health', () => {
  const cases = [
    {
      name: 'Ready at the expected revision with images at 1.5.0',
      k: 'kustomizations-ready.json',
      d: 'deployments-1.5.0.json',
      expected: { ready: true, version: '1.5.0' },
    },
    {
      name: 'a Kustomization whose health check failed',
      k: 'kustomizations-failing.json',
      d: 'deployments-1.5.0.json',
      expected: {
        ready: false,
        version: '1.5.0',
        detail: expect.stringMatching(/Kustomization stamp-eu-1-apps not Ready: Health check failed/),
      },
    },
    {
      name: 'a Kustomization that has not applied the attempted revision',
      k: 'kustomizations-behind.json',
      d: 'deployments-1.5.0.json',
      expected: { ready: false, detail: expect.stringMatching(/applied main@sha1:1111.*attempting main@sha1:4f2c/) },
    },
    {
      name: 'Deployments mid-rollout with mixed images',
      k: 'kustomizations-ready.json',
      d: 'deployments-rolling.json',
      expected: { ready: false, version: 'mixed(1.4.0,1.5.0)', detail: expect.stringMatching(/Deployment api has 2\/3 ready, 1 updated/) },
    },
  ];
  it.each(cases)('reads $name', ({ k, d, expected }) => {
    expect(fluxStampHealth(fleet.spec, fixture(k), fixture(d))).toMatchObject(expected);
  });

  it('checks an expected Git revision when given', () => {
    expect(fluxStampHealth(fleet.spec, fixture('kustomizations-ready.json'), fixture('deployments-1.5.0.json'), '4f2c9a1e').ready).toBe(
      true,
    );
    expect(fluxStampHealth(fleet.spec, fixture('kustomizations-ready.json'), fixture('deployments-1.5.0.json'), 'deadbeef').detail).toMatch(
      /expected deadbeef/,
    );
  });

  it('asks kubectl per stamp context, and treats a failing kubectl as unknown', async () => {
    const [a, b, c] = fleet.stamps.map((s) => s.metadata.name);
    const calls: string[][] = [];
    const report = await fluxHealth({
      spec: fleet.spec,
      stamps: fleet.stamps,
      kubectl: recorded(
        {
          [a!]: { k: 'kustomizations-ready.json', d: 'deployments-1.5.0.json' },
          [b!]: { k: 'kustomizations-failing.json', d: 'deployments-1.5.0.json' },
          [c!]: 'unreachable',
        },
        calls,
      ),
    });
    expect(Object.keys(report.stamps)).toEqual([a, b]);
    expect(report.stamps[a!]).toMatchObject({ ready: true, version: '1.5.0' });
    expect(report.stamps[b!]?.ready).toBe(false);
    expect(report.unknown?.[c!]).toMatch(/kubectl failed: error: context .* does not exist/);
    expect(calls).toContainEqual(['--context', a!, 'get', 'kustomizations.kustomize.toolkit.fluxcd.io', '-n', 'flux-system', '-o', 'json']);
    expect(calls).toContainEqual(['--context', a!, 'get', 'deployments.apps', '-n', a!, '-o', 'json']);
  });
});
