// Stamp synthesis: one fresh cdk8s App per stamp (one App for many charts is quadratic).
import { App } from 'cdk8s';
import type { FleetSpec, Stamp } from '@stampyard/stamp-spec';
import { StampChart, type StampChartProps } from './stamp-chart.ts';
import { objectsOf, validateChart } from './private/clean.ts';
import type { StampManifests } from './types.ts';

/** Renders one stamp to plain Kubernetes objects per layer. Pure: same input, same output. */
export function synthesizeStamp(fleet: FleetSpec, stamp: Stamp, props: Partial<StampChartProps> = {}): StampManifests {
  const app = new App();
  const chart = new StampChart(app, stamp.metadata.name, { ...props, fleet, stamp });
  validateChart(chart);
  return {
    platform: objectsOf(chart.layers.platform),
    data: objectsOf(chart.layers.data),
    apps: objectsOf(chart.layers.apps),
  };
}
