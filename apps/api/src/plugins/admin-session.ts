/**
 * Browser sessions for the /admin pages (the console and Bull Board), next to the Bearer token
 * that scripts use (admin-auth.ts).
 *
 * The session is a stateless, HMAC-signed cookie: `v1.<random id>.<expiry s>.<signature>`.
 * It never contains the token. The signing key is derived from ADMIN_TOKEN, so rotating the
 * token logs every browser out, and any API process can verify any session without a store.
 * (Trade-off: "log out" clears the cookie in this browser; a copied cookie stays valid until
 * it expires, ADMIN_SESSION_TTL_S, or the token rotates.)
 *
 * CSRF: the cookie is SameSite=Strict, and on top of that every state-changing request that
 * authenticates with the cookie must carry `x-csrf-token`, an HMAC of the session id the
 * console reads from GET /admin/session. Bull Board's own UI cannot add a header, so its API
 * (under /admin/queues/) accepts a same-origin Origin header instead. Bearer requests carry no
 * ambient credential and need neither.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'lunas_admin';
/** The cookie is only sent to /admin paths. */
export const SESSION_PATH = '/admin';

const b64url = (buffer: Buffer): string => buffer.toString('base64url');

function sessionKey(token: string): Buffer {
  return createHmac('sha256', token).update('lunas-admin-session-v1').digest();
}

function sign(key: Buffer, value: string): string {
  return b64url(createHmac('sha256', key).update(value).digest());
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface AdminSession {
  readonly id: string;
  readonly expiresAt: Date;
  readonly csrfToken: string;
}

/** A new session cookie value, valid for ttlSeconds. */
export function issueSession(
  token: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): { value: string; session: AdminSession } {
  const key = sessionKey(token);
  const id = b64url(randomBytes(18));
  const exp = Math.floor(nowMs / 1000) + ttlSeconds;
  const body = `v1.${id}.${exp}`;
  return {
    value: `${body}.${sign(key, body)}`,
    session: { id, expiresAt: new Date(exp * 1000), csrfToken: sign(key, `csrf.${id}`) },
  };
}

/** The session a cookie value proves, or null (bad signature, expired, malformed). */
export function verifySession(
  value: string | undefined,
  token: string,
  nowMs = Date.now(),
): AdminSession | null {
  const match = /^v1\.([A-Za-z0-9_-]{24})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!match) {
    return null;
  }
  const [, id = '', exp = '0', signature = ''] = match;
  const key = sessionKey(token);
  if (!safeEqual(signature, sign(key, `v1.${id}.${exp}`)) || Number(exp) * 1000 <= nowMs) {
    return null;
  }
  return { id, expiresAt: new Date(Number(exp) * 1000), csrfToken: sign(key, `csrf.${id}`) };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      return part.slice(index + 1).trim();
    }
  }
  return undefined;
}

export function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=${SESSION_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}

export const clearedSessionCookie = `${SESSION_COOKIE}=; Path=${SESSION_PATH}; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type SessionCheck = 'valid' | 'csrf_failed' | 'absent';

/**
 * Does the request's cookie authenticate it? 'csrf_failed': a valid session, but a
 * state-changing request without proof that the console (same origin) sent it.
 */
export function checkSession(request: FastifyRequest, token: string): SessionCheck {
  const session = verifySession(readCookie(request.headers.cookie, SESSION_COOKIE), token);
  if (!session) {
    return 'absent';
  }
  if (SAFE_METHODS.has(request.method)) {
    return 'valid';
  }
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string' && safeEqual(header, session.csrfToken)) {
    return 'valid';
  }
  if (request.url.startsWith('/admin/queues/') && isSameOrigin(request)) {
    return 'valid';
  }
  return 'csrf_failed';
}

/** Origin (sent by browsers on every POST) names this host. */
export function isSameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (!origin || !host) {
    return false;
  }
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** A browser navigating (Accept: text/html, GET) is sent to the login page instead of a 401. */
export function wantsHtml(request: FastifyRequest): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

export function redirectToLogin(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const next = request.url.startsWith('/admin') ? request.url : '/admin';
  return reply
    .header('cache-control', 'no-store')
    .redirect(`/admin/login?next=${encodeURIComponent(next)}`, 302);
}

/** Only same-site admin paths may be a post-login destination (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith('//')
    ? next
    : '/admin';
}
