/**
 * Security headers on every /admin response (hand-rolled: five headers do not need a
 * dependency). Registered with fastify-plugin inside the /admin context, so its hook covers
 * that context (404s under /admin included) and the webhook path never sees it. HTML pages also get a CSP that allows
 * only this origin: no inline script, no third-party fonts or scripts, no framing.
 * Bull Board's UI sets inline `style` attributes, hence 'unsafe-inline' for styles only.
 */
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';

export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every admin response carries (also written by hand on the hijacked SSE stream). */
export const ADMIN_BASE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const securityHeadersPlugin: FastifyPluginCallback = (app, _options, done) => {
  app.addHook('onSend', (_request, reply, payload, next) => {
    reply.headers(ADMIN_BASE_HEADERS);
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-store');
    }
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', ADMIN_CSP);
    }
    next(null, payload);
  });
  done();
};

export const securityHeaders = fp(securityHeadersPlugin, { name: 'lunas-security-headers' });
