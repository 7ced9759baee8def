/**
 * The public part of /admin: the login page and its form, outside the authenticated context.
 *
 *   GET  /admin/login            the form (and its stylesheet and script)
 *   POST /admin/login            token=… (form or JSON) → session cookie, 303 to `next`
 *
 * Attempts are limited per client IP across every API process: one Redis counter per IP and
 * minute (INCR, then EXPIRE on the first). Over the limit: 429 with Retry-After, whether or not
 * the token is right, so the limit cannot be used as an oracle. Redis down: 503 (fail closed).
 */
import type { Redis } from '@lunas/runtime';
import type { FastifyPluginCallback } from 'fastify';
import { sendError } from '../../errors.js';
import { isAuthorized } from '../../plugins/admin-auth.js';
import { issueSession, safeNext, sessionCookie } from '../../plugins/admin-session.js';
import { loadConsoleFile } from './static-files.js';

export interface LoginRouteOptions {
  readonly token: string;
  readonly redis: Redis;
  readonly queuePrefix: string;
  readonly sessionTtlSeconds: number;
  /** Attempts per IP per minute. */
  readonly attemptsPerMinute: number;
}

export const loginRoutes: FastifyPluginCallback<LoginRouteOptions> = (app, options, done) => {
  const page = loadConsoleFile('login.html');
  const css = loadConsoleFile('console.css');
  const script = loadConsoleFile('login.js');
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4_096 },
    (_request, body, parsed) => {
      parsed(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );

  app.get('/login', (_request, reply) =>
    reply.type(page.type).header('cache-control', 'no-store').send(page.body),
  );
  app.get('/login.css', (_request, reply) => reply.type(css.type).send(css.body));
  app.get('/login.js', (_request, reply) => reply.type(script.type).send(script.body));

  app.post('/login', { bodyLimit: 4_096 }, async (request, reply) => {
    const key = `${options.queuePrefix}:ops:login-attempts:${request.ip}`;
    let attempts: number;
    try {
      // The producer connection refuses commands until ready (no offline queue); a login right
      // after start waits for it briefly instead of failing.
      await whenReady(options.redis, 2_000);
      const [[, count] = [], [, ttl] = []] = (await options.redis.multi().incr(key).ttl(key).exec()) ?? [];
      attempts = Number(count);
      if (Number(ttl) < 0) {
        await options.redis.expire(key, 60);
      }
    } catch (error) {
      request.log.warn({ err: error }, 'login attempt counter unavailable; refusing logins');
      return sendError(reply, request, 'LUNAS_ERR_QUEUE_UNAVAILABLE', 'Login is unavailable; retry later');
    }
    const body = (request.body ?? {}) as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    const html = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (attempts > options.attemptsPerMinute) {
      request.log.warn({ ip: request.ip }, 'admin login rate limit hit');
      reply.header('retry-after', '60');
      return html
        ? reply
            .code(429)
            .type('text/html; charset=utf-8')
            .send(
              '<!doctype html><title>Lunas</title><p>Too many login attempts. Wait a minute, then <a href="/admin/login">try again</a>.</p>',
            )
        : sendError(reply, request, 'LUNAS_ERR_RATE_LIMITED');
    }
    const token = typeof body.token === 'string' ? body.token : '';
    if (!isAuthorized(`Bearer ${token}`, options.token)) {
      request.log.warn({ ip: request.ip }, 'admin login with a wrong token');
      return html
        ? reply.redirect(`/admin/login?error=invalid&next=${encodeURIComponent(next)}`, 303)
        : sendError(reply, request, 'LUNAS_ERR_UNAUTHORIZED', 'Wrong admin token');
    }
    const { value, session } = issueSession(options.token, options.sessionTtlSeconds);
    reply
      .header('set-cookie', sessionCookie(value, options.sessionTtlSeconds))
      .header('cache-control', 'no-store');
    request.log.info({ ip: request.ip }, 'admin session started');
    return html
      ? reply.redirect(next, 303)
      : reply.send({ expiresAt: session.expiresAt.toISOString(), csrfToken: session.csrfToken });
  });
  done();
};

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
