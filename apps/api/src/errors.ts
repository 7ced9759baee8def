/** One error shape for every route: {"error":{"code","message","requestId"}}. */
import { AppError, ERROR_CATALOG, type ErrorCode } from '@lunas/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message?: string,
): FastifyReply {
  const entry = ERROR_CATALOG[code];
  return reply
    .code(entry.httpStatus)
    .type('application/json; charset=utf-8')
    .send({ error: { code, message: message ?? entry.message, requestId: request.id } });
}

/**
 * Maps framework and unexpected errors to the catalog; an unexpected one (5xx) is answered with
 * `unexpected`. The webhook's context sets its own handler with LUNAS_ERR_QUEUE_UNAVAILABLE
 * (503, never 500: Midtrans retries a 503 four times but a 500 only once), by encapsulation.
 * Error messages from unknown errors are never echoed (they could carry internals).
 */
export function catalogErrorHandler(
  unexpected: ErrorCode = 'LUNAS_ERR_INTERNAL',
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (error, request, reply) => {
    if (error instanceof AppError) {
      return sendError(reply, request, error.code, error.message);
    }
    const status = error.statusCode ?? 500;
    if (status === 413) {
      return sendError(reply, request, 'LUNAS_ERR_BODY_TOO_LARGE');
    }
    if (status === 415) {
      return sendError(reply, request, 'LUNAS_ERR_UNSUPPORTED_MEDIA');
    }
    if (status >= 400 && status < 500) {
      return sendError(
        reply,
        request,
        status === 404 ? 'LUNAS_ERR_NOT_FOUND' : 'LUNAS_ERR_BAD_REQUEST',
        status === 404 ? undefined : 'Bad request',
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, request, unexpected);
  };
}

/** The root handlers: the catalog for errors, and a catalog 404 for unknown routes. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(catalogErrorHandler('LUNAS_ERR_INTERNAL'));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      'LUNAS_ERR_NOT_FOUND',
      `No route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    ),
  );
}
