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
  /** redis:// URL of the Redis that holds the queues. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
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
