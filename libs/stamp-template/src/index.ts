export * from './types.ts';
export * from './stamp-chart.ts';
export * from './synthesize.ts';
export * from './gateway.ts';
export * from './zone-telemetry.ts';
export * from './usage-export.ts';
