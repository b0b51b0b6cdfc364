export { createStampApp, requestedDelayMs, MAX_REQUEST_DELAY_MS, type StampAppAnswer } from './server.ts';
export { parseStampAppConfig, STAMP_APP_USAGE, type StampAppConfig, type ConfigResult } from './config.ts';
export { main, type StampAppIo } from './main.ts';
export { createUsageCounters, handleUsageRequest, usageAdminHandler, RETAINED_PERIODS, type UsageCounters, type UsageSnapshot, type UsagePeriod, type TenantUsage } from './usage.ts';
