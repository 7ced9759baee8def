/**
 * buildApp assembles the Fastify instance from ready dependencies and never listens; main.ts
 * listens, tests use app.inject() or listen on port 0.
 */
import {
  FORWARD_QUEUES,
  QUEUES,
  RECONCILE_QUEUES,
  type ForwardJobData,
  type ReconcileJobData,
} from '@lunas/core';
import { createSql, type Sql } from '@lunas/db';
import { createFleetMidtransClient, resolveMidtransBaseUrl, type MidtransClient } from '@lunas/midtrans';
import {
  createProducerRedis,
  createWorkerRedis,
  redisTargetOf,
  type Logger,
  type Redis,
} from '@lunas/runtime';
import { Queue, QueueEvents } from 'bullmq';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiConfig } from './config.js';
import { createChargeClient, resolveSnapBaseUrl, type ChargeClient } from './charge.js';
import { createEnqueue } from './enqueue.js';
import { catalogErrorHandler, registerErrorHandler } from './errors.js';
import { createForward, type Forward } from './forward.js';
import { docsRoutes, registerOpenApi, useZod } from './openapi.js';
import { SessionStore } from './plugins/admin-session.js';
import { apiMetrics, timedEnqueue, webhookMetrics } from './plugins/metrics.js';
import { shopAuth } from './plugins/shop-auth.js';
import { paymentsRoute } from './routes/payments.js';
import { createOpsDeps, type OpsDeps } from './routes/admin/deps.js';
import { adminContext } from './routes/admin/index.js';
import { shopEventsRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { webhookMidtransRoutes } from './routes/webhook-midtrans.js';

export interface ApiDeps {
  readonly redis: Redis;
  readonly notificationQueue: Queue;
  /** What the /admin routes need; null when ADMIN_TOKEN is unset (the routes are off). */
  readonly admin: AdminDeps | null;
  /** Metrics, the payment event subscriber and Bull Board's queues (routes/admin/deps.ts). */
  readonly ops: OpsDeps;
  /** FORWARD_NOTIFICATION_URL set: queues each accepted notification for the old handler. */
  readonly forward: Forward | null;
  /** What the shop's API (POST /payments) needs; null when SHOP_API_TOKEN is unset. */
  readonly shop: ShopDeps | null;
  /** Closes what createApiDeps opened. */
  close(): Promise<void>;
}

export function createApiDeps(config: ApiConfig, logger: Logger): ApiDeps {
  const redis = createProducerRedis(redisTargetOf(config), logger);
  const notificationQueue = new Queue(QUEUES.notifications, {
    connection: redis,
    prefix: config.QUEUE_PREFIX,
  });
  notificationQueue.on('error', (error) => logger.warn({ err: { message: error.message } }, 'queue error'));
  const admin = config.ADMIN_TOKEN ? createAdminDeps(config, redis, logger) : null;
  const forwardQueue = config.FORWARD_NOTIFICATION_URL
    ? new Queue<ForwardJobData>(FORWARD_QUEUES.forward, { connection: redis, prefix: config.QUEUE_PREFIX })
    : null;
  forwardQueue?.on('error', (error) =>
    logger.warn({ err: { message: error.message } }, 'forward queue error'),
  );
  const shop = config.SHOP_API_TOKEN ? createShopDeps(config, logger) : null;
  const ops = createOpsDeps({
    redisTarget: redisTargetOf(config),
    prefix: config.QUEUE_PREFIX,
    redis,
    logger,
    notificationQueue,
    admin,
    stuckAfterMinutes: config.OPS_STUCK_AFTER_MINUTES,
  });
  return {
    redis,
    notificationQueue,
    admin,
    ops,
    forward: forwardQueue
      ? createForward(
          forwardQueue,
          {
            attempts: config.FORWARD_ATTEMPTS,
            backoffMs: config.FORWARD_BACKOFF_MS,
            timeoutMs: config.ENQUEUE_TIMEOUT_MS,
          },
          logger,
        )
      : null,
    shop,
    async close() {
      await ops.close();
      await admin?.close();
      await forwardQueue?.close().catch(() => undefined);
      await shop?.close();
      await notificationQueue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

export interface AdminDeps {
  /** Reads, and the admin audit log; every payment state change goes through a job. */
  readonly sql: Sql;
  readonly reconcileQueue: Queue<ReconcileJobData>;
  /** Completion events of reconcile jobs, for the manual sync's bounded wait. */
  readonly queueEvents: QueueEvents;
  /** Get Status for the replay's dry run: the workers' fleet-wide rate limit and circuit. */
  readonly midtrans: MidtransClient;
  close(): Promise<void>;
}

export interface ShopDeps {
  /** The shop's own rows (orders, payment rows, idempotency keys); no payment state change. */
  readonly sql: Sql;
  readonly charges: ChargeClient;
  close(): Promise<void>;
}

function createShopDeps(config: ApiConfig, logger: Logger): ShopDeps {
  const sql = createSql({ url: config.DATABASE_URL, applicationName: 'lunas-api-shop', max: 8, logger });
  const charges = createChargeClient({
    serverKey: config.MIDTRANS_SERVER_KEY,
    coreBaseUrl: resolveMidtransBaseUrl(config.MIDTRANS_API_BASE_URL, config.MIDTRANS_IS_PRODUCTION),
    snapBaseUrl: resolveSnapBaseUrl(config.MIDTRANS_SNAP_BASE_URL, config.MIDTRANS_IS_PRODUCTION),
    timeoutMs: config.MIDTRANS_TIMEOUT_MS,
  });
  return {
    sql,
    charges,
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}

function createAdminDeps(config: ApiConfig, redis: Redis, logger: Logger): AdminDeps {
  const sql = createSql({
    url: config.DATABASE_URL,
    applicationName: 'lunas-api-admin',
    max: 4,
    logger,
    schema: config.DATABASE_SCHEMA,
  });
  const reconcileQueue = new Queue<ReconcileJobData>(RECONCILE_QUEUES.reconcile, {
    connection: redis,
    prefix: config.QUEUE_PREFIX,
  });
  reconcileQueue.on('error', (error) =>
    logger.warn({ err: { message: error.message } }, 'reconcile queue error'),
  );
  // QueueEvents blocks on a stream read, so it gets its own connection.
  const eventsRedis = createWorkerRedis(redisTargetOf(config), logger);
  const queueEvents = new QueueEvents(RECONCILE_QUEUES.reconcile, {
    connection: eventsRedis,
    prefix: config.QUEUE_PREFIX,
  });
  queueEvents.on('error', (error) => logger.warn({ err: { message: error.message } }, 'queue events error'));
  // The same Redis keys as the workers' client: one limit, one circuit for the fleet.
  const { client: midtrans } = createFleetMidtransClient({
    redis,
    prefix: config.QUEUE_PREFIX,
    serverKey: config.MIDTRANS_SERVER_KEY,
    baseUrl: resolveMidtransBaseUrl(config.MIDTRANS_API_BASE_URL, config.MIDTRANS_IS_PRODUCTION),
    timeoutMs: config.MIDTRANS_TIMEOUT_MS,
    ratePerSecond: config.MIDTRANS_RATE_LIMIT,
    circuitThreshold: config.MIDTRANS_CIRCUIT_THRESHOLD,
    circuitCooldownMs: config.MIDTRANS_CIRCUIT_COOLDOWN_MS,
    logger: logger.child({ component: 'midtrans' }),
  });
  return {
    sql,
    reconcileQueue,
    queueEvents,
    midtrans,
    async close() {
      await queueEvents.close().catch(() => undefined);
      eventsRedis.disconnect();
      await reconcileQueue.close().catch(() => undefined);
      await midtrans.close?.().catch(() => undefined);
      await sql.end({ timeout: 5 });
    },
  };
}

export async function buildApp(config: ApiConfig, deps: ApiDeps, logger: Logger): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance keeps Fastify's default generics.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    // Access logs belong to the proxy in front; per-request info lines halve ingest throughput.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.WEBHOOK_BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: 'x-request-id',
    // A request must arrive whole within 15 s (Midtrans itself gives up after 15 s): slow,
    // trickling clients cannot hold sockets open for Node's default 5 minutes.
    requestTimeout: 15_000,
    // Trust the nearest N proxies for the client IP (what a numeric trustProxy means).
    ...(config.TRUST_PROXY_HOPS > 0
      ? { trustProxy: (_address: string, hop: number) => hop < config.TRUST_PROXY_HOPS }
      : {}),
  });
  let shuttingDown = false;
  // Readiness goes to 503 as soon as close() starts, before in-flight requests drain.
  app.addHook('preClose', async () => {
    shuttingDown = true;
    await Promise.resolve();
  });
  app.addHook('onClose', async () => {
    await deps.close();
  });
  registerErrorHandler(app);
  // First: @fastify/swagger collects every route registered after it (openapi.ts).
  await registerOpenApi(app);
  await app.register(apiMetrics, { metrics: deps.ops.metrics });

  await app.register(healthRoutes, {
    pingRedis: () => deps.redis.ping(),
    isShuttingDown: () => shuttingDown,
  });
  if (deps.admin && config.ADMIN_TOKEN && deps.ops.subscriber) {
    await app.register(adminContext, {
      prefix: '/admin',
      token: config.ADMIN_TOKEN,
      resources: {
        sql: deps.admin.sql,
        redis: deps.redis,
        queuePrefix: config.QUEUE_PREFIX,
        notificationQueue: deps.notificationQueue,
        reconcileQueue: deps.admin.reconcileQueue,
        queueEvents: deps.admin.queueEvents,
        queues: deps.ops.queues,
        subscriber: deps.ops.subscriber,
        metrics: deps.ops.metrics,
      },
      manualSyncWaitMs: config.MANUAL_SYNC_WAIT_MS,
      heartbeatMs: config.ADMIN_EVENTS_HEARTBEAT_MS,
      stuckAfterMinutes: config.OPS_STUCK_AFTER_MINUTES,
      sessionTtlSeconds: config.ADMIN_SESSION_TTL_S,
      failuresPerClientPerMinute: config.ADMIN_LOGIN_ATTEMPTS_PER_MINUTE,
      failuresGlobalPerMinute: config.ADMIN_AUTH_FAILURES_GLOBAL_PER_MINUTE,
      trustProxyHops: config.TRUST_PROXY_HOPS,
      replay: { midtrans: deps.admin.midtrans, waitMs: config.REPLAY_WAIT_MS },
    });
    const adminToken = config.ADMIN_TOKEN;
    await app.register(docsRoutes, {
      adminToken,
      sessions: new SessionStore(deps.redis, config.QUEUE_PREFIX, config.ADMIN_SESSION_TTL_S),
    });
  } else {
    logger.warn('admin routes disabled: ADMIN_TOKEN is not set (it is required when NODE_ENV=production)');
  }
  // The shop's API in its own context: its token (shop-auth.ts), zod validation. GET /events
  // joins this context.
  const shop = deps.shop;
  if (shop && config.SHOP_API_TOKEN) {
    const token = config.SHOP_API_TOKEN;
    await app.register(async (context) => {
      useZod(context);
      await context.register(shopAuth, { token });
      await context.register(paymentsRoute, {
        sql: shop.sql,
        charges: shop.charges,
        leaseMs: config.MIDTRANS_TIMEOUT_MS + 5_000,
      });
      await context.register(shopEventsRoutes, { token, databaseUrl: config.DATABASE_URL, logger });
    });
  } else {
    logger.info('shop API (POST /payments) disabled: SHOP_API_TOKEN is not set');
  }
  // The webhook in its own context: its outcome counter and its error rule (an unexpected
  // error is a 503, which Midtrans retries, never a 500) apply to it alone, by encapsulation.
  await app.register(async (webhook) => {
    webhook.setErrorHandler(catalogErrorHandler('LUNAS_ERR_QUEUE_UNAVAILABLE'));
    await webhook.register(webhookMetrics, { metrics: deps.ops.metrics });
    await webhook.register(webhookMidtransRoutes, {
      bodyLimit: config.WEBHOOK_BODY_LIMIT,
      ingest: {
        serverKey: config.MIDTRANS_SERVER_KEY,
        retryPolicy: {
          attempts: config.NOTIFICATION_ATTEMPTS,
          backoffMs: config.NOTIFICATION_BACKOFF_MS,
          keepCompletedSeconds: config.COMPLETED_JOB_TTL_S,
        },
        enqueue: timedEnqueue(
          createEnqueue(deps.notificationQueue, config.ENQUEUE_TIMEOUT_MS, 200, deps.redis, {
            minReplicas: config.ENQUEUE_MIN_REPLICAS,
            redis: deps.redis,
          }),
          deps.ops.metrics,
        ),
        ...(deps.forward ? { forward: deps.forward } : {}),
      },
    });
  });
  return app;
}
