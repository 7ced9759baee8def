/**
 * The guard of the shop's API (POST /payments, GET /events): `Authorization: Bearer
 * <SHOP_API_TOKEN>`, compared in constant time like the admin token (admin-auth.ts), and
 * separate from it. Register it inside the encapsulated context of the shop's routes:
 *
 *   await app.register(async (shop) => {
 *     await shop.register(shopAuth, { token: config.SHOP_API_TOKEN });
 *     await shop.register(myShopRoutes, …);
 *   });
 *
 * fastify-plugin makes the hook reach the routes registered after it in that context, and
 * nothing outside. The token never reaches a log line or an error body.
 */
import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from '../errors.js';
import { isAuthorized } from './admin-auth.js';

export interface ShopAuthOptions {
  readonly token: string;
}

/** The OpenAPI security scheme name of the shop token (openapi.ts declares it). */
export const SHOP_SECURITY = [{ shopToken: [] }];

const shopAuthPlugin: FastifyPluginCallback<ShopAuthOptions> = (app, options, done) => {
  app.addHook('onRequest', async (request, reply) => {
    if (isAuthorized(request.headers.authorization, options.token)) {
      return;
    }
    request.log.warn({ url: request.url.split('?')[0] }, 'shop API request without a valid token');
    return sendError(
      reply,
      request,
      'LUNAS_ERR_UNAUTHORIZED',
      'A valid Authorization: Bearer <SHOP_API_TOKEN> header is required',
    );
  });
  done();
};

export const shopAuth = fp(shopAuthPlugin, { name: 'lunas-shop-auth' });
