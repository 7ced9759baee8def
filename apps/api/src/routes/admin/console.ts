/**
 * The payments console: GET /admin serves the page, /admin/console.{css,js} its assets, and
 * GET /admin/session tells the page how it is authenticated and its CSRF token. POST
 * /admin/logout ends the browser session server-side (the record is deleted from Redis, so
 * the cookie is dead everywhere, not only in this browser). All of it sits behind the admin hook.
 */
import type { FastifyPluginCallback } from 'fastify';
import { clearSessionCookie, type SessionStore } from '../../plugins/admin-session.js';
import { loadConsoleFile } from './static-files.js';
import { ADMIN_SECURITY } from '../../openapi.js';

export const consoleRoutes: FastifyPluginCallback<{
  readonly sessions: SessionStore;
  readonly stuckAfterMinutes: number;
}> = (app, options, done) => {
  const page = loadConsoleFile('index.html');
  const css = loadConsoleFile('console.css');
  const script = loadConsoleFile('console.js');
  app.get(
    '/',
    {
      schema: {
        summary: 'The operations console (HTML)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        produces: ['text/html'],
      },
    },
    (_request, reply) => reply.type(page.type).send(page.body),
  );
  app.get('/console.css', { schema: { hide: true } }, (_request, reply) =>
    reply.type(css.type).send(css.body),
  );
  app.get('/console.js', { schema: { hide: true } }, (_request, reply) =>
    reply.type(script.type).send(script.body),
  );
  app.get(
    '/session',
    {
      schema: {
        summary: 'Who is signed in, and the CSRF token of a console session',
        tags: ['admin'],
        security: ADMIN_SECURITY,
      },
    },
    (request, reply) => {
      const session = request.session;
      return {
        via: session ? 'session' : 'bearer',
        csrfToken: session ? reply.generateCsrf() : null,
        expiresAt: session?.expiresAt ?? null,
        stuckAfterMinutes: options.stuckAfterMinutes,
      };
    },
  );
  app.post(
    '/logout',
    { schema: { summary: 'End the console session', tags: ['admin'], security: ADMIN_SECURITY } },
    async (request, reply) => {
      if (request.session) {
        await options.sessions.revoke(request.session.id);
        request.log.info('admin session ended (logout)');
      }
      clearSessionCookie(reply);
      return reply.redirect('/admin/login', 303);
    },
  );
  done();
};
