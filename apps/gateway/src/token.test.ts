import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from './token.ts';

const pair = await generateKeyPair('ES256');
const other = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
const sign = (claims: Record<string, unknown>, key = pair.privateKey, exp: string | number = '5m') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setAudience('gw').setExpirationTime(exp).sign(key);

describe.each([
  { keys: 'a PEM key', options: { publicKeyPem: await exportSPKI(pair.publicKey), audience: 'gw' } },
  { keys: 'a JWKS', options: { jwks: { keys: [jwk] }, audience: 'gw' } },
])('createTokenVerifier with $keys', ({ options }) => {
  const verify = createTokenVerifier(options);
  it.each([
    { name: 'no header', header: async () => undefined, expected: { kind: 'absent' } },
    { name: 'another scheme', header: async () => 'Basic dXNlcjpwYXNz', expected: { kind: 'absent' } },
    {
      name: 'a valid token',
      header: async () => `Bearer ${await sign({ tenant: 'acme', stamp: 's1' })}`,
      expected: { kind: 'valid', tenant: 'acme', stamp: 's1' },
    },
    {
      name: 'a forged token',
      header: async () => `Bearer ${await sign({ tenant: 'acme' }, other.privateKey)}`,
      expected: { kind: 'invalid' },
    },
    {
      name: 'an expired token',
      header: async () => `Bearer ${await sign({ tenant: 'acme' }, pair.privateKey, Math.floor(Date.now() / 1000) - 10)}`,
      expected: { kind: 'invalid', reason: 'ERR_JWT_EXPIRED' },
    },
    {
      name: 'a token without an expiry',
      header: async () =>
        `Bearer ${await new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setAudience('gw').sign(pair.privateKey)}`,
      expected: { kind: 'invalid', reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
    },
    {
      name: 'no tenant claim',
      header: async () => `Bearer ${await sign({ sub: 'x' })}`,
      expected: { kind: 'invalid', reason: 'the token has no string tenant claim' },
    },
    { name: 'garbage', header: async () => 'Bearer not.a.jwt', expected: { kind: 'invalid' } },
  ])('$name', async ({ header, expected }) => {
    expect(await verify(await header())).toMatchObject(expected);
  });
});
