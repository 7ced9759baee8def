/**
 * Midtrans clients are loose about bodies: midtrans-client sends `{}` with content-type JSON
 * on GET, and curl users POST /cancel with the JSON header and no body. Fastify rejects an
 * empty JSON body by default, so JSON parsing is replaced: empty means `{}`. Other content
 * types are accepted and ignored rather than answered with 415.
 */
import type { FastifyInstance } from 'fastify';
import { MidtransApiError } from '../engine/errors.js';

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new MidtransApiError(400, 'Request body is not valid JSON.'), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, _body, done) => {
    done(null, undefined);
  });
}

/** "a, b" → ["a", "b"]: the X-Override/Append-Notification header format (docs/midtrans.md, "Notification body"). */
export function urlList(header: string | string[] | undefined): string[] | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text === undefined) {
    return undefined;
  }
  const urls = text
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
  return urls.length > 0 ? urls : undefined;
}
