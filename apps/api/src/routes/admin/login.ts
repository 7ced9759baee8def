/**
 * The public part of /admin: the login page and its form, outside the authenticated context.
 *
 *   GET  /admin/login            the form (and its stylesheet and script)
 *   POST /admin/login            token=… (form, @fastify/formbody; or JSON) → session cookie, 303 to `next`
 *
 * Attempts go through the sign-in limiter (plugins/auth-limiter.ts): failures count per client
 * (IPv4 address, IPv6 /64) and globally; a client over its budget gets 429 with Retry-After,
 * whether or not the token is right, so the limit cannot be used as an oracle. Redis down: 503
 * (fail closed). A `next` that is not a printable-ASCII path is a 400 in the catalog's shape.
 */
import type { FastifyPluginCallback } from 'fastify';
import { sendError } from '../../errors.js';
import { isAuthorized } from '../../plugins/admin-auth.js';
import { parseNext, setSessionCookie, type SessionStore } from '../../plugins/admin-session.js';
import { AUTH_WINDOW_SECONDS, type AuthLimiter } from '../../plugins/auth-limiter.js';
import { loadConsoleFile } from './static-files.js';

export interface LoginRouteOptions {
  readonly token: string;
  readonly sessions: SessionStore;
  readonly limiter: AuthLimiter;
}

export const loginRoutes: FastifyPluginCallback<LoginRouteOptions> = (app, options, done) => {
  const page = loadConsoleFile('login.html');
  const css = loadConsoleFile('console.css');
  const script = loadConsoleFile('login.js');

  app.get(
    '/login',
    { schema: { summary: 'The sign-in page (HTML)', tags: ['admin'], produces: ['text/html'] } },
    (_request, reply) => reply.type(page.type).header('cache-control', 'no-store').send(page.body),
  );
  app.get('/login.css', { schema: { hide: true } }, (_request, reply) => reply.type(css.type).send(css.body));
  app.get('/login.js', { schema: { hide: true } }, (_request, reply) =>
    reply.type(script.type).send(script.body),
  );

  app.post(
    '/login',
    {
      bodyLimit: 4_096,
      schema: {
        summary: 'Sign in with ADMIN_TOKEN (form): sets the console session cookie',
        tags: ['admin'],
        consumes: ['application/x-www-form-urlencoded'],
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { token?: unknown; next?: unknown };
      const next = parseNext(body.next);
      if (next === null) {
        return sendError(
          reply,
          request,
          'LUNAS_ERR_BAD_REQUEST',
          'next must be a same-origin path such as /admin',
        );
      }
      const html = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const token = typeof body.token === 'string' ? body.token : '';
      const verdict = await options.limiter.attempt(request, isAuthorized(`Bearer ${token}`, options.token));
      if (verdict === 'unavailable') {
        return sendError(reply, request, 'LUNAS_ERR_QUEUE_UNAVAILABLE', 'Login is unavailable; retry later');
      }
      if (verdict === 'limited') {
        request.log.warn({ ip: request.ip }, 'admin login rate limit hit');
        reply.header('retry-after', String(AUTH_WINDOW_SECONDS));
        return html
          ? reply
              .code(429)
              .type('text/html; charset=utf-8')
              .send(
                '<!doctype html><title>Lunas</title><p>Too many login attempts. Wait a minute, then <a href="/admin/login">try again</a>.</p>',
              )
          : sendError(reply, request, 'LUNAS_ERR_RATE_LIMITED');
      }
      if (verdict === 'failed') {
        request.log.warn({ ip: request.ip }, 'admin login with a wrong token');
        return html
          ? reply.redirect(`/admin/login?error=invalid&next=${encodeURIComponent(next)}`, 303)
          : sendError(reply, request, 'LUNAS_ERR_UNAUTHORIZED', 'Wrong admin token');
      }
      let session;
      try {
        session = await options.sessions.create();
      } catch (error) {
        request.log.warn({ err: error }, 'admin session store unavailable');
        return sendError(reply, request, 'LUNAS_ERR_QUEUE_UNAVAILABLE', 'Login is unavailable; retry later');
      }
      request.session = session;
      setSessionCookie(reply, session, options.sessions.ttlSeconds);
      reply.header('cache-control', 'no-store');
      request.log.info({ ip: request.ip }, 'admin session started');
      return html
        ? reply.redirect(next, 303)
        : reply.send({ expiresAt: session.expiresAt, csrfToken: reply.generateCsrf() });
    },
  );
  done();
};
