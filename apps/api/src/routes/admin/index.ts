/**
 * The one /admin context (Fastify encapsulation): everything under /admin and nothing else.
 *
 *   /admin context      shared resources (decorators), security headers, cookies (signed),
 *   │                   form bodies, the sign-in limiter, CSRF, its own 404 and error handler
 *   ├── public          GET/POST /admin/login and the login page's assets
 *   └── authenticated   one admin hook (Bearer token or console session, then CSRF) in front
 *                       of the JSON API, the console, its event stream, the audit log and
 *                       Bull Board (read-only)
 *
 * Reads go to Postgres directly; the state changes (manual sync, dead-letter retry) are jobs,
 * and the retries are written to the audit log.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { catalogErrorHandler, sendError } from '../../errors.js';
import { adminAuth } from '../../plugins/admin-auth.js';
import { deriveKey, SessionStore } from '../../plugins/admin-session.js';
import { createAuthLimiter } from '../../plugins/auth-limiter.js';
import { bullBoard } from '../../plugins/bull-board.js';
import { securityHeaders } from '../../plugins/security-headers.js';
import { auditRoute } from './audit.js';
import { consoleRoutes } from './console.js';
import { deadLettersRoute } from './dead-letters.js';
import { eventDeliveriesRoute } from './event-deliveries.js';
import { eventsRoute } from './events.js';
import { loginRoutes } from './login.js';
import { mismatchesRoute } from './mismatches.js';
import { adminResources, type AdminResources } from './resources.js';
import { stuckPaymentsRoute } from './stuck-payments.js';
import { replayRoute, type ReplayRouteOptions } from './replay.js';
import { syncPaymentRoute } from './sync-payment.js';
import { timelineRoute } from './timeline.js';

export interface AdminContextOptions {
  readonly token: string;
  readonly resources: AdminResources;
  readonly manualSyncWaitMs: number;
  readonly heartbeatMs: number;
  readonly stuckAfterMinutes: number;
  readonly sessionTtlSeconds: number;
  /** Failed sign-ins per client (IPv4 address, IPv6 /64) per minute. */
  readonly failuresPerClientPerMinute: number;
  /** Failed sign-ins per minute from all clients together. */
  readonly failuresGlobalPerMinute: number;
  readonly trustProxyHops: number;
  /** POST /admin/replay (replay.ts): the API's Midtrans client for the dry run, and the wait. */
  readonly replay: ReplayRouteOptions;
}

export const adminContext: FastifyPluginAsync<AdminContextOptions> = async (app, options) => {
  await app.register(adminResources, options.resources);
  await app.register(securityHeaders);
  await app.register(fastifyCookie, { secret: deriveKey(options.token, 'cookie') });
  await app.register(fastifyFormbody, { bodyLimit: 4_096 });
  // Limiters only where admin-auth / login call them (createRateLimit), never on every route.
  await app.register(fastifyRateLimit, {
    global: false,
    redis: options.resources.redis,
    nameSpace: `${options.resources.queuePrefix}:ops:rate-limit:`,
  });
  // The CSRF secret lives in the server-side session record (request.session._csrf), which is
  // how the plugin reads it in its session mode; the token is bound to that one session.
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/session',
    sessionKey: '_csrf',
    // HMAC-SHA-224 and a 4-character salt: a 43-character token, [A-Za-z0-9_-] only.
    csrfOpts: { hmacKey: deriveKey(options.token, 'csrf'), algorithm: 'sha224', saltLength: 4 },
  });
  app.decorateRequest('session', null);

  const sessions = new SessionStore(
    options.resources.redis,
    options.resources.queuePrefix,
    options.sessionTtlSeconds,
  );
  const limiter = createAuthLimiter(app, {
    redis: options.resources.redis,
    perClient: options.failuresPerClientPerMinute,
    global: options.failuresGlobalPerMinute,
    trustProxyHops: options.trustProxyHops,
  });

  const unexpected = catalogErrorHandler('LUNAS_ERR_INTERNAL');
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (typeof error.code === 'string' && error.code.startsWith('FST_CSRF_')) {
      request.log.warn(
        { url: request.url.split('?')[0] },
        'admin session request without a valid CSRF token',
      );
      return sendError(reply, request, 'LUNAS_ERR_CSRF');
    }
    return unexpected(error, request, reply);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      'LUNAS_ERR_NOT_FOUND',
      `No route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    ),
  );

  await app.register(loginRoutes, { token: options.token, sessions, limiter });

  await app.register(async (secured) => {
    await secured.register(adminAuth, { token: options.token, sessions, limiter });
    await secured.register(syncPaymentRoute, { waitMs: options.manualSyncWaitMs });
    await secured.register(replayRoute, options.replay);
    await secured.register(stuckPaymentsRoute);
    await secured.register(mismatchesRoute);
    await secured.register(timelineRoute);
    await secured.register(deadLettersRoute);
    await secured.register(eventDeliveriesRoute);
    await secured.register(auditRoute);
    await secured.register(consoleRoutes, { sessions, stuckAfterMinutes: options.stuckAfterMinutes });
    await secured.register(eventsRoute, { heartbeatMs: options.heartbeatMs });
    await secured.register(bullBoard, { queues: options.resources.queues });
  });
};
