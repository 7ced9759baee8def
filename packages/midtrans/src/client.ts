/**
 * The one way Lunas calls Midtrans. Every call, whoever starts it (the sweep's checks, the
 * admin "Sync Payment Status" button), passes the same three gates in this order:
 *
 *   1. the fleet-wide circuit (Redis): no call at all while Midtrans is known to be failing;
 *   2. the fleet-wide rate limit (Redis): one slot per 1/rate seconds across every process;
 *   3. the HTTP call itself, bounded by a timeout, its answer validated and classified.
 *
 * Why fetch and not midtrans-client: the official client cannot take a base URL (it needs a
 * monkey-patched getCoreApiBaseUrl), does not URL-encode ids (status('a#b') asks for /v2/a),
 * has no per-call timeout or AbortSignal, reports 404 as a number or a string depending on
 * where Midtrans put it, and ships no types. Get Status is one GET with Basic auth
 * (docs/midtrans.md, "Get Status"); a typed fetch makes each of those explicit and testable.
 *
 * The server key is only ever put in the Authorization header; it is never logged.
 */
import { Agent } from 'undici';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { CallPriority, RateLimiter } from './rate-limiter.js';
import { classifyStatusResponse, type StatusResult } from './status-response.js';

export const MIDTRANS_SANDBOX_BASE_URL = 'https://api.sandbox.midtrans.com';
export const MIDTRANS_PRODUCTION_BASE_URL = 'https://api.midtrans.com';

/** MIDTRANS_API_BASE_URL wins; otherwise production or sandbox by MIDTRANS_IS_PRODUCTION. */
export function resolveMidtransBaseUrl(explicit: string | undefined, isProduction: boolean): string {
  const base = explicit ?? (isProduction ? MIDTRANS_PRODUCTION_BASE_URL : MIDTRANS_SANDBOX_BASE_URL);
  return base.replace(/\/+$/, '');
}

export interface MidtransClientLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface MidtransClientOptions {
  readonly serverKey: string;
  /** Core API base, no trailing slash (see resolveMidtransBaseUrl). */
  readonly baseUrl: string;
  /** Per-call timeout, ms. */
  readonly timeoutMs: number;
  readonly rateLimiter: RateLimiter;
  readonly circuit: CircuitBreaker;
  readonly logger: MidtransClientLogger;
  /**
   * Injected for tests; otherwise undici's request over the client's own keep-alive agent
   * (undici's low-level request costs a fraction of the CPU of a WHATWG fetch per call).
   */
  readonly fetch?: typeof fetch;
  /**
   * Most connections the client keeps open to Midtrans (default 64). Concurrent calls share
   * them; idle ones stay open for the next call instead of a new TCP and TLS handshake each.
   */
  readonly connections?: number;
}

export interface MidtransClient {
  /**
   * GET /v2/{id}/status, where id is a transaction_id or an order_id. `priority` 'confirm'
   * (default) is served ahead of 'background' (sweep) calls by the fleet-wide rate limit.
   */
  getStatus(id: string, options?: { signal?: AbortSignal; priority?: CallPriority }): Promise<StatusResult>;
  /** Closes the client's connections (at shutdown). */
  close?(): Promise<void>;
}

export function createMidtransClient(options: MidtransClientOptions): MidtransClient {
  // One keep-alive agent per client (one client per process): every Get Status of the process,
  // however many run at once, goes through its pool of connections.
  const agent = options.fetch
    ? null
    : new Agent({
        connections: options.connections ?? 64,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
      });
  const get = options.fetch ? viaFetch(options.fetch) : viaAgent(agent!);
  const authorization = `Basic ${Buffer.from(`${options.serverKey}:`).toString('base64')}`;
  const { logger, circuit } = options;

  return {
    async close() {
      await agent?.close();
    },
    async getStatus(id, callOptions = {}) {
      // 1. Circuit.
      const permit = await circuit.allow();
      if (!permit.allowed) {
        return { kind: 'circuit_open', retryInMs: permit.retryInMs };
      }
      // 2. Rate limit. Waiting longer than the call timeout means the fleet is far behind; the
      // caller backs off instead of holding a job slot.
      const waited = await options.rateLimiter.acquire(callOptions.signal, callOptions.priority);
      if (waited === null) {
        // A background check steps aside briefly (confirmations hold the schedule); a
        // confirmation that cannot get a slot within the call timeout means the fleet is far
        // behind, and backs off longer.
        return {
          kind: 'retryable',
          reason: 'local_rate_limit',
          httpStatus: null,
          message: 'rate limit slot too far away',
          retryAfterMs: callOptions.priority === 'background' ? 250 : 1_000,
        };
      }
      // 3. Call.
      const result = await call(id, callOptions.signal);
      if (result.kind === 'retryable') {
        await circuit.onFailure(permit.probe, { reason: result.reason, httpStatus: result.httpStatus });
      } else {
        // Any answer Midtrans meant (even 401/404) shows the API is up.
        await circuit.onSuccess(permit);
      }
      if (result.kind === 'unauthorized') {
        // Alert level: every call will fail the same way until someone fixes the key.
        logger.error(
          { alert: true, midtransId: id, status: 401 },
          'Midtrans rejected the server key (401): check MIDTRANS_SERVER_KEY and MIDTRANS_IS_PRODUCTION',
        );
      } else if (result.kind === 'retryable') {
        logger.warn(
          { midtransId: id, reason: result.reason, httpStatus: result.httpStatus },
          'Midtrans Get Status failed; will retry',
        );
      } else {
        logger.debug({ midtransId: id, kind: result.kind }, 'Midtrans Get Status answered');
      }
      return result;
    },
  };

  async function call(id: string, signal: AbortSignal | undefined): Promise<StatusResult> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const url = `${options.baseUrl}/v2/${encodeURIComponent(id)}/status`;
    let response: HttpAnswer;
    try {
      response = await get(
        url,
        { authorization, accept: 'application/json', 'content-type': 'application/json' },
        signal ? AbortSignal.any([signal, timeout]) : timeout,
      );
    } catch (error) {
      if (signal?.aborted) {
        throw error; // the caller is shutting down: not Midtrans's failure
      }
      const timedOut = timeout.aborted;
      return {
        kind: 'retryable',
        reason: timedOut ? 'timeout' : 'network',
        httpStatus: null,
        message: timedOut ? `no answer within ${options.timeoutMs} ms` : errorMessage(error),
      };
    }
    const { text } = response;
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const result = classifyStatusResponse(response.status, body, options.serverKey);
    if (result.kind === 'retryable' && result.reason === 'rate_limited') {
      const retryAfterMs = parseRetryAfter(response.retryAfter);
      return retryAfterMs === null ? result : { ...result, retryAfterMs };
    }
    return result;
  }
}

/** What a GET answered: its status, its body as text, its Retry-After header. */
interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  readonly retryAfter: string | null;
}

type HttpGet = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<HttpAnswer>;

function viaAgent(agent: Agent): HttpGet {
  return async (url, headers, signal) => {
    const target = new URL(url);
    const answer = await agent.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      headers,
      signal,
    });
    const retryAfter = answer.headers['retry-after'];
    return {
      status: answer.statusCode,
      text: await answer.body.text(),
      retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
    };
  };
}

function viaFetch(doFetch: typeof fetch): HttpGet {
  return async (url, headers, signal) => {
    const response = await doFetch(url, { method: 'GET', headers, signal });
    return {
      status: response.status,
      text: await response.text(),
      retryAfter: response.headers.get('retry-after'),
    };
  };
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) {
    return null;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds * 1000, 300_000);
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - Date.now()), 300_000);
}

function errorMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}
