export { createStampApp, requestedDelayMs, MAX_REQUEST_DELAY_MS, EPOCH_HEADER, type StampAppAnswer, type StampTenancy } from './server.ts';
export { parseStampAppConfig, STAMP_APP_USAGE, type StampAppConfig, type ConfigResult } from './config.ts';
export { main, type StampAppIo } from './main.ts';
export {
  decideAdmission,
  parseTenantList,
  TenantListFile,
  FENCE_RETRY_AFTER_SECONDS,
  SAFE_METHODS,
  type Admission,
  type TenantList,
  type TenantListEntry,
} from './tenancy.ts';
export { WriteLog, migrationAdminHandler, MAX_WRITES_PER_TENANT, type WriteRecord, type TenantExport } from './write-log.ts';
export {
  createUsageCounters,
  handleUsageRequest,
  usageAdminHandler,
  RETAINED_PERIODS,
  type UsageCounters,
  type UsageSnapshot,
  type UsagePeriod,
  type TenantUsage,
} from './usage.ts';
