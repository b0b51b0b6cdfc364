// Verifying tenant tokens (JWT in Authorization: Bearer) with jose. Only a verified,
// unexpired token with a string `tenant` claim names a tenant.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { NO_TOKEN, type TokenOutcome } from './identify.ts';

export interface TokenVerifierOptions {
  /** A PEM public key (SPKI) the tokens are signed with. One of this or `jwks`. */
  readonly publicKeyPem?: string;
  /** A JSON Web Key Set the tokens are signed with (chosen by `kid`). */
  readonly jwks?: JSONWebKeySet;
  /** Required `iss`. @default - not checked */
  readonly issuer?: string;
  /** Required `aud`. @default - not checked */
  readonly audience?: string;
  /** Allowed clock skew for `exp`/`nbf`, in seconds. @default 0 */
  readonly clockToleranceSeconds?: number;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<TokenOutcome>;

/** Builds a verifier. `alg: none` and HMAC tokens are never accepted (asymmetric algorithms only). */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const key: KeyObject | JWTVerifyGetKey | undefined = options.publicKeyPem
    ? createPublicKey(options.publicKeyPem)
    : options.jwks
      ? createLocalJWKSet(options.jwks)
      : undefined;
  if (!key) throw new Error('a token verifier needs a public key or a JWKS');
  const verifyOptions = {
    algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
    clockTolerance: options.clockToleranceSeconds ?? 0,
    // A token without an expiry would be trusted forever.
    requiredClaims: ['exp'],
  };
  return async (authorization) => {
    if (!authorization || !/^bearer /i.test(authorization)) return NO_TOKEN;
    const token = authorization.slice(7).trim();
    try {
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
      const tenant = payload['tenant'];
      if (typeof tenant !== 'string' || tenant === '') return { kind: 'invalid', reason: 'the token has no string tenant claim' };
      const stamp = payload['stamp'];
      return typeof stamp === 'string' ? { kind: 'valid', tenant, stamp } : { kind: 'valid', tenant };
    } catch (error) {
      return { kind: 'invalid', reason: (error as { code?: string }).code ?? (error as Error).message };
    }
  };
}

/** Reads the key material named by the flags. */
export async function loadTokenVerifierOptions(files: {
  publicKeyFile?: string;
  jwksFile?: string;
}): Promise<Pick<TokenVerifierOptions, 'publicKeyPem' | 'jwks'>> {
  if (files.publicKeyFile) return { publicKeyPem: await readFile(files.publicKeyFile, 'utf8') };
  if (files.jwksFile) return { jwks: JSON.parse(await readFile(files.jwksFile, 'utf8')) as JSONWebKeySet };
  return {};
}
