export { Gateway, OWN_PREFIX, type GatewayDeps } from './gateway.ts';
export {
  parseGatewayConfig,
  parseUpstreams,
  gatewayHelp,
  GATEWAY_FLAGS,
  GATEWAY_EXIT_CODES,
  type GatewayConfig,
  type GatewayConfigResult,
} from './config.ts';
export {
  resolveIdentity,
  tenantFromHost,
  parseIdentifyOrder,
  IDENTIFY_SOURCES,
  NO_TOKEN,
  type Identity,
  type IdentifySource,
  type RequestClues,
  type TokenOutcome,
} from './identify.ts';
export { compileTable, decideRoute, type CompiledTable, type CompiledStamp, type RouteDecision } from './route.ts';
export { breakerAdmit, breakerRecord, breakerGaugeValue, CLOSED, type BreakerState, type BreakerPolicy } from './breaker.ts';
export {
  requestHeadersToStamp,
  responseHeadersFromStamp,
  HOP_BY_HOP,
  TENANT_HEADER_TO_STAMP,
  STAMP_HEADER,
  REVISION_HEADER,
  type ForwardContext,
} from './headers.ts';
export { createTokenVerifier, loadTokenVerifierOptions, type TokenVerifier, type TokenVerifierOptions } from './token.ts';
export { TableStore, type TableStoreOptions, type ReloadResult } from './table-store.ts';
export { createMetrics, type GatewayMetrics } from './metrics.ts';
export { main } from './main.ts';
export { decideAfterMisdirected, epochOf, EPOCH_HEADER, MISDIRECTED_RETRY_AFTER_SECONDS, type MisdirectedDecision } from './misdirected.ts';
