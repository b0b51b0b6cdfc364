// The usage table: one definition of its columns, used by the export, the views, compaction and the README.

/** One column of a usage Parquet file. */
export interface UsageColumn {
  /** Column name in the Parquet file and in the `usage` view. */
  readonly name: string;
  /** Its DuckDB (and Parquet logical) type. */
  readonly type: 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'TIMESTAMPTZ';
  /** What it holds, as the README documents it. */
  readonly description: string;
}

/** The columns of every usage file, in file order. */
export const USAGE_COLUMNS: readonly UsageColumn[] = [
  { name: 'zone', type: 'VARCHAR', description: 'residency zone of the stamp (also the `zone=` folder)' },
  { name: 'stamp', type: 'VARCHAR', description: 'stamp that served the requests (also the `stamp=` folder)' },
  { name: 'tenant', type: 'VARCHAR', description: 'tenant id, as the gateway identified it' },
  { name: 'version', type: 'VARCHAR', description: 'release version the stamp ran when the period was exported' },
  { name: 'period_start', type: 'TIMESTAMPTZ', description: 'start of the period, inclusive (UTC)' },
  { name: 'period_end', type: 'TIMESTAMPTZ', description: 'end of the period, exclusive (UTC)' },
  { name: 'requests', type: 'BIGINT', description: 'requests the tenant made in the period' },
  { name: 'errors', type: 'BIGINT', description: 'of those, answers with a 5xx status' },
  { name: 'latency_sum_ms', type: 'DOUBLE', description: 'sum of the answers’ latencies, in milliseconds' },
  { name: 'latency_count', type: 'BIGINT', description: 'answers whose latency is in the sum (mean = latency_sum_ms / latency_count)' },
  { name: 'storage_bytes', type: 'BIGINT', description: 'bytes the tenant stores on the stamp at the end of the period' },
];

/** `zone, stamp, …`: the column list for SELECTs, in file order. */
export const USAGE_COLUMN_LIST = USAGE_COLUMNS.map((c) => c.name).join(', ');

/** One row of the usage table. */
export interface UsageRow {
  readonly zone: string;
  readonly stamp: string;
  readonly tenant: string;
  readonly version: string;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly requests: number;
  readonly errors: number;
  readonly latencySumMs: number;
  readonly latencyCount: number;
  readonly storageBytes: number;
}
