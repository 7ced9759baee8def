/**
 * Building blocks for the apps' configuration. Only each app's main.ts reads process.env; it
 * hands the raw env to a pure loadConfig(env) built from these pieces.
 */
import { z } from 'zod';
import { AppError } from './errors.js';

/** The server key used with the local simulator. Never accepted when NODE_ENV=production. */
export const LOCAL_SIMULATOR_SERVER_KEY = 'SB-Mid-server-LUNAS-LOCAL-SIMULATOR';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An integer variable within [min, max]. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A yes/no variable: true, false, 1, 0, yes, no. */
export const envBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const boolish = envBool;

/** An empty value (`VAR=` in compose or an .env file) counts as unset. */
const unsetWhenBlank = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** "a:6379,b:6380" → [{ host: 'a', port: 6379 }, …]. Hosts are names, IPv4 or [IPv6]. */
const hostPortList = z
  .string()
  .regex(
    /^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}(\s*,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5})*\s*$/,
    'comma-separated host:port',
  )
  .transform((v) =>
    v.split(',').map((part): HostPort => {
      const item = part.trim();
      const at = item.lastIndexOf(':');
      return { host: item.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(item.slice(at + 1)) };
    }),
  )
  .refine((nodes) => nodes.every((n) => n.port >= 1 && n.port <= 65_535), 'ports 1 … 65535');

export const envPieces = {
  /** Node environment; production forbids development defaults such as the simulator key. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** postgres:// URL of the shop's database. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/lunas'),
  /** Postgres schema of Lunas's own tables, migrations table and functions (docs/adopting.md). */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case identifier (letters, digits, _)')
    .default('public'),
  /** builtin: Lunas's orders table; adapter: the shop's view shop_orders and function shop_mark_order. */
  SHOP_ORDERS: z.enum(['builtin', 'adapter']).default('builtin'),
  /** redis:// (or rediss:// for TLS) URL of a standalone Redis that holds the queues. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** host:port,host:port,…: seed nodes of a Redis Cluster; selects cluster mode (REDIS_URL unused). */
  REDIS_CLUSTER_NODES: unsetWhenBlank(hostPortList),
  /** host:port,…: Redis Sentinels; selects Sentinel mode with REDIS_SENTINEL_MASTER. */
  REDIS_SENTINELS: unsetWhenBlank(hostPortList),
  /** The master group name the sentinels monitor (required with REDIS_SENTINELS). */
  REDIS_SENTINEL_MASTER: unsetWhenBlank(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only'),
  ),
  /** ACL user for cluster or Sentinel-managed nodes (standalone: put it in REDIS_URL). */
  REDIS_USERNAME: unsetWhenBlank(z.string().min(1)),
  /** Password for cluster or Sentinel-managed nodes (standalone: put it in REDIS_URL). */
  REDIS_PASSWORD: unsetWhenBlank(z.string().min(1)),
  /** Password of the sentinels themselves, when they require one. */
  REDIS_SENTINEL_PASSWORD: unsetWhenBlank(z.string().min(1)),
  /** TLS to cluster or Sentinel-managed nodes (and to the sentinels); standalone uses rediss://. */
  REDIS_TLS: boolish.default(false),
  /**
   * The webhook answers 200 only once the job has reached this many replicas (Redis WAIT,
   * within ENQUEUE_TIMEOUT_MS), else 503. 0: the master's acknowledgement is enough.
   */
  ENQUEUE_MIN_REPLICAS: envInt(0, 16).default(0),
  /** BullMQ key prefix, so that several deployments or test runs can share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (no ":")')
    .default('lunas'),
  /** Midtrans server key (SB-Mid-server-… or Mid-server-…). */
  MIDTRANS_SERVER_KEY: z.string().min(10).optional(),
  /** pino level. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Apply pending migrations on start (advisory-locked, so safe with many processes). */
  MIGRATE_ON_START: boolish.default(true),
  /** How long shutdown may take before the process exits anyway, ms. */
  SHUTDOWN_TIMEOUT_MS: envInt(100, 600_000).default(25_000),
};

