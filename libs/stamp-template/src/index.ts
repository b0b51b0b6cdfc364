export * from './types.ts';
export * from './stamp-chart.ts';
export * from './synthesize.ts';
export * from './gateway.ts';
export * from './gateway-configmaps.ts';
