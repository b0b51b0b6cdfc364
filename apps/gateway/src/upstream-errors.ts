// What a failed exchange with a stamp means: the client's answer, and what it says about the
// stamp (for its breaker) and about the tenant (for its back-off). Pure.

/** What an admitted request's end tells the breaker and the back-off. */
export type Verdict =
  /** The stamp answered (even if badly): healthy as far as the breaker is concerned. */
  | 'success'
  /** No connection at all: stamp-level, never the tenant's doing. */
  | 'connect-failure'
  /** Connected, then no answer in time, or the connection broke: may be one path's fault. */
  | 'failure'
  /** The client left or was cut off: no verdict on the stamp. */
  | 'abandoned';

export interface UpstreamFailure {
  readonly status: 502 | 504;
  readonly code: 'stamp-unreachable' | 'stamp-timeout' | 'stamp-bad-response';
  readonly verdict: Verdict;
  /** Set for answers the stamp sent but the gateway can't pass on; logged at warn and counted. */
  readonly anomaly?: string;
  readonly message: string;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const ANOMALY_CODES: Readonly<Record<string, string>> = {
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'content-length-mismatch',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'too-large',
  ERR_INVALID_CHAR: 'invalid-header',
  ERR_INVALID_HTTP_TOKEN: 'invalid-header',
  ERR_HTTP_INVALID_HEADER_VALUE: 'invalid-header',
  ERR_HTTP_INVALID_STATUS_CODE: 'invalid-status',
};

/** Classifies an undici (or Node, for a response head it refused) error. */
export function classifyUpstreamError(error: { readonly code?: string; readonly message?: string }, stamp: string): UpstreamFailure {
  const code = error.code ?? 'UNKNOWN';
  const message = error.message ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return {
      status: 504,
      code: 'stamp-timeout',
      verdict: 'connect-failure',
      message: `stamp ${stamp} did not accept a connection in time (${code})`,
    };
  if (CONNECT_CODES.has(code))
    return { status: 502, code: 'stamp-unreachable', verdict: 'connect-failure', message: `stamp ${stamp} is unreachable (${code})` };
  if (TIMEOUT_CODES.has(code))
    return { status: 504, code: 'stamp-timeout', verdict: 'failure', message: `stamp ${stamp} did not answer in time (${code})` };
  // undici destroys the connection on a 100 Continue it didn't ask for ('bad response'), and on a 101 it didn't ask for.
  const anomaly =
    ANOMALY_CODES[code] ??
    (code.startsWith('HPE_')
      ? 'malformed-response'
      : message === 'bad response'
        ? 'unsolicited-100-continue'
        : message === 'bad upgrade'
          ? 'unsolicited-upgrade'
          : undefined);
  if (anomaly !== undefined) {
    return {
      status: 502,
      code: 'stamp-bad-response',
      verdict: 'success',
      anomaly,
      message: `stamp ${stamp} sent an answer that can't be passed on (${anomaly})`,
    };
  }
  return { status: 502, code: 'stamp-unreachable', verdict: 'failure', message: `stamp ${stamp} broke the connection (${code})` };
}
