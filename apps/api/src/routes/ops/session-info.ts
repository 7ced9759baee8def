/** What GET /admin/session answers: how the caller is authenticated, and its CSRF token. */
import type { FastifyRequest } from 'fastify';
import { readCookie, SESSION_COOKIE, verifySession } from '../../plugins/admin-session.js';

export function checkSessionToken(
  request: FastifyRequest,
  token: string,
): { via: 'session' | 'bearer'; csrfToken: string | null; expiresAt: string | null } {
  const session = verifySession(readCookie(request.headers.cookie, SESSION_COOKIE), token);
  return session
    ? { via: 'session', csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() }
    : { via: 'bearer', csrfToken: null, expiresAt: null };
}
