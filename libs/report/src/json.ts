// The report as JSON: the fleet view itself, keys sorted, for tools to read.
import { sortKeys } from '@stampyard/routing';
import type { FleetView } from './model.ts';

export const REPORT_JSON_SCHEMA_VERSION = 1;

export function renderJson(view: FleetView): string {
  return `${JSON.stringify(sortKeys({ schemaVersion: REPORT_JSON_SCHEMA_VERSION, ...view }), null, 2)}\n`;
}
