/**
 * Bearer-token guard for the /admin context. Registered with fastify-plugin inside that
 * encapsulated context, so the hook covers every admin route and nothing outside it.
 *
 * The comparison is constant-time over SHA-256 digests: equal lengths whatever the caller
 * sends, so neither the token's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from '../errors.js';
import { checkSession, redirectToLogin, wantsHtml } from './admin-session.js';

export interface AdminAuthOptions {
  readonly token: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  // Compare even when the header is malformed, so that case takes the same time.
  const presented = digest(match?.[1] ?? '');
  return timingSafeEqual(presented, digest(token)) && match !== null;
}

const adminAuthPlugin: FastifyPluginCallback<AdminAuthOptions> = (app, options, done) => {
  app.addHook('onRequest', (request, reply, next) => {
    if (isAuthorized(request.headers.authorization, options.token)) {
      next();
      return;
    }
    // Browsers authenticate with the session cookie from /admin/login (admin-session.ts).
    const session = checkSession(request, options.token);
    if (session === 'valid') {
      next();
      return;
    }
    if (session === 'csrf_failed') {
      request.log.warn(
        { url: request.url.split('?')[0] },
        'admin session request without a valid CSRF token',
      );
      void sendError(reply, request, 'LUNAS_ERR_CSRF');
      return;
    }
    if (wantsHtml(request)) {
      void redirectToLogin(request, reply);
      return;
    }
    request.log.warn({ url: request.url.split('?')[0] }, 'admin request without a valid token');
    void sendError(
      reply,
      request,
      'LUNAS_ERR_UNAUTHORIZED',
      'A valid Authorization: Bearer <ADMIN_TOKEN> header is required',
    );
  });
  done();
};

export const adminAuth = fp(adminAuthPlugin, { name: 'lunas-admin-auth' });
