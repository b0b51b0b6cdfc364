import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decideAdmission, parseTenantList, TenantListFile, type TenantList } from './tenancy.ts';

const list: TenantList = {
  revision: 'sha256:aa',
  stamp: 'stamp-a',
  tenants: new Map([
    ['acme', { epoch: 2 }],
    ['moving', { epoch: 0, phase: 'copying' }],
  ]),
};

describe('decideAdmission', () => {
  it.each([
    {
      name: 'its tenant, no epoch header (a direct caller)',
      tenant: 'acme',
      method: 'GET',
      epoch: undefined,
      expected: { kind: 'serve', write: false },
    },
    { name: 'its tenant at its epoch, a write', tenant: 'acme', method: 'POST', epoch: '2', expected: { kind: 'serve', write: true } },
    { name: 'a stranger', tenant: 'other', method: 'GET', epoch: undefined, expected: { kind: 'misdirected', reason: 'not-on-list' } },
    { name: 'no tenant at all', tenant: null, method: 'GET', epoch: undefined, expected: { kind: 'misdirected', reason: 'no-tenant' } },
    {
      name: 'an older epoch (a stale router)',
      tenant: 'acme',
      method: 'GET',
      epoch: '1',
      expected: { kind: 'misdirected', reason: 'stale-epoch' },
    },
    {
      name: 'a malformed epoch counts as stale',
      tenant: 'acme',
      method: 'GET',
      epoch: 'x1',
      expected: { kind: 'misdirected', reason: 'stale-epoch' },
    },
    {
      name: 'a newer epoch: the list is behind',
      tenant: 'acme',
      method: 'GET',
      epoch: '3',
      expected: { kind: 'unavailable', reason: 'list-behind' },
    },
    { name: 'a fenced tenant reads', tenant: 'moving', method: 'HEAD', epoch: '0', expected: { kind: 'serve', write: false } },
    { name: 'a fenced tenant writes', tenant: 'moving', method: 'DELETE', epoch: '0', expected: { kind: 'unavailable', reason: 'fenced' } },
    {
      name: 'a fenced tenant writes with a lower-case method',
      tenant: 'moving',
      method: 'patch',
      epoch: undefined,
      expected: { kind: 'unavailable', reason: 'fenced' },
    },
  ])('$name', ({ tenant, method, epoch, expected }) => {
    expect(decideAdmission(list, tenant, method, epoch)).toMatchObject(expected);
  });

  it('property: a write is accepted only for a listed, unfenced tenant at the list epoch or without an epoch', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('a', 'b', 'c'),
          fc.record({ epoch: fc.nat(5), phase: fc.option(fc.constant('fenced'), { nil: undefined }) }),
        ),
        fc.constantFrom('a', 'b', 'c', 'd'),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'),
        fc.option(fc.nat(6).map(String), { nil: undefined }),
        (tenants, tenant, method, epoch) => {
          const entries = new Map(
            Object.entries(tenants).map(([k, v]) => [k, v.phase ? { epoch: v.epoch, phase: v.phase } : { epoch: v.epoch }]),
          );
          const decision = decideAdmission({ revision: 'r', stamp: 's', tenants: entries }, tenant, method, epoch);
          if (decision.kind === 'serve' && decision.write) {
            const entry = entries.get(tenant);
            expect(entry).toBeDefined();
            expect(entry!.phase).toBeUndefined();
            if (epoch !== undefined) expect(Number(epoch)).toBe(entry!.epoch);
          }
          if (!entries.has(tenant)) expect(decision.kind).toBe('misdirected');
        },
      ),
    );
  });
});

describe('parseTenantList', () => {
  const good = { schemaVersion: 1, revision: 'sha256:1', stamp: 'stamp-a', tenants: { acme: { epoch: 0 } } };
  it.each([
    { name: 'not JSON', text: '{', error: 'not JSON' },
    { name: 'another stamp', text: JSON.stringify({ ...good, stamp: 'stamp-b' }), error: 'the list is for stamp "stamp-b"' },
    { name: 'wrong schema version', text: JSON.stringify({ ...good, schemaVersion: 2 }), error: 'schemaVersion must be 1' },
    { name: 'negative epoch', text: JSON.stringify({ ...good, tenants: { acme: { epoch: -1 } } }), error: 'tenants.acme.epoch' },
    { name: 'no revision', text: JSON.stringify({ ...good, revision: '' }), error: 'revision' },
  ])('refuses $name', ({ text, error }) => {
    const parsed = parseTenantList(text, 'stamp-a');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });
});

describe('TenantListFile', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sees an atomic swap on the next check and keeps the last good list when the new one is broken', () => {
    dir = mkdtempSync(join(tmpdir(), 'tenant-list-'));
    const file = join(dir, 'tenants.json');
    const swap = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    swap(JSON.stringify({ schemaVersion: 1, revision: 'r1', stamp: 's', tenants: { a: { epoch: 0 } } }));
    const warnings: string[] = [];
    const lists = new TenantListFile(file, 's', (m) => warnings.push(m));
    expect(lists.current().revision).toBe('r1');
    swap(JSON.stringify({ schemaVersion: 1, revision: 'r2', stamp: 's', tenants: {} }));
    expect(lists.current().revision).toBe('r2');
    swap('{ broken');
    expect(lists.current().revision).toBe('r2');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('keeping revision r2');
  });

  it('refuses to start without a readable list', () => {
    expect(() => new TenantListFile('/nonexistent/tenants.json', 's')).toThrow();
  });
});
