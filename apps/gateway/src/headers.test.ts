import { describe, expect, it } from 'vitest';
import { checkRequestHead, isGatewayOwned, requestHeadersToStamp, responseHeadersFromStamp } from './headers.ts';

const context = { peer: '10.0.0.9', client: '10.0.0.9', peerTrusted: false, proto: 'http', tenant: 'acme', host: 'acme.stamps.example' };

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
    const out = requestHeadersToStamp(
      { connection: 'close, X-Secret', 'x-secret': 's', 'x-keep': 'k', authorization: 'Bearer t' },
      context,
    );
    expect(out['x-secret']).toBeUndefined();
    expect(out['x-keep']).toBe('k');
    expect(out['authorization']).toBe('Bearer t');
  });

  it("replaces everything a client could forge with the gateway's own", () => {
    const forged = {
      host: 'acme.stamps.example',
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      'x-stampyard-tenant': 'globex',
      x_stampyard_tenant: 'globex',
      'x-stampyard-stamp': 'stamp-9',
      'x_stampyard-stamp': 'stamp-9',
      forwarded: 'for=1.2.3.4',
      'x-real-ip': '1.2.3.4',
      x_real_ip: '1.2.3.4',
      x_forwarded_for: '1.2.3.4',
    };
    const out = requestHeadersToStamp(forged, context);
    expect(out).toEqual({
      'x-forwarded-for': '10.0.0.9',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'acme.stamps.example',
      'x-real-ip': '10.0.0.9',
      forwarded: 'for=10.0.0.9;proto=http;host="acme.stamps.example"',
      'x-stampyard-tenant': 'acme',
    });
  });

  it("extends a trusted proxy's X-Forwarded-For and keeps its proto and host", () => {
    const out = requestHeadersToStamp(
      { 'x-forwarded-for': ['1.2.3.4', '10.1.1.1'], 'x-forwarded-proto': 'https', 'x-forwarded-host': 'acme.example.com' },
      { ...context, peer: '10.0.0.2', client: '1.2.3.4', peerTrusted: true },
    );
    expect(out).toMatchObject({
      'x-forwarded-for': '1.2.3.4, 10.1.1.1, 10.0.0.2',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'acme.example.com',
      'x-real-ip': '1.2.3.4',
      forwarded: 'for=1.2.3.4;proto=https;host="acme.example.com"',
    });
  });

  it("a trusted proxy without X-Forwarded-* gets the gateway's own", () => {
    const out = requestHeadersToStamp({}, { ...context, peer: '10.0.0.2', client: '10.0.0.2', peerTrusted: true });
    expect(out).toMatchObject({ 'x-forwarded-for': '10.0.0.2', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'acme.stamps.example' });
  });

  it('drops the named hint, omits the host when told, and quotes IPv6 in Forwarded', () => {
    const { host: _host, ...noHost } = context;
    const out = requestHeadersToStamp({ 'x-tenant-id': 'globex', 'x-other': '1' }, { ...noHost, client: '::1', drop: 'x-tenant-id' });
    expect(out['x-tenant-id']).toBeUndefined();
    expect(out['x-other']).toBe('1');
    expect(out['x-forwarded-host']).toBeUndefined();
    expect(out['forwarded']).toBe('for="[::1]";proto=http');
  });

  it.each([
    { name: 'x-stampyard-anything', owned: true },
    { name: 'x_stampyard_anything', owned: true },
    { name: 'forwarded', owned: true },
    { name: 'x-forwarded-port', owned: true },
    { name: 'x_real_ip', owned: true },
    { name: 'x-stampyardish', owned: false },
    { name: 'x-custom_header', owned: false },
  ])('$name is gateway-owned: $owned', ({ name, owned }) => expect(isGatewayOwned(name)).toBe(owned));
});

describe('responseHeadersFromStamp', () => {
  it('drops hop-by-hop headers and those named in Connection', () => {
    const out = responseHeadersFromStamp({
      connection: 'x-internal',
      'x-internal': '1',
      'transfer-encoding': 'chunked',
      'keep-alive': 'timeout=5',
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(out).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe('checkRequestHead', () => {
  const many = (n: number): string[] => Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v']).flat();
  it.each([
    { name: 'a normal head', raw: ['Host', 'acme.stamps.example:8080', 'Accept', '*/*'], expected: undefined },
    { name: 'no Host in HTTP/1.1', raw: ['Accept', '*/*'], expected: { status: 400, message: 'must carry a Host header' } },
    { name: 'an empty Host (a request without an authority)', raw: ['Host', ''], expected: undefined },
    { name: 'an IPv6 literal with a port', raw: ['host', '[::1]:8080'], expected: undefined },
    { name: 'exactly the limit', raw: ['Host', 'a.stamps.example', ...many(4)], expected: undefined },
    { name: 'one past the limit', raw: ['Host', 'a.stamps.example', ...many(5)], expected: { status: 431, code: 'too-many-headers' } },
    {
      name: 'a repeated Host',
      raw: ['Host', 'a.stamps.example', 'HOST', 'b.stamps.example'],
      expected: { status: 400, message: 'more than one Host' },
    },
    { name: 'a non-numeric port', raw: ['Host', 'a.stamps.example:abc'], expected: { status: 400, message: '"a.stamps.example:abc"' } },
    { name: 'a port past 65535', raw: ['Host', 'a.stamps.example:65536'], expected: { status: 400 } },
    { name: 'an empty port', raw: ['Host', 'a.stamps.example:'], expected: { status: 400 } },
    { name: 'a space in the host', raw: ['Host', 'a b'], expected: { status: 400 } },
    { name: 'userinfo in the host', raw: ['Host', 'x@a.stamps.example'], expected: { status: 400 } },
    { name: 'the highest port', raw: ['Host', 'a.stamps.example:65535'], expected: undefined },
    {
      name: 'headers merely named like host',
      raw: ['Host', 'a.stamps.example', 'Hosts', 'a', 'Hosts', 'b', 'xhos', 'c'],
      expected: undefined,
    },
  ])('$name', ({ raw, expected }) => {
    const refusal = checkRequestHead(raw, 5);
    if (expected === undefined) expect(refusal).toBeUndefined();
    else
      expect(refusal).toMatchObject({
        ...(expected.status ? { status: expected.status } : {}),
        ...(expected.code ? { code: expected.code } : {}),
      });
    if (expected?.message) expect(refusal?.message).toContain(expected.message);
  });

  it('lets an HTTP/1.0 request go without a Host', () => expect(checkRequestHead(['Accept', '*/*'], 5, false)).toBeUndefined());
});
