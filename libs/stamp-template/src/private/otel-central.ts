// The collector config of a stamp whose zone has a central collector: the local config plus an OTLP
// exporter to the zone's endpoint in every pipeline. The endpoint comes from an environment variable,
// so the text is the same for every zone.
import { stringify } from 'yaml';
import { OTEL_BASE_CONFIG } from './otel.ts';

/** The environment variable holding the zone's central OTLP endpoint. */
export const CENTRAL_ENDPOINT_ENV = 'STAMPYARD_TELEMETRY_ENDPOINT';

const central = {
  endpoint: `\${env:${CENTRAL_ENDPOINT_ENV}}`,
  // Queue and retry so a short outage of the central collector loses nothing.
  sending_queue: { enabled: true, queue_size: 5000 },
  retry_on_failure: { enabled: true, max_elapsed_time: '10m' },
};

const pipelines = Object.fromEntries(
  Object.entries(OTEL_BASE_CONFIG.service.pipelines).map(([signal, pipeline]) => [
    signal,
    { ...pipeline, exporters: [...pipeline.exporters, 'otlp/central'] },
  ]),
);

/** The collector config with central export, as YAML, built once per process. */
export const OTEL_CENTRAL_CONFIG_YAML: string = stringify(
  {
    ...OTEL_BASE_CONFIG,
    exporters: { ...OTEL_BASE_CONFIG.exporters, 'otlp/central': central },
    service: { ...OTEL_BASE_CONFIG.service, pipelines },
  },
  { lineWidth: 0 },
);
