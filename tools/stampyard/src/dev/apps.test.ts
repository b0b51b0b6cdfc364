import { describe, expect, it } from 'vitest';
import { portFromStartupLine } from './apps.ts';

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
