// The OpenTelemetry collector's configuration: the same text for every stamp of every fleet.
// Stamp-specific resource attributes come from the STAMP_NAME / STAMP_REGION environment variables.
import { stringify } from 'yaml';

export const OTEL_PORTS = { grpc: 4317, http: 4318, prometheus: 8889, health: 13133 } as const;

export const OTEL_BASE_CONFIG = {
  receivers: {
    otlp: {
      protocols: {
        grpc: { endpoint: `0.0.0.0:${OTEL_PORTS.grpc}` },
        http: { endpoint: `0.0.0.0:${OTEL_PORTS.http}` },
      },
    },
  },
  processors: {
    memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
    resource: {
      attributes: [
        { key: 'stampyard.stamp', value: '${env:STAMP_NAME}', action: 'upsert' },
        { key: 'stampyard.region', value: '${env:STAMP_REGION}', action: 'upsert' },
        { key: 'stampyard.zone', value: '${env:STAMP_ZONE}', action: 'upsert' },
      ],
    },
    batch: {},
  },
  exporters: {
    prometheus: { endpoint: `0.0.0.0:${OTEL_PORTS.prometheus}` },
    debug: { verbosity: 'basic' },
  },
  extensions: { health_check: { endpoint: `0.0.0.0:${OTEL_PORTS.health}` } },
  service: {
    extensions: ['health_check'],
    pipelines: {
      metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'resource', 'batch'], exporters: ['prometheus'] },
      traces: { receivers: ['otlp'], processors: ['memory_limiter', 'resource', 'batch'], exporters: ['debug'] },
      logs: { receivers: ['otlp'], processors: ['memory_limiter', 'resource', 'batch'], exporters: ['debug'] },
    },
  },
};

/** The collector config as YAML, built once per process. */
export const OTEL_CONFIG_YAML: string = stringify(OTEL_BASE_CONFIG, { lineWidth: 0 });
