/**
 * The guard of the authenticated /admin context: a Bearer token (scripts) or a console session
 * cookie (browsers, admin-session.ts). Registered once, with fastify-plugin, inside that
 * encapsulated context, so the hook covers every admin route and nothing outside it.
 *
 * The token comparison is constant-time over SHA-256 digests: equal lengths whatever the
 * caller sends, so neither the token's content nor its length leaks through timing. Wrong
 * tokens are counted by the sign-in limiter (auth-limiter.ts); over the limit even the right
 * token is refused until the minute ends. State-changing session requests need the CSRF token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from '../errors.js';
import { redirectToLogin, sessionIdOf, wantsHtml, type SessionStore } from './admin-session.js';
import { AUTH_WINDOW_SECONDS, type AuthLimiter, type AuthVerdict } from './auth-limiter.js';

export interface AdminAuthOptions {
  readonly token: string;
  readonly sessions: SessionStore;
  readonly limiter: AuthLimiter;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is acting, for the audit log: 'bearer' or 'session:<id>'; never the token. */
    adminActor: string | null;
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  // Compare even when the header is malformed, so that case takes the same time.
  const presented = digest(match?.[1] ?? '');
  return timingSafeEqual(presented, digest(token)) && match !== null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Answers a refused sign-in attempt (limited or limiter unavailable); null when not refused. */
export function refuseAttempt(
  verdict: AuthVerdict,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | null {
  if (verdict === 'limited') {
    request.log.warn({ ip: request.ip }, 'admin sign-in rate limit hit');
    void reply.header('retry-after', String(AUTH_WINDOW_SECONDS));
    return sendError(reply, request, 'LUNAS_ERR_RATE_LIMITED');
  }
  if (verdict === 'unavailable') {
    return sendError(
      reply,
      request,
      'LUNAS_ERR_QUEUE_UNAVAILABLE',
      'Admin sign-in is unavailable; retry later',
    );
  }
  return null;
}

const adminAuthPlugin: FastifyPluginCallback<AdminAuthOptions> = (app, options, done) => {
  app.decorateRequest('adminActor', null);

  app.addHook('onRequest', async (request, reply) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const correct = isAuthorized(authorization, options.token);
      const verdict = await options.limiter.attempt(request, correct);
      const refused = refuseAttempt(verdict, request, reply);
      if (refused) {
        return refused;
      }
      if (verdict === 'ok') {
        request.adminActor = 'bearer';
        return;
      }
      request.log.warn({ url: request.url.split('?')[0] }, 'admin request with a wrong token');
      return sendError(
        reply,
        request,
        'LUNAS_ERR_UNAUTHORIZED',
        'A valid Authorization: Bearer <ADMIN_TOKEN> header is required',
      );
    }
    // Browsers authenticate with the session cookie from /admin/login.
    const id = sessionIdOf(request);
    let session = null;
    if (id) {
      try {
        session = await options.sessions.get(id);
      } catch (error) {
        request.log.warn({ err: error }, 'admin session store unavailable');
        return sendError(
          reply,
          request,
          'LUNAS_ERR_QUEUE_UNAVAILABLE',
          'Admin sessions are unavailable; retry later',
        );
      }
    }
    if (session) {
      request.session = session;
      request.adminActor = `session:${session.id}`;
      return;
    }
    if (wantsHtml(request)) {
      return redirectToLogin(request, reply);
    }
    request.log.warn({ url: request.url.split('?')[0] }, 'admin request without a valid token');
    return sendError(
      reply,
      request,
      'LUNAS_ERR_UNAUTHORIZED',
      'A valid Authorization: Bearer <ADMIN_TOKEN> header is required',
    );
  });

  // CSRF (@fastify/csrf-protection, registered on the /admin context): state-changing requests
  // that rely on the session cookie must prove the console sent them. A failure reaches the
  // /admin error handler, which answers 403 LUNAS_ERR_CSRF.
  app.addHook('onRequest', (request, reply, next) => {
    if (request.session === null || SAFE_METHODS.has(request.method)) {
      next();
      return;
    }
    app.csrfProtection(request, reply, next);
  });
  done();
};

export const adminAuth = fp(adminAuthPlugin, {
  name: 'lunas-admin-auth',
  dependencies: ['@fastify/cookie', '@fastify/csrf-protection'],
});
