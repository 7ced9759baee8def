/**
 * Browser sessions for the /admin pages (the console and Bull Board), next to the Bearer token
 * that scripts use (admin-auth.ts).
 *
 * A session is a random id whose record lives in Redis (`<prefix>:ops:session:<id>`, with the
 * session's TTL) and travels in a signed cookie (@fastify/cookie; the signing key is derived
 * from ADMIN_TOKEN, so rotating the token logs every browser out). Logging out deletes the
 * record: the old cookie stops working at once, on every API process. The cookie never
 * contains the token. It is `__Host-lunas_admin`: Secure, Path=/, no Domain, HttpOnly,
 * SameSite=Strict. Browsers keep Secure cookies from http://localhost and http://127.0.0.1
 * (both are secure contexts), so local development over plain http works; any other host
 * needs TLS in front.
 *
 * CSRF: besides SameSite=Strict, every state-changing request that authenticates with the
 * cookie must carry `x-csrf-token` (@fastify/csrf-protection, the secret kept in the session
 * record; the console reads a token from GET /admin/session). Bearer requests carry no
 * ambient credential and need none.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from '@lunas/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = '__Host-lunas_admin';

/** The record of one console session, as kept in Redis. */
export interface AdminSession {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** The CSRF secret, read by @fastify/csrf-protection as `request.session._csrf`. */
  readonly _csrf: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session this request authenticated with; null for Bearer requests. */
    session: AdminSession | null;
  }
}

/** Key material derived from the admin token, one per purpose. */
export function deriveKey(token: string, purpose: 'cookie' | 'csrf'): string {
  return createHmac('sha256', token).update(`lunas-admin-${purpose}-v2`).digest('base64url');
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly ttlSeconds: number,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:ops:session:${id}`;
  }

  async create(nowMs = Date.now()): Promise<AdminSession> {
    const session: AdminSession = {
      id: randomBytes(18).toString('base64url'),
      createdAt: new Date(nowMs).toISOString(),
      expiresAt: new Date(nowMs + this.ttlSeconds * 1000).toISOString(),
      _csrf: randomBytes(18).toString('base64url'),
    };
    await this.redis.set(this.key(session.id), JSON.stringify(session), 'EX', this.ttlSeconds);
    return session;
  }

  /** The live session with this id, or null (unknown, expired or revoked). */
  async get(id: string): Promise<AdminSession | null> {
    if (!/^[A-Za-z0-9_-]{24}$/.test(id)) {
      return null;
    }
    const raw = await this.redis.get(this.key(id));
    if (!raw) {
      return null;
    }
    const session = JSON.parse(raw) as AdminSession;
    return Date.parse(session.expiresAt) > Date.now() ? session : null;
  }

  async revoke(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}

/** The session id a request's cookie proves (signature checked), or null. */
export function sessionIdOf(request: FastifyRequest): string | null {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) {
    return null;
  }
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : null;
}

export function setSessionCookie(reply: FastifyReply, session: AdminSession, ttlSeconds: number): void {
  void reply.setCookie(SESSION_COOKIE, session.id, {
    signed: true,
    path: '/',
    maxAge: ttlSeconds,
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
}

/** A browser navigating (Accept: text/html, GET) is sent to the login page instead of a 401. */
export function wantsHtml(request: FastifyRequest): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

export function redirectToLogin(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 302);
}

/**
 * The post-login destination. Not a printable-ASCII string of at most 2,048 characters (CR LF,
 * non-Latin-1, control characters): null, and the caller answers 400. Otherwise an /admin path
 * is kept and anything else (another origin, `//host`, a backslash) becomes /admin: no open
 * redirect, and never a header Node refuses to write.
 */
export function parseNext(next: unknown): string | null {
  if (next === undefined || next === '') {
    return '/admin';
  }
  if (typeof next !== 'string' || next.length > 2_048 || !/^[\x21-\x7e]+$/.test(next)) {
    return null;
  }
  return /^\/admin(?:[/?#]|$)/.test(next) && !next.includes('\\') ? next : '/admin';
}
