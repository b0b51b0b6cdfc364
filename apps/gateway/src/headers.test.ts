import { describe, expect, it } from 'vitest';
import { requestHeadersToStamp, responseHeadersFromStamp } from './headers.ts';

const context = { clientIp: '10.0.0.9', proto: 'http', tenant: 'acme' };

describe('requestHeadersToStamp', () => {
  it.each([
    { name: 'connection', header: 'connection', value: 'keep-alive' },
    { name: 'keep-alive', header: 'keep-alive', value: 'timeout=5' },
    { name: 'proxy-authorization', header: 'proxy-authorization', value: 'Basic x' },
    { name: 'proxy-anything', header: 'proxy-foo', value: '1' },
    { name: 'te', header: 'te', value: 'trailers' },
    { name: 'trailer', header: 'trailer', value: 'x-sum' },
    { name: 'transfer-encoding', header: 'transfer-encoding', value: 'chunked' },
    { name: 'upgrade', header: 'upgrade', value: 'websocket' },
    { name: 'host (the upstream client sets it)', header: 'host', value: 'acme.stamps.example' },
    { name: 'expect (the gateway already answered it)', header: 'expect', value: '100-continue' },
  ])('drops $name', ({ header, value }) => {
    expect(requestHeadersToStamp({ [header]: value }, context)[header]).toBeUndefined();
  });

  it('drops headers named in Connection and keeps the rest', () => {
    const out = requestHeadersToStamp({ connection: 'close, X-Secret', 'x-secret': 's', 'x-keep': 'k', authorization: 'Bearer t' }, context);
    expect(out['x-secret']).toBeUndefined();
    expect(out['x-keep']).toBe('k');
    expect(out['authorization']).toBe('Bearer t');
  });

  it('sets X-Forwarded-* and the tenant, overriding a forged tenant header', () => {
    const out = requestHeadersToStamp({ host: 'acme.stamps.example', 'x-forwarded-for': '1.2.3.4', 'x-stampyard-tenant': 'globex' }, context);
    expect(out).toMatchObject({ 'x-forwarded-for': '1.2.3.4, 10.0.0.9', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'acme.stamps.example', 'x-stampyard-tenant': 'acme' });
  });
});

describe('responseHeadersFromStamp', () => {
  it('drops hop-by-hop headers and those named in Connection', () => {
    const out = responseHeadersFromStamp({ connection: 'x-internal', 'x-internal': '1', 'transfer-encoding': 'chunked', 'keep-alive': 'timeout=5', 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
    expect(out).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
  });
});
