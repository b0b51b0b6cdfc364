import { describe, expect, it } from 'vitest';
import { portFromStartupLine } from './apps.ts';
import { parsePromoteOutput } from './rollout-driver.ts';

describe('portFromStartupLine', () => {
  it.each([
    { line: '{"msg":"listening","stamp":"stamp-eu-1","version":"1.4.0","host":"127.0.0.1","port":40123,"url":"http://127.0.0.1:40123"}', port: 40123 },
    { line: '{"level":30,"msg":"listening","url":"http://127.0.0.1:5123"}', port: 5123 },
    { line: '{"level":60,"port":8080,"msg":"cannot start"}', port: undefined },
    { line: 'gateway listening on http://127.0.0.1:8081', port: 8081 },
    { line: '{"level":30,"msg":"proxying to http://127.0.0.1:4000"}', port: undefined },
    { line: 'starting', port: undefined },
    { line: '{"msg":"listening","port":0}', port: undefined },
  ])('$line → $port', ({ line, port }) => {
    expect(portFromStartupLine(line)).toBe(port);
  });
});

describe('parsePromoteOutput', () => {
  it('reads a promotion plan, top level or nested', () => {
    const plan = { action: 'promoted', wave: 0, stamps: ['stamp-eu-1'], reason: 'wave 0: stamp-eu-1 set to 1.5.0' };
    expect(parsePromoteOutput(JSON.stringify(plan))).toEqual(plan);
    expect(parsePromoteOutput(JSON.stringify({ plan: { ...plan, until: '2026-01-01T00:00:00.000Z' } }))?.until).toBe('2026-01-01T00:00:00.000Z');
  });

  it('gives undefined for output without an action', () => {
    expect(parsePromoteOutput('not json')).toBeUndefined();
    expect(parsePromoteOutput('{"ok":true}')).toBeUndefined();
  });
});
