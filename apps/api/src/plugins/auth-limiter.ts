/**
 * The limit on admin sign-in failures (@fastify/rate-limit's limiters, Redis store on the API's
 * producer connection, so every API process shares the counts). It governs both ways in: the
 * login form and the Bearer token. The rules:
 *
 * - Only failures count (a wrong token, at the form or in an Authorization header); a script
 *   that sends the right token all day is never slowed down.
 * - Per client: IPv4 on its address, IPv6 on its /64 (one subscriber usually holds a whole /64,
 *   so 2001:db8::1 and 2001:db8::2 share one budget). A client with `perClient` failures in the
 *   current minute is refused (429) until that minute ends, **even with the right token**:
 *   otherwise the 429 would be an oracle that still tells right from wrong.
 * - Globally: after `global` failures in a minute from all clients together (an attack spread
 *   over many addresses), every further failure is answered 429 too, but a right token from a
 *   client within its own budget still passes. A spread attack cannot lock the admins out, and
 *   it gets at most `perClient` guesses per address and minute, never more.
 * - Redis unavailable: refuse (503), never let an attempt through unchecked.
 * - The budget check and the count are two Redis round trips: a client's attempts in flight at
 *   the same moment can overshoot its budget by their number. With tokens of ≥ 100 bits
 *   (config.ts) that does not make guessing practical; the limit bounds noise and cost.
 *
 * Behind a proxy set TRUST_PROXY_HOPS, or every client is the proxy's address and shares one
 * budget: failures through the proxy would then lock out everyone behind it for the rest of
 * that minute. Requests that carry X-Forwarded-For while TRUST_PROXY_HOPS is 0 log a warning.
 */
import type { Redis } from '@lunas/runtime';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const AUTH_WINDOW_SECONDS = 60;

export type AuthVerdict = 'ok' | 'failed' | 'limited' | 'unavailable';

export interface AuthLimiterOptions {
  readonly redis: Redis;
  readonly perClient: number;
  readonly global: number;
  readonly trustProxyHops: number;
}

/** The client a budget belongs to: an IPv4 address, or an IPv6 /64 (IPv4-mapped IPv6 → IPv4). */
export function clientKey(ip: string): string {
  return `client:${normalizeIP(ip, 64)}`;
}

export interface AuthLimiter {
  /**
   * Decides one sign-in attempt: `correct` says whether the presented token was right. Counts
   * the attempt when it failed; 'limited' means answer 429 whatever the token was.
   */
  attempt(request: FastifyRequest, correct: boolean): Promise<AuthVerdict>;
}

export function createAuthLimiter(app: FastifyInstance, options: AuthLimiterOptions): AuthLimiter {
  const timeWindow = AUTH_WINDOW_SECONDS * 1000;
  const perClient = app.createRateLimit({
    max: options.perClient,
    timeWindow,
    keyGenerator: (request) => clientKey(request.ip),
  });
  const global = app.createRateLimit({ max: options.global, timeWindow, keyGenerator: () => 'all' });
  let lastProxyWarning = 0;
  return {
    async attempt(request, correct) {
      if (
        options.trustProxyHops === 0 &&
        request.headers['x-forwarded-for'] !== undefined &&
        Date.now() - lastProxyWarning > 60_000
      ) {
        lastProxyWarning = Date.now();
        request.log.warn(
          'admin sign-in through a proxy while TRUST_PROXY_HOPS=0: every client shares the proxy address and one failure budget; set TRUST_PROXY_HOPS',
        );
      }
      try {
        await whenReady(options.redis, 2_000);
        const client = await perClient(request, { increment: false });
        if (!client.isAllowed && client.remaining === 0) {
          return 'limited';
        }
        if (correct) {
          return 'ok';
        }
        // The look and the count are two Redis steps, so attempts in flight at once from one
        // client can each pass the look; the count itself is atomic, and whoever it puts over
        // a budget is answered 429 (their token was wrong anyway).
        const counts = await Promise.all([perClient(request), global(request)]);
        return counts.some((count) => !count.isAllowed && count.isExceeded) ? 'limited' : 'failed';
      } catch (error) {
        request.log.warn({ err: error }, 'admin sign-in limiter unavailable; refusing');
        return 'unavailable';
      }
    },
  };
}

/** The producer connection refuses commands until ready (no offline queue): wait briefly. */
function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error('redis not ready'));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