/** The Redis settings of envPieces, as parsed. */
export interface RedisEnv {
  readonly REDIS_URL: string;
  readonly REDIS_CLUSTER_NODES?: readonly HostPort[] | undefined;
  readonly REDIS_SENTINELS?: readonly HostPort[] | undefined;
  readonly REDIS_SENTINEL_MASTER?: string | undefined;
  readonly REDIS_USERNAME?: string | undefined;
  readonly REDIS_PASSWORD?: string | undefined;
  readonly REDIS_SENTINEL_PASSWORD?: string | undefined;
  readonly REDIS_TLS: boolean;
  readonly QUEUE_PREFIX: string;
}

/** Where every Redis connection of a process goes: one choice for all of them. */
export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly HostPort[];
      readonly username?: string | undefined;
      readonly password?: string | undefined;
      readonly tls: boolean;
    }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly HostPort[];
      readonly masterName: string;
      readonly username?: string | undefined;
      readonly password?: string | undefined;
      readonly sentinelPassword?: string | undefined;
      readonly tls: boolean;
    };

/**
 * The one place the queue prefix gets its Redis Cluster hash tag: in cluster mode every key
 * Lunas uses (BullMQ's queues, the rate limiter, the circuit, locks, the event channel, …)
 * starts with `{prefix}:`, so all of them live in one slot and every Lua script and MULTI
 * touches keys of one node.
 */
export function hashTaggedPrefix(prefix: string): string {
  return prefix.startsWith('{') ? prefix : `{${prefix}}`;
}

/**
 * For each app's schema transform: checks the topology variables together (cluster and
 * Sentinel exclude each other; Sentinel needs its master name) and hash-tags QUEUE_PREFIX in
 * cluster mode. Throws LUNAS_ERR_CONFIG naming the variables.
 */
export function resolveRedisTopology<T extends RedisEnv>(env: T): T {
  if (env.REDIS_CLUSTER_NODES && env.REDIS_SENTINELS) {
    throw new AppError(
      'LUNAS_ERR_CONFIG',
      'Invalid configuration: REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other; set one',
    );
  }
  if (env.REDIS_SENTINELS && !env.REDIS_SENTINEL_MASTER) {
    throw new AppError(
      'LUNAS_ERR_CONFIG',
      'Invalid configuration: REDIS_SENTINEL_MASTER is required with REDIS_SENTINELS',
    );
  }
  if (env.REDIS_SENTINEL_MASTER && !env.REDIS_SENTINELS) {
    throw new AppError(
      'LUNAS_ERR_CONFIG',
      'Invalid configuration: REDIS_SENTINEL_MASTER is set but REDIS_SENTINELS is not',
    );
  }
  return env.REDIS_CLUSTER_NODES ? { ...env, QUEUE_PREFIX: hashTaggedPrefix(env.QUEUE_PREFIX) } : env;
}

/** The connection target a parsed config selects. */
export function redisTargetOf(env: RedisEnv): RedisTarget {
  if (env.REDIS_CLUSTER_NODES) {
    return {
      kind: 'cluster',
      nodes: env.REDIS_CLUSTER_NODES,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      tls: env.REDIS_TLS,
    };
  }
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_MASTER) {
    return {
      kind: 'sentinel',
      sentinels: env.REDIS_SENTINELS,
      masterName: env.REDIS_SENTINEL_MASTER,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
      tls: env.REDIS_TLS,
    };
  }
  return { kind: 'standalone', url: env.REDIS_URL };
}

/** Resolves the server key: required in production, the simulator's key elsewhere. */
export function resolveServerKey(nodeEnv: string, key: string | undefined): string {
  if (key) {
    return key;
  }
  if (nodeEnv === 'production') {
    throw new AppError('LUNAS_ERR_CONFIG', 'MIDTRANS_SERVER_KEY is required when NODE_ENV=production');
  }
  return LOCAL_SIMULATOR_SERVER_KEY;
}

/**
 * Parses env with a schema and turns every problem into one message that names the
 * variables (never their values: some are secrets).
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`,
    );
    throw new AppError('LUNAS_ERR_CONFIG', `Invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(result.data) as z.infer<T>;
}
