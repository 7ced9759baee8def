/**
 * The payments console: GET /admin serves the page, /admin/console.{css,js} its assets, and
 * GET /admin/session tells the page its CSRF token. POST /admin/logout ends the browser
 * session. All of it sits behind the admin hook.
 */
import type { FastifyPluginCallback } from 'fastify';
import { checkSessionToken } from './session-info.js';
import { clearedSessionCookie } from '../../plugins/admin-session.js';
import { loadConsoleFile } from './static-files.js';

export const consoleRoutes: FastifyPluginCallback<{
  readonly token: string;
  readonly stuckAfterMinutes: number;
}> = (app, options, done) => {
  const page = loadConsoleFile('index.html');
  const css = loadConsoleFile('console.css');
  const script = loadConsoleFile('console.js');
  app.get('/', (_request, reply) => reply.type(page.type).send(page.body));
  app.get('/console.css', (_request, reply) => reply.type(css.type).send(css.body));
  app.get('/console.js', (_request, reply) => reply.type(script.type).send(script.body));
  app.get('/session', (request) => ({
    ...checkSessionToken(request, options.token),
    stuckAfterMinutes: options.stuckAfterMinutes,
  }));
  app.post('/logout', (_request, reply) =>
    reply.header('set-cookie', clearedSessionCookie).redirect('/admin/login', 303),
  );
  done();
};
