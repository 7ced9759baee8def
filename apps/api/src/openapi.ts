/**
 * The API contract: an OpenAPI 3.1 document built by @fastify/swagger from the route schemas
 * (zod, through fastify-type-provider-zod), served at /docs (Swagger UI) and /docs/json behind
 * admin auth, and exported to docs/openapi.json by `npm run openapi`.
 *
 * How a route describes itself (see docs/operations.md, "The API contract"):
 *
 * - A route that validates with zod (payments, replay, events) calls useZod(context) in its own
 *   encapsulated context and puts its zod schemas in `schema` (body, querystring, params,
 *   headers, response); Fastify then validates with them and the document shows them. Bad
 *   input is answered by zodErrorHandler as LUNAS_ERR_BAD_REQUEST naming the fields.
 * - A route that validates in its handler (the webhook reads its raw body to check the
 *   signature) keeps doing so and puts its zod schemas in `schema.documented` instead: only
 *   the document reads them, so the route's behaviour does not change.
 * - summary, description, tags, security and operationId go in `schema` as usual.
 *
 * The route appears in the document as soon as it is registered after registerOpenApi()
 * (@fastify/swagger collects routes with an onRoute hook); nothing else to list anywhere.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifySchema } from 'fastify';
import {
  createJsonSchemaTransform,
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { catalogErrorHandler, sendError } from './errors.js';
import { isAuthorized } from './plugins/admin-auth.js';
import { deriveKey, sessionIdOf, type SessionStore } from './plugins/admin-session.js';

/** Schemas shown in the document but not used by Fastify (the handler validates). */
export interface DocumentedSchemas {
  readonly body?: unknown;
  readonly querystring?: unknown;
  readonly params?: unknown;
  readonly headers?: unknown;
  readonly response?: Record<number | string, unknown>;
}

declare module 'fastify' {
  interface FastifySchema {
    /** Documentation-only schemas (see the top of openapi.ts). */
    documented?: DocumentedSchemas;
  }
}

/** The one error body of every route. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'LUNAS_ERR_BAD_REQUEST' }),
      message: z.string(),
      requestId: z.string(),
    }),
  })
  .meta({ description: 'An error: a stable code from the catalog, a message and the request id' });

export const ADMIN_SECURITY = [{ adminToken: [] }, { adminSession: [] }];

// Bull Board's own pages and assets, and the console's static files: not part of the contract.
const HIDDEN_PREFIXES = ['/admin/queues', '/admin/assets/', '/docs'];

const zodTransform = createJsonSchemaTransform({});

export const OPENAPI_INFO = {
  title: 'Lunas',
  description:
    'Keeps a shop’s Postgres in lock-step with Midtrans. The webhook Midtrans calls, health probes, the shop’s API (write-ahead checkout) and the admin API.',
  version: '0.1.0',
};

/** Registers @fastify/swagger on the root instance; call it before any route is registered. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      tags: [
        { name: 'webhook', description: 'Midtrans → Lunas' },
        { name: 'health', description: 'Probes' },
        { name: 'shop', description: 'The shop’s API (SHOP_API_TOKEN)' },
        { name: 'admin', description: 'Operations (ADMIN_TOKEN or a console session)' },
      ],
      components: {
        securitySchemes: {
          shopToken: { type: 'http', scheme: 'bearer', description: 'SHOP_API_TOKEN' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          adminSession: {
            type: 'apiKey',
            in: 'cookie',
            name: '__Host-lunas_admin',
            description: 'The console session from POST /admin/login',
          },
        },
      },
    },
    transform: (input) => {
      const url = input.url;
      if (HIDDEN_PREFIXES.some((prefix) => url === prefix || url.startsWith(prefix))) {
        return { schema: { ...input.schema, hide: true }, url };
      }
      const schema = input.schema as FastifySchema | undefined;
      if (schema?.documented) {
        const { documented, ...rest } = schema;
        return zodTransform({ ...input, schema: { ...rest, ...documented } });
      }
      return zodTransform(input);
    },
  });
}

/** Zod validation and serialization for the routes of this (encapsulated) context. */
export function useZod(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(zodErrorHandler());
}

/** Bad input names its fields (never echoes values); everything else goes to the catalog. */
export function zodErrorHandler() {
  const fallback = catalogErrorHandler('LUNAS_ERR_INTERNAL');
  return (
    error: FastifyError,
    request: Parameters<typeof fallback>[1],
    reply: Parameters<typeof fallback>[2],
  ) => {
    if (typeof error.code === 'string' && error.code.startsWith('FST_CSRF_')) {
      return sendError(reply, request, 'LUNAS_ERR_CSRF');
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((issue) => {
        const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
        const where = error.validationContext ?? 'body';
        return `${where}${path ? `.${path}` : ''}: ${issue.message ?? 'invalid'}`;
      });
      return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', `Invalid request: ${fields.join('; ')}`);
    }
    return fallback(error, request, reply);
  };
}

export interface DocsRoutesOptions {
  readonly adminToken: string;
  /** The console's sessions (admin-session.ts): a signed-in browser may read the docs. */
  readonly sessions: SessionStore;
}

/**
 * GET /docs (Swagger UI) and /docs/json: the admin token, or a console session cookie. Read
 * only (GET), so no CSRF token is involved.
 */
export const docsRoutes: FastifyPluginAsync<DocsRoutesOptions> = async (app, options) => {
  await app.register(fastifyCookie, { secret: deriveKey(options.adminToken, 'cookie') });
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (header !== undefined && isAuthorized(header, options.adminToken)) {
      return;
    }
    const id = header === undefined ? sessionIdOf(request) : null;
    if (id !== null && (await options.sessions.get(id).catch(() => null)) !== null) {
      return;
    }
    return sendError(
      reply,
      request,
      'LUNAS_ERR_UNAUTHORIZED',
      'A valid Authorization: Bearer <ADMIN_TOKEN> header or a console session is required',
    );
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
};
